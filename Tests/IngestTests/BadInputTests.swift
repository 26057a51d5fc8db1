import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// Malformed rows are quarantined with source, file, line, reason and raw text; the rest loads.
@Suite struct BadInputTests {
    @Test func salesforceRowWithWrongFieldCountIsQuarantinedAndTheRestLoads() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", """
            "Id","LastName","Email","LastModifiedDate"
            "00Q5g00000Hx2KaEAJ","Chen","maya.chen@brightwave.io","2025-03-14T09:10:12.000Z"
            "00Q5g00000Hx2KbEAJ","Rossi","sofia.rossi@lumenretail.com"
            "00Q5g00000Hx2KcEAJ","Natarajan","priya.natarajan@kestrelhealth.com","2025-03-12T18:07:55.000Z"

            """)
        let out = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        let c = out.counts("sf", "Lead")
        #expect(c.read == 3)
        #expect(c.new == 2)
        #expect(c.quarantined == 1)
        let q = try ws.strings("SELECT source || '|' || stream || '|' || origin || '|' || reason || '|' || payload FROM quarantine")
        #expect(q == [#"sf|Lead|Lead.csv:3|expected 4 fields as in the header, found 3|"00Q5g00000Hx2KbEAJ","Rossi","sofia.rossi@lumenretail.com""#])
        #expect(out[0].report.status == .ok)
    }

    @Test func marketoActivityWithUnparseableDateIsQuarantined() async throws {
        let ws = try Workspace()
        try ws.write("m/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            1,3004,2025-02-20T16:16:51Z,10,null,1,Newsletter,null
            2,3004,20/02/2025 16:16,10,null,1,Newsletter,null
            3,,2025-02-20T16:16:53Z,10,null,1,Newsletter,null
            4,3004,2025-02-20T16:16:54+0000,abc,null,1,Newsletter,null

            """)
        let out = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-activities-export}\n")
        let c = out.counts("m", "activities")
        #expect(c.read == 4)
        #expect(c.new == 1)
        #expect(c.quarantined == 3)
        let reasons = try ws.strings("SELECT origin || ' ' || reason FROM quarantine ORDER BY origin")
        #expect(reasons == [
            "activities.csv:3 unparseable date '20/02/2025 16:16' in activityDate",
            "activities.csv:4 no leadId",
            "activities.csv:5 activityTypeId 'abc' is not a number",
        ])
    }

    @Test func hubspotContactWithoutRecordIdIsQuarantined() async throws {
        let ws = try Workspace()
        try ws.write("hs/contacts.csv", """
            Record ID,First Name,Last Name,Email,Create Date,Last Modified Date
            74918230501,Maya,Chen,maya.chen@brightwave.io,2025-02-20 16:17,2025-04-18 17:31
            ,Nobody,Known,nobody@example.com,2025-02-20 16:17,2025-04-18 17:31
            74918230503,Sofia,Rossi,not-an-email,2025-02-03 10:00,2025-03-13 15:05

            """)
        let out = try await ws.ingest("  - {name: hs, type: files, path: hs, format: hubspot-contacts-export}\n")
        #expect(out.counts("hs", "contacts").new == 1)
        #expect(out.counts("hs", "contacts").quarantined == 2)
        #expect(try ws.strings("SELECT reason FROM quarantine ORDER BY origin") == ["no Record ID", "invalid email 'not-an-email'"])
    }

    static let personMapping = """
          - name: crm
            type: files
            path: crm
            format: csv
            mapping:
              record: person
              id: ID
              fields: { email: E-Mail, first_name: First }

        """

    @Test func invalidEmailAsTheOnlyIdentifierIsQuarantined() async throws {
        let ws = try Workspace()
        try ws.write("crm/people.csv", "ID,First,E-Mail\n1,Ann,ann@example.com\n2,Bob,bob(at)example.com\n3,Cy,\n")
        let out = try await ws.ingest(Self.personMapping)
        #expect(out.counts("crm", "people").new == 1)
        #expect(try ws.strings("SELECT external_id || ': ' || reason FROM quarantine ORDER BY external_id") == [
            "2: invalid email 'bob(at)example.com' and no other identifier", "3: no person identifier",
        ])
    }

    @Test func csvWithBOMCRLFAndQuotedLineBreaksParses() async throws {
        let ws = try Workspace()
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += Array("ID,First,E-Mail\r\n1,\"Ann \"\"the analyst\"\"\",ann@example.com\r\n2,\"Bob\r\nSecond line, with comma\",BOB@Example.com \r\n".utf8)
        try ws.writeData("crm/people.csv", Data(bytes))
        let out = try await ws.ingest(Self.personMapping)
        #expect(out.counts("crm", "people").new == 2)
        #expect(out.counts("crm", "people").quarantined == 0)
        #expect(try ws.strings("SELECT first_name FROM persons ORDER BY primary_email") == ["Ann \"the analyst\"", "Bob\r\nSecond line, with comma"])
        #expect(try ws.strings("SELECT primary_email FROM persons ORDER BY 1") == ["ann@example.com", "bob@example.com"])
        // The BOM is not part of the first column's name.
        #expect(try ws.strings("SELECT payload FROM raw_records WHERE external_id = '1'") == [#"{"ID":"1","First":"Ann \"the analyst\"","E-Mail":"ann@example.com"}"#])
    }

    @Test func unclosedQuoteAtEndOfFileIsQuarantined() async throws {
        let ws = try Workspace()
        try ws.write("crm/people.csv", "ID,First,E-Mail\n1,Ann,ann@example.com\n2,\"Bob,bob@example.com\n")
        let out = try await ws.ingest(Self.personMapping)
        #expect(out.counts("crm", "people").new == 1)
        #expect(out.counts("crm", "people").quarantined == 1)
        #expect(try ws.strings("SELECT reason FROM quarantine").first?.contains("unclosed quote") == true)
    }

    static let eventMapping = """
            mapping:
              record: touchpoint
              id: id
              fields: { email: email, occurred_at: ts, action: type }
              constants: { channel: email, side: marketing }
              values: { action: { open: email.opened, click: email.clicked } }
              timestamp_format: epoch_ms

        """

    @Test func ndjsonBrokenLineIsQuarantined() async throws {
        let ws = try Workspace()
        try ws.write("ev/events.ndjson", """
            {"id": "e1", "email": "Ann@Example.com", "ts": 1741789510000, "type": "open"}
            {"id": "e2", "email": "ann@example.com", "ts": 1741789520000, "type": "click"
            {"id": "e3", "email": "ann@example.com", "ts": "soon", "type": "click"}
            {"id": "e4", "email": "ann@example.com", "ts": 1741789540000, "type": "click", "nested": {"a": [1, 2]}}

            """)
        let out = try await ws.ingest("  - name: ev\n    type: files\n    path: ev\n    format: ndjson\n" + Self.eventMapping)
        #expect(out.counts("ev", "events").new == 2)
        #expect(out.counts("ev", "events").quarantined == 2)
        let q = try ws.strings("SELECT origin || ' ' || substr(reason, 1, 11) FROM quarantine ORDER BY origin")
        #expect(q == ["events.ndjson:2 invalid JSO", "events.ndjson:3 unparseable"])
        #expect(try ws.strings("SELECT occurred_at || ' ' || action FROM touchpoints ORDER BY occurred_at") == [
            "2025-03-12T14:25:10.000Z email.opened", "2025-03-12T14:25:40.000Z email.clicked",
        ])
        // The raw zone keeps the JSON exactly as received.
        #expect(try ws.strings("SELECT payload FROM raw_records WHERE external_id = 'e4'").first?.contains(#""nested": {"a": [1, 2]}"#) == true)
    }

    @Test func jsonArrayWithBadElementAndTruncatedEnd() async throws {
        let ws = try Workspace()
        try ws.write("ev/events.json", """
            [
              {"id": "e1", "email": "ann@example.com", "ts": 1741789510000, "type": "open"},
              {"id": "e2", "email": , "ts": 1741789520000, "type": "click"},
              {"id": "e3", "email": "ann@example.com", "ts": 1741789530000, "type": "click"},
              {"id": "e4", "email": "ann@exa
            """)
        let out = try await ws.ingest("  - name: ev\n    type: files\n    path: ev\n    format: json\n" + Self.eventMapping)
        #expect(out.counts("ev", "events").new == 2)
        #expect(out.counts("ev", "events").quarantined == 2)
        let q = try ws.strings("SELECT origin || ' ' || reason FROM quarantine ORDER BY origin")
        #expect(q.count == 2)
        #expect(q.last == "events.json:5 truncated JSON at the end of the file")
    }

    @Test func missingFolderFailsOnlyThatSource() async throws {
        let ws = try Workspace()
        try ws.write("crm/people.csv", "ID,First,E-Mail\n1,Ann,ann@example.com\n")
        let out = try await ws.ingest(
            "  - {name: gone, type: files, path: nowhere, format: marketo-export}\n" + Self.personMapping)
        #expect(out[0].report.status == .failed)
        #expect(out[1].report.status == .ok)
        #expect(out.counts("crm", "people").new == 1)
        let state = try ws.strings("SELECT status || ' ' || last_error FROM sync_state WHERE source = 'gone'")
        #expect(state.count == 1)
        #expect(state[0].hasPrefix("failed folder "))
        #expect(state[0].contains("/nowhere does not exist"))
    }

    @Test func fileOfTheWrongFormatFailsThatFileOnly() async throws {
        let ws = try Workspace()
        try ws.write("m/leads.csv", "id,email,updatedAt\n3001,tom.becker@ostfeld-mb.de,2025-02-20T15:01:38Z\n")
        try ws.write("m/weird.csv", "foo,bar\n1,2\n")
        let out = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-leads-export}\n")
        #expect(out[0].report.status == .partial)
        #expect(out.counts("m", "leads").new == 1)
        #expect(out[0].report.errors.first?.message.contains("weird.csv is not a marketo-leads-export file") == true)
    }

    @Test func fileStillBeingWrittenWaitsForTheNextPass() async throws {
        let ws = try Workspace()
        try ws.write("m/leads.csv", "id,email,updatedAt\n3001,tom.becker@ostfeld-mb.de,2025-02-20T15:01:38Z\n", age: 0)
        let yaml = "  - {name: m, type: files, path: m, format: marketo-leads-export, settle: 1h}\n"
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.waiting == ["leads.csv"])
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 0)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: ws.root.appendingPathComponent("m/leads.csv").path)
        let later = try await ws.ingest(yaml)
        #expect(later.counts("m", "leads").new == 1)
    }

    @Test func aLinkedFileIsReadAndABrokenLinkIsReported() async throws {
        let ws = try Workspace()
        let export = try ws.write("exports/leads.csv", "id,email\n1,a@b.co\n2,c@d.co\n")
        try FileManager.default.createDirectory(at: ws.root.appendingPathComponent("m"), withIntermediateDirectories: true)
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: ws.root.appendingPathComponent("m/leads.csv").path, withDestinationPath: export.path)
        try fm.createSymbolicLink(atPath: ws.root.appendingPathComponent("m/gone.csv").path, withDestinationPath: "../exports/gone.csv")
        try fm.createSymbolicLink(atPath: ws.root.appendingPathComponent("m/old.zip").path, withDestinationPath: "../exports/old.zip")
        let yaml = "  - {name: m, type: files, path: m, format: marketo-leads-export}\n"
        let out = try await ws.ingest(yaml)
        #expect(out.counts("m", "leads").new == 2)
        #expect(out[0].report.status == .partial)
        let errors = out[0].report.errors.map(\.message).sorted()
        #expect(errors.count == 2)
        #expect(errors.first?.hasSuffix("m/gone.csv is a symbolic link to a file that does not exist; link it again or remove it") == true)
        #expect(errors.last?.hasSuffix("m/old.zip is a symbolic link to a file that does not exist; link it again or remove it") == true)
        // The link's path is the file's identity: an unchanged target is not read again.
        let again = try await ws.ingest(yaml)
        #expect(again.counts("m", "leads").read == 0)
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 2)
    }

    @Test func temporaryAndHiddenFilesAreIgnored() async throws {
        let ws = try Workspace()
        try ws.write("m/leads.csv.part", "id,email\n1,a@b.co\n")
        try ws.write("m/.leads.csv", "id,email\n1,a@b.co\n")
        try ws.write("m/leads.csv", "id,email\n2,c@d.co\n")
        let out = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-leads-export}\n")
        #expect(out.counts("m", "leads").read == 1)
    }
}
