import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// Inputs found by probing the release binary: each one once hung, dropped or altered rows.
@Suite struct MalformedFileTests {
    static let source = "  - name: ev\n    type: files\n    path: ev\n    format: json\n" + BadInputTests.eventMapping

    @Test func aStrayClosingBraceInAJSONArrayIsQuarantinedAndReadingGoesOn() async throws {
        let ws = try Workspace()
        try ws.write("ev/events.json", """
            [{"id": "e1", "email": "ann@example.com", "ts": 1741789510000, "type": "open"},"id":"2"},
             {"id": "e3", "email": "ann@example.com", "ts": 1741789530000, "type": "click"}]
            """)
        let out = try await ws.ingest(Self.source)
        let c = out.counts("ev", "events")
        #expect(c.new == 2, "\(c)")
        #expect(c.quarantined >= 1)
        #expect(c.read == c.new + c.unchanged + c.updated + c.deleted + c.quarantined)
        // A second pass finds the file done: no loop, nothing twice.
        let again = try await ws.ingest(Self.source)
        #expect(again.counts("ev", "events").read == 0)
        #expect(try ws.count("SELECT count(*) FROM quarantine") == c.quarantined)
    }

    @Test func contentAfterTheClosingBracketIsQuarantinedNotDropped() async throws {
        let ws = try Workspace()
        try ws.write("ev/events.json", """
            [{"id": "e1", "email": "ann@example.com", "ts": 1741789510000, "type": "open"}][{"id": "e2", "email": "ann@example.com", "ts": 1741789520000, "type": "click"}]
            """)
        let out = try await ws.ingest(Self.source)
        let c = out.counts("ev", "events")
        #expect(c.new == 1)
        #expect(c.quarantined >= 1)
        let reasons = try ws.strings("SELECT reason_code FROM quarantine")
        #expect(reasons.allSatisfy { $0 == QuarantineCode.malformedJSON.rawValue }, "\(reasons)")
        #expect(try ws.strings("SELECT reason FROM quarantine").allSatisfy { $0.contains("offset") })
    }

    /// A record that is not JSON says where it broke: the byte offset of the record in the file
    /// and what was wrong at which byte of it; the records around it load.
    @Test func aBrokenRecordSaysWhereAndWhatWasWrong() async throws {
        let ws = try Workspace()
        try ws.write("ev/events.json", """
            {"id": "e1", "email": "ann@example.com", "ts": 1741789510000, "type": "open"}
            {"id": "e2" "email": "ann@example.com", "ts": 1741789520000, "type": "click"}
            {"id": "e3", "email": "ann@example.com", "ts": 1741789530000, "type": "click"}
            """)
        let c = try await ws.ingest(Self.source).counts("ev", "events")
        #expect(c.new == 2 && c.quarantined == 1, "\(c)")
        let reasons = try ws.strings("SELECT reason FROM quarantine")
        #expect(reasons == ["invalid JSON at byte offset 78: expected ',' or '}' (at byte 12 of the record)"], "\(reasons)")
    }

    @Test func identicalMalformedRowsOnDifferentLinesAreEachKept() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", """
            "Id","LastName","Email","LastModifiedDate"
            "00Q5g00000Hx2KaEAJ","Chen","maya.chen@brightwave.io","2025-03-14T09:10:12.000Z"
            bad,row
            bad,row
            bad,row

            """)
        let source = "  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n"
        let out = try await ws.ingest(source)
        #expect(out.counts("sf", "Lead").quarantined == 3)
        #expect(try ws.strings("SELECT origin FROM quarantine ORDER BY origin") == ["Lead.csv:3", "Lead.csv:4", "Lead.csv:5"])
        // Re-reading the file from its start (its first row changed) adds no quarantine row twice.
        try ws.write("sf/Lead.csv", """
            "Id","LastName","Email","LastModifiedDate"
            "00Q5g00000Hx2KaEAJ","Chen","maya.chen@brightwave.io","2025-03-15T09:10:12.000Z"
            bad,row
            bad,row
            bad,row
            "00Q5g00000Hx2KcEAJ","Natarajan","priya.natarajan@kestrelhealth.com","2025-03-12T18:07:55.000Z"

            """)
        _ = try await ws.ingest(source)
        #expect(try ws.count("SELECT count(*) FROM quarantine") == 3)
    }

    @Test func bytesInvalidInTheFilesEncodingAreQuarantinedNamingTheOffset() async throws {
        let ws = try Workspace()
        // "Müller-Łódź" in windows-1250: ü FC, Ł A3, ó F3, ź 9F.
        var cp1250 = Data("\"Id\",\"LastName\",\"Email\",\"LastModifiedDate\"\n".utf8)
        cp1250.append(Data("\"00Q5g00000Hx2KaEAJ\",\"M".utf8) + Data([0xFC]) + Data("ller-".utf8) + Data([0xA3, 0xF3, 0x64, 0x9F]))
        cp1250.append(Data("\",\"m@brightwave.io\",\"2025-03-14T09:10:12.000Z\"\n".utf8))
        _ = try ws.writeData("utf8/Lead.csv", cp1250)
        _ = try ws.writeData("cp/Lead.csv", cp1250)
        let out = try await ws.ingest("""
              - {name: utf8, type: files, path: utf8, format: salesforce-data-export}
              - {name: cp, type: files, path: cp, format: salesforce-data-export, encoding: windows-1250}

            """)
        // Read as UTF-8 (the default) the row is quarantined, naming where, instead of being stored as U+FFFD.
        #expect(out.counts("utf8", "Lead").quarantined == 1)
        let reason = try #require(try ws.strings("SELECT reason_code || ' ' || reason FROM quarantine WHERE source = 'utf8'").first)
        #expect(reason.hasPrefix(QuarantineCode.invalidEncoding.rawValue) && reason.contains("offset"), "\(reason)")
        #expect(try ws.count("SELECT count(*) FROM raw_records WHERE payload LIKE '%' || char(65533) || '%'") == 0)
        // With its encoding configured it loads, decoded.
        #expect(out.counts("cp", "Lead").new == 1)
        #expect(try ws.strings("SELECT last_name FROM persons") == ["Müller-Łódź"])
    }

    @Test func anUnknownEncodingIsAConfigErrorNamingTheKnownOnes() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", "\"Id\"\n")
        let error = await #expect(throws: (any Error).self) {
            _ = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export, encoding: ebcdic}\n")
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("unknown encoding 'ebcdic'") && text.contains("windows-1252"), "\(text)")
    }

    @Test func marketoAttributesThatAreNotJSONQuarantineTheRow() async throws {
        let ws = try Workspace()
        try ws.write("m/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            1,3004,2025-02-20T16:16:51Z,10,null,1,Newsletter,"{""Campaign"": ""Spring""}"
            2,3004,2025-02-20T16:16:52Z,10,null,1,Newsletter,"{""Campaign"": ""Spr"

            """)
        let out = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-activities-export}\n")
        #expect(out.counts("m", "activities").new == 1)
        #expect(out.counts("m", "activities").quarantined == 1)
        #expect(try ws.strings("SELECT origin || ' ' || reason_code FROM quarantine") == ["activities.csv:3 invalid_value"])
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE attributes IS NOT NULL AND NOT json_valid(attributes)") == 0)
    }

    @Test func aSalesforceExportWithoutItsHeaderFailsTheFileNamingIt() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", """
            "00Q5g00000Hx2KaEAJ","Chen","maya.chen@brightwave.io","2025-03-14T09:10:12.000Z"
            "00Q5g00000Hx2KcEAJ","Natarajan","priya.natarajan@kestrelhealth.com","2025-03-12T18:07:55.000Z"

            """)
        let out = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        #expect(out[0].report.status != .ok)
        #expect(out[0].report.errors.contains { $0.message.contains("Lead.csv") }, "\(out[0].report.errors)")
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 0)
    }

    @Test func aBOMStartingALineInTheMiddleOfAFileIsNotPartOfAnId() async throws {
        let ws = try Workspace()
        let bom = "\u{FEFF}"
        try ws.write("sf/Lead.csv", """
            \(bom)"Id","LastName","Email","LastModifiedDate"
            "00Q5g00000Hx2KaEAJ","Chen","maya.chen@brightwave.io","2025-03-14T09:10:12.000Z"
            \(bom)"00Q5g00000Hx2KcEAJ","Natarajan","priya.natarajan@kestrelhealth.com","2025-03-12T18:07:55.000Z"

            """)
        let out = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        #expect(out.counts("sf", "Lead").new == 2)
        #expect(try ws.strings("SELECT external_id FROM source_records ORDER BY external_id") == ["00Q5g00000Hx2KaEAJ", "00Q5g00000Hx2KcEAJ"])
    }
}
