import Foundation
import JourneyConfig
import Testing

@Suite("JourneyLakeConfig: store and file structure")
struct ConfigLoadingTests {
    static let valid = """
        # comment
        store:
          path: data/journey.sqlite
        sources:
          - name: hubspot-exports
            type: files
            path: drops/hubspot
            format: hubspot-export
          - name: sf.weekly_2
            type: files
            poll_interval: 90s
            enabled: false
            path: /var/drops/sf
            format: salesforce-data-export
        """

    @Test("a valid config parses; the store path resolves against the config file's folder")
    func validConfig() throws {
        let config = try JourneyLakeConfig.parse(yaml: Self.valid, file: configFile)
        #expect(config.file == configFile)
        #expect(config.store.path == "/srv/journeylake/conf/data/journey.sqlite")
        #expect(config.store.batchSize == 5000)
        #expect(config.sources.map(\.name) == ["hubspot-exports", "sf.weekly_2"])
        #expect(config.sources.map(\.type) == ["files", "files"])
        #expect(config.sources[0].pollInterval == .seconds(300))
        #expect(config.sources[0].enabled)
        #expect(config.sources[1].pollInterval == .seconds(90))
        #expect(!config.sources[1].enabled)
        #expect(config.sources[0].baseDirectory.path == "/srv/journeylake/conf")
        #expect(config.sources[0].resolvePath("drops/hubspot") == "/srv/journeylake/conf/drops/hubspot")
        #expect(config.sources[0].resolvePath("/abs/x") == "/abs/x")
    }

    @Test("store path: parent folders are resolved, absolute paths kept; batch_size is read")
    func storeSettings() throws {
        let up = try JourneyLakeConfig.parse(
            yaml: Self.valid.replacingOccurrences(of: "path: data/journey.sqlite", with: "path: ../state/j.sqlite\n  batch_size: 250"),
            file: configFile)
        #expect(up.store == StoreSettings(path: "/srv/journeylake/state/j.sqlite", batchSize: 250))
        let abs = try JourneyLakeConfig.parse(
            yaml: Self.valid.replacingOccurrences(of: "path: data/journey.sqlite", with: "path: /data/j.sqlite\n  batch_size: 10_000"),
            file: configFile)
        #expect(abs.store == StoreSettings(path: "/data/j.sqlite", batchSize: 10_000))
    }

    @Test("batch_size must be a whole number in range", arguments: ["0", "-5", "1000001", "many", "2.5"])
    func badBatchSize(value: String) {
        let yaml = Self.valid.replacingOccurrences(of: "path: data/journey.sqlite", with: "path: j.sqlite\n  batch_size: \(value)")
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        #expect(errors.count == 1)
        #expect(errors.first?.key == "store.batch_size")
        #expect(errors.first?.line == line(of: "batch_size", in: yaml))
    }

    @Test("an unknown top-level key is reported on its own line with a suggestion")
    func unknownTopLevelKey() throws {
        let yaml = """
            store:
              path: j.sqlite
            sorces:
              - name: a
                type: files
            """
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.file == configFile)
        #expect(error.message.contains("sorces"))
        #expect(error.hint == "did you mean 'sources'?")
        #expect(error.key == "sorces")
        #expect(error.line == 3, "the error should point at the `sorces:` line")
    }

    @Test("an unknown key with a nested mapping value is reported on the key's line")
    func unknownKeyWithMappingValue() throws {
        let yaml = """
            stor:
              path: j.sqlite
            sources:
              - { name: a, type: files }
            """
        let error = try #require(configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }.first)
        #expect(error.hint == "did you mean 'store'?")
        #expect(error.line == 1)
    }

    @Test("a key written twice is an error with a line")
    func duplicateKey() throws {
        let yaml = """
            store:
              path: a.sqlite
            sources:
              - { name: a, type: files }
            store:
              path: b.sqlite
            """
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message.contains("store"))
        #expect(error.line != nil)
    }

    @Test("an unknown top-level key with a scalar value, and one with no near match")
    func unknownTopLevelScalarKey() throws {
        let yaml = """
            store:
              path: j.sqlite
            stor: x
            zzzzzzzzz: 1
            sources:
              - { name: a, type: files }
            """
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        #expect(errors.count == 2)
        let stor = try #require(errors.first { $0.message.contains("'stor'") })
        #expect(stor.line == 3)
        #expect(stor.hint == "did you mean 'store'?")
        let other = try #require(errors.first { $0.message.contains("zzzzzzzzz") })
        #expect(other.line == 4)
        #expect(other.hint?.contains("store") == true && other.hint?.contains("sources") == true)
    }

    @Test("an unknown key inside store: is reported with the key path")
    func unknownStoreKey() throws {
        let yaml = """
            store:
              path: j.sqlite
              batchsize: 10
            sources:
              - { name: a, type: files }
            """
        let error = try #require(configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }.first)
        #expect(error.key == "store.batchsize")
        #expect(error.line == 3)
        #expect(error.hint == "did you mean 'batch_size'?")
    }

    @Test("missing store.path", arguments: ["store:\n  batch_size: 10\n", "store: {}\n", "store:\n  path: \"\"\n", "store:\n  path:\n"])
    func missingStorePath(storeBlock: String) throws {
        let yaml = storeBlock + "sources:\n  - { name: a, type: files }\n"
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.key.hasPrefix("store"))
        #expect(error.message.contains("path") || error.key == "store.path", "\(error)")
    }

    @Test("missing store and sources sections are both reported")
    func missingSections() {
        let missingBoth = configErrors { _ = try JourneyLakeConfig.parse(yaml: "# nothing but\nfoo_bar_baz_qux: 1\n", file: configFile) }
        #expect(missingBoth.count == 1)  // the unknown key is reported first, alone
        let noSources = configErrors { _ = try JourneyLakeConfig.parse(yaml: "store: { path: j }\n", file: configFile) }
        #expect(noSources.map(\.message) == ["missing required key 'sources'"])
        let noStore = configErrors { _ = try JourneyLakeConfig.parse(yaml: "sources: [{ name: a, type: files }]\n", file: configFile) }
        #expect(noStore.map(\.message) == ["missing required key 'store'"])
        let emptyStore = configErrors { _ = try JourneyLakeConfig.parse(yaml: "store:\n", file: configFile) }
        #expect(emptyStore.count == 2)
        #expect(emptyStore.contains { $0.key == "store" || $0.message.contains("'store'") }, "\(emptyStore)")
        #expect(emptyStore.contains { $0.message.contains("'sources'") })
    }

    @Test("sources must be a non-empty list")
    func sourcesShape() {
        let empty = configErrors { _ = try JourneyLakeConfig.parse(yaml: "store: { path: j }\nsources: []\n", file: configFile) }
        #expect(empty.count == 1)
        #expect(empty.first?.message.contains("at least one source") == true)
        #expect(empty.first?.line == 2)
        let scalar = configErrors { _ = try JourneyLakeConfig.parse(yaml: "store: { path: j }\nsources: files\n", file: configFile) }
        #expect(scalar.first?.message.contains("expected a list") == true)
    }

    @Test("duplicate source names point at the second one and name the first line")
    func duplicateNames() throws {
        let yaml = configYAML(sources: """
              - name: drops
                type: files
              - name: other
                type: files
              - name: drops   # again
                type: files
            """)
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.message.contains("duplicate source name 'drops'"))
        #expect(error.line == line(of: "# again", in: yaml))
        #expect(error.hint == "first used on line \(line(of: "name: drops", in: yaml)!)")
    }

    @Test("source name and type are required; names are restricted")
    func sourceNameAndType() {
        let noName = configErrors { _ = try JourneyLakeConfig.parse(yaml: configYAML(sources: "  - type: files"), file: configFile) }
        #expect(noName.first?.message == "missing required key 'name'")
        let noType = configErrors { _ = try JourneyLakeConfig.parse(yaml: configYAML(sources: "  - name: a"), file: configFile) }
        #expect(noType.first?.message == "missing required key 'type'")
        let badName = configErrors {
            _ = try JourneyLakeConfig.parse(yaml: configYAML(sources: "  - name: my drops/\n    type: files"), file: configFile)
        }
        #expect(badName.first?.key == "sources[0].name")
        #expect(badName.first?.line == 4)
    }

    @Test("all errors of a file are reported together")
    func aggregatesErrors() {
        let yaml = configYAML(sources: """
              - name: a
                type: files
                poll_interval: soon
              - name: b
                type: files
                enabled: maybe
            """).replacingOccurrences(of: "path: data/journey.sqlite", with: "path: j\n  batch_size: 0")
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        #expect(errors.map(\.key).sorted() == ["sources[0].poll_interval", "sources[1].enabled", "store.batch_size"])
    }

    @Test("invalid YAML syntax is reported with its line")
    func invalidYAML() throws {
        let yaml = """
            store:
              path: j.sqlite
            sources:
              - name: a
                type: files: nested
            """
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.message.hasPrefix("invalid YAML"))
        #expect(error.line == 5)
        #expect(error.file == configFile)
    }

    @Test("an unclosed flow list is reported as invalid YAML with a line")
    func unclosedFlow() throws {
        let yaml = "store:\n  path: j\nsources: [ { name: a, type: files }\n"
        let error = try #require(configErrors { _ = try JourneyLakeConfig.parse(yaml: yaml, file: configFile) }.first)
        #expect(error.message.hasPrefix("invalid YAML"))
        #expect(error.line != nil)
    }

    @Test("an empty file is an error on line 1", arguments: ["", "# only a comment\n"])
    func emptyFile(text: String) throws {
        let error = try #require(configErrors { _ = try JourneyLakeConfig.parse(yaml: text, file: configFile) }.first)
        #expect(error.line == 1)
        #expect(error.message.contains("empty"))
    }

    @Test("a document that is not a mapping is an error")
    func notAMapping() {
        let errors = configErrors { _ = try JourneyLakeConfig.parse(yaml: "- a\n- b\n", file: configFile) }
        #expect(errors.first?.message.contains("expected a mapping") == true)
    }

    @Test("load(path:) reads a file and resolves paths against its folder")
    func loadFromDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jl-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("journeylake.yaml")
        try Self.valid.write(to: file, atomically: true, encoding: .utf8)
        let config = try JourneyLakeConfig.load(path: file.path)
        #expect(config.file == file.path)
        #expect(config.store.path == dir.appendingPathComponent("data/journey.sqlite").standardizedFileURL.path)
    }

    @Test("load(path:) of a missing file names the file")
    func loadMissing() throws {
        let path = "/nonexistent-\(UUID().uuidString)/journeylake.yaml"
        let error = try #require(configErrors { _ = try JourneyLakeConfig.load(path: path) }.first)
        #expect(error.file == path)
        #expect(error.message.contains("cannot read"))
        #expect(error.description.hasPrefix(path))
    }

    @Test("ConfigError's description carries place, key, message and hint")
    func errorDescription() {
        let e = ConfigError(file: "c.yaml", line: 3, column: 5, key: "sources[0].format", message: "bad", hint: "fix it")
        #expect(e.description == "c.yaml:3:5: sources[0].format: bad (fix it)")
        #expect(ConfigError(file: "c.yaml", line: nil, column: nil, key: "", message: "bad").description == "c.yaml: bad")
        #expect(ConfigErrors([e, e]).description == "\(e)\n\(e)")
    }
}
