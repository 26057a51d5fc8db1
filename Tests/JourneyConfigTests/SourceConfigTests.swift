import Connectors
import Foundation
import JourneyConfig
import JourneyModel
import Testing

@Suite("Source sections through ConnectorRegistry.make")
struct SourceConfigTests {
    /// Parses a one-source config and builds the source, returning the config errors.
    private func makeErrors(_ sourceYAML: String) -> [ConfigError] {
        configErrors { _ = try ConnectorRegistry.make(try onlySection(sourceYAML)) }
    }

    private func fileDrop(_ sourceYAML: String) throws -> FileDropConfig {
        let source = try ConnectorRegistry.make(try onlySection(sourceYAML))
        let drop = try #require(source as? FileDropSource)
        return drop.config
    }

    @Test("a preset file source builds with its defaults")
    func presetDefaults() throws {
        let section = try onlySection("""
              - name: hubspot
                type: files
                path: drops/hubspot
                format: hubspot-export
                poll_interval: 2m
            """)
        let source = try ConnectorRegistry.make(section)
        #expect(source.name == "hubspot")
        #expect(source.type == "files")
        #expect(source.pollInterval == .seconds(120))
        let config = try #require(source as? FileDropSource).config
        #expect(config.directory == "/srv/journeylake/conf/drops/hubspot")
        #expect(config.format == "hubspot-export")
        #expect(config.settle == .seconds(5))
        #expect(config.include == ["*.csv", "*.tsv", "*.txt"])
        #expect(config.delimiter == UInt8(ascii: ","))
        #expect(["UTC", "GMT"].contains(config.timeZone.identifier))
        #expect(config.timeZone.secondsFromGMT() == 0)
    }

    @Test("every preset format builds without a mapping", arguments: FormatRegistry.presets)
    func presets(format: String) throws {
        let config = try fileDrop("  - name: a\n    type: files\n    path: /x\n    format: \(format)")
        #expect(config.format == format)
    }

    @Test("optional keys are read")
    func optionalKeys() throws {
        let config = try fileDrop("""
              - name: a
                type: files
                path: ../drops
                format: marketo-export
                settle: 30s
                include: ["*.csv", "leads-*.txt"]
                delimiter: ;
                time_zone: America/New_York
                enabled: false
            """)
        #expect(config.directory == "/srv/journeylake/drops")
        #expect(config.settle == .seconds(30))
        #expect(config.include == ["*.csv", "leads-*.txt"])
        #expect(config.delimiter == UInt8(ascii: ";"))
        #expect(config.timeZone.identifier == "America/New_York")
    }

    @Test("tab delimiters in each spelling", arguments: [#""\t""#, #"'\t'"#, "tab"])
    func tabDelimiter(text: String) throws {
        let config = try fileDrop("  - name: a\n    type: files\n    path: /x\n    format: salesforce-bulk-csv\n    delimiter: \(text)")
        #expect(config.delimiter == 9)
    }

    @Test("a delimiter of more than one character is refused")
    func badDelimiter() {
        let errors = makeErrors("  - name: a\n    type: files\n    path: /x\n    format: salesforce-bulk-csv\n    delimiter: ';;'")
        #expect(errors.first?.key == "sources[0].delimiter")
        #expect(errors.first?.message.contains("one character") == true)
    }

    @Test("json formats default to json file patterns")
    func jsonIncludes() throws {
        let mapping = "\n    mapping:\n      record: person\n      id: id\n      fields: { email: email }"
        #expect(try fileDrop("  - name: a\n    type: files\n    path: /x\n    format: ndjson" + mapping).include
            == ["*.ndjson", "*.jsonl", "*.json"])
        #expect(try fileDrop("  - name: a\n    type: files\n    path: /x\n    format: json" + mapping).include == ["*.json"])
    }

    @Test("an unknown key in a files source points at its line and suggests the right key")
    func unknownSourceKey() throws {
        let yaml = """
              - name: a
                type: files
                path: /x
                formt: salesforce-data-export
            """
        let errors = makeErrors(yaml)
        let error = try #require(errors.first { $0.message.contains("formt") })
        #expect(error.message == "unknown key 'formt'")
        #expect(error.hint == "did you mean 'format'?")
        #expect(error.key == "sources[0].formt")
        #expect(error.line == line(of: "formt:", in: configYAML(sources: yaml)))
        #expect(error.file == configFile)
    }

    @Test("an unknown format suggests the closest known one")
    func unknownFormat() throws {
        let yaml = "  - name: a\n    type: files\n    path: /x\n    format: salesforce-dataexport"
        let error = try #require(makeErrors(yaml).first)
        #expect(error.message == "unknown format 'salesforce-dataexport'")
        #expect(error.hint == "did you mean 'salesforce-data-export'?")
        #expect(error.key == "sources[0].format")
        #expect(error.line == line(of: "format:", in: configYAML(sources: yaml)))
    }

    @Test("a format with no near match lists the known formats")
    func unknownFormatNoMatch() throws {
        let error = try #require(makeErrors("  - name: a\n    type: files\n    path: /x\n    format: parquet").first)
        #expect(error.hint?.contains("salesforce-data-export") == true)
        #expect(error.hint?.contains("ndjson") == true)
    }

    @Test("path and format are required")
    func requiredKeys() {
        #expect(makeErrors("  - name: a\n    type: files\n    format: csv").first?.message == "missing required key 'path'")
        #expect(makeErrors("  - name: a\n    type: files\n    path: /x").first?.message == "missing required key 'format'")
    }

    @Test("generic formats need a mapping", arguments: ["csv", "ndjson", "json"])
    func genericNeedsMapping(format: String) throws {
        let yaml = "  - name: a\n    type: files\n    path: /x\n    format: \(format)"
        let error = try #require(makeErrors(yaml).first)
        #expect(error.message.contains("needs a `mapping` section"))
        #expect(error.key == "sources[0]")
    }

    @Test("a preset format refuses a mapping")
    func presetRefusesMapping() throws {
        let yaml = "  - name: a\n    type: files\n    path: /x\n    format: hubspot-export\n    mapping:\n      record: person"
        let error = try #require(makeErrors(yaml).first)
        #expect(error.message.contains("built-in mapping"))
        #expect(error.key == "sources[0].mapping")
    }

    static let csvMapping = """
          - name: webinars
            type: files
            path: /srv/webinars
            format: csv
            mapping:
              record: touchpoint
              id: Registration ID
              fields:
                email: Email
                occurred_at: Joined At
                action: Status
              constants:
                channel: webinar
                side: marketing
              values:
                action: { Attended: webinar.attended }
              identifiers:
                marketo_lead: Marketo ID
              timestamp_format: MM/dd/yyyy HH:mm
              time_zone: America/New_York
        """

    @Test("a csv source with a full mapping builds")
    func csvMappingBuilds() throws {
        let config = try fileDrop(Self.csvMapping)
        let mapping = try #require(config.mapping as? ColumnMapping)
        #expect(mapping.recordType == .touchpoint)
        #expect(mapping.system == "webinars")
        #expect(mapping.idColumn == "Registration ID")
        #expect(mapping.fields == ["email": "Email", "occurred_at": "Joined At", "action": "Status"])
        #expect(mapping.constants == ["channel": "webinar", "side": "marketing"])
        #expect(mapping.values == ["action": ["Attended": "webinar.attended"]])
        #expect(mapping.identifierColumns.map(\.0.rawValue) == ["marketo_lead"])
        #expect(mapping.parser.style == .pattern("MM/dd/yyyy HH:mm"))
        #expect(mapping.parser.timeZone.identifier == "America/New_York")
    }

    @Test("a mapping field that the record type does not have is refused on its line")
    func unknownMappingField() throws {
        let yaml = Self.csvMapping.replacingOccurrences(of: "email: Email", with: "emial: Email")
        let error = try #require(makeErrors(yaml).first)
        #expect(error.message == "'emial' is not a field of a touchpoint")
        #expect(error.hint == "did you mean 'email'?")
        #expect(error.line == line(of: "emial:", in: configYAML(sources: yaml)))
        #expect(error.key.hasSuffix("mapping.fields.emial"))
    }

    @Test("an unknown key in a mapping is refused on its line")
    func unknownMappingKey() throws {
        let yaml = Self.csvMapping.replacingOccurrences(of: "timestamp_format:", with: "timestamp_fmt:")
        let error = try #require(makeErrors(yaml).first)
        #expect(error.message == "unknown key 'timestamp_fmt'")
        #expect(error.hint == "did you mean 'timestamp_format'?")
        #expect(error.line == line(of: "timestamp_fmt:", in: configYAML(sources: yaml)))
    }

    @Test("mapping problems: record type, required touchpoint fields, side")
    func mappingRules() {
        let badRecord = makeErrors(Self.csvMapping.replacingOccurrences(of: "record: touchpoint", with: "record: event"))
        #expect(badRecord.first?.message == "unknown record type 'event'")
        let noOccurredAt = makeErrors(Self.csvMapping.replacingOccurrences(of: "occurred_at: Joined At", with: "content: Joined At"))
        #expect(noOccurredAt.first?.message == "a touchpoint mapping needs fields.occurred_at")
        let noChannel = makeErrors(Self.csvMapping.replacingOccurrences(of: "channel: webinar", with: "campaign: webinar"))
        #expect(noChannel.first?.message == "a touchpoint mapping needs fields.channel or constants.channel")
        let badSide = makeErrors(Self.csvMapping.replacingOccurrences(of: "side: marketing", with: "side: product"))
        #expect(badSide.first?.message.contains("must be marketing or sales") == true)
        let noId = makeErrors(Self.csvMapping.replacingOccurrences(of: "id: Registration ID", with: "version: Updated"))
        #expect(noId.first?.message == "missing required key 'id'")
    }

    @Test("a bad time zone is refused on its line", arguments: ["Mars/Olympus_Mons", "EST5EDT6", "America/NewYork"])
    func badTimeZone(zone: String) throws {
        let yaml = "  - name: a\n    type: files\n    path: /x\n    format: hubspot-export\n    time_zone: \(zone)"
        let error = try #require(makeErrors(yaml).first)
        #expect(error.message == "unknown time zone '\(zone)'")
        #expect(error.key == "sources[0].time_zone")
        #expect(error.line == line(of: "time_zone:", in: configYAML(sources: yaml)))
        #expect(error.hint?.contains("America/New_York") == true)
    }

    @Test("a bad time zone inside a mapping is refused on its line")
    func badMappingTimeZone() throws {
        let yaml = Self.csvMapping.replacingOccurrences(of: "time_zone: America/New_York", with: "time_zone: Berlin")
        let error = try #require(makeErrors(yaml).first)
        #expect(error.message == "unknown time zone 'Berlin'")
        #expect(error.line == line(of: "time_zone: Berlin", in: configYAML(sources: yaml)))
    }

    @Test("an unknown source type is refused, with a suggestion when close")
    func unknownType() throws {
        let yaml = "  - name: a\n    type: filez"
        let close = try #require(makeErrors(yaml).first)
        #expect(close.message == "unknown source type 'filez'")
        #expect(close.hint == "did you mean 'files'?")
        #expect(close.key == "sources[0].type")
        #expect(close.line == line(of: "type: filez", in: configYAML(sources: yaml)))
        let far = try #require(makeErrors("  - name: a\n    type: kafka-stream").first)
        #expect(far.message == "unknown source type 'kafka-stream'")
        #expect(far.hint == "known types: files, hubspot, marketo, salesforce")
    }

    @Test("a HubSpot source: unknown keys and streams are refused, a missing token is named, never printed")
    func hubspotSection() throws {
        let typo = try #require(makeErrors("  - name: hs\n    type: hubspot\n    tokn: { env: HS }").first)
        #expect(typo.message == "unknown key 'tokn'")
        #expect(typo.hint == "did you mean 'token'?")
        let stream = try #require(makeErrors("  - name: hs\n    type: hubspot\n    token: { env: JL_UNSET_FOR_TEST }\n    streams: [contacts, tickets]").first)
        #expect(stream.message == "unknown HubSpot stream 'tickets'")
        let inline = try #require(makeErrors("  - name: hs\n    type: hubspot\n    token: pat-na1-secret-value").first)
        #expect(inline.message == "secrets are given by reference, not inline")
        #expect(!inline.description.contains("pat-na1-secret-value"))
        let unset = try #require(makeErrors("  - name: hs\n    type: hubspot\n    token: { env: JL_UNSET_FOR_TEST }").first)
        #expect(unset.message.contains("JL_UNSET_FOR_TEST is not set"))
        #expect(unset.key == "sources[0].token")
    }

    @Test("the example config loads and every source builds")
    func exampleConfig() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("config/journeylake.example.yaml").path
        let config: JourneyLakeConfig
        do {
            config = try JourneyLakeConfig.load(path: path)
        } catch {
            Issue.record("example config failed to load: \(error)")
            return
        }
        #expect(!config.sources.isEmpty)
        #expect(config.store.path == root.appendingPathComponent(".journeylake/journey.sqlite").standardizedFileURL.path)
        #expect(config.store.batchSize == 5000)
        for section in config.sources {
            do {
                let source = try ConnectorRegistry.make(section)
                #expect(source.name == section.name)
                if let drop = source as? FileDropSource {
                    #expect(drop.config.directory.hasPrefix(root.appendingPathComponent("examples/exports").standardizedFileURL.path),
                            "\(section.name): \(drop.config.directory)")
                    #expect(FileManager.default.fileExists(atPath: drop.config.directory), "\(drop.config.directory)")
                }
            } catch {
                Issue.record("source \(section.name) failed: \(error)")
            }
        }
    }
}
