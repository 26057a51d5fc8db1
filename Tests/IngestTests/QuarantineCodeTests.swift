import Connectors
import Daemon
import Foundation
import GRDB
import JourneyModel
import JourneyStore
import JourneyTesting
import Testing

/// Every quarantine carries a stable code in `quarantine.reason_code` next to its reason text.
@Suite struct QuarantineCodeTests {
    /// One row per code, across the formats and mappings that produce it.
    @Test func eachCodeIsStoredForARowThatCausesIt() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", """
            "Id","LastName","Email","LastModifiedDate"
            "00Q5g00000Hx2KaEAJ","Chen","maya.chen@brightwave.io","2025-03-14T09:10:12.000Z"
            "00Q5g00000Hx2KbEAJ","Rossi"
            "not-an-id","Natarajan","priya.natarajan@kestrelhealth.com","2025-03-12T18:07:55.000Z"
            "00Q5g00000Hx2KdEAJ","Quote,"x"y","a@b.co","2025-03-12T18:07:55.000Z"

            """)
        try ws.write("m/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            1,3004,20/02/2025 16:16,10,null,1,Newsletter,null
            2,,2025-02-20T16:16:53Z,10,null,1,Newsletter,null
            3,3004,,10,null,1,Newsletter,null
            4,3004,2025-02-20T16:16:54Z,abc,null,1,Newsletter,null

            """)
        try ws.write("hs/contacts.csv", """
            Record ID,First Name,Last Name,Email,Create Date,Last Modified Date
            ,Nobody,Known,nobody@example.com,2025-02-20 16:17,2025-04-18 17:31
            74918230503,Sofia,Rossi,not-an-email,2025-02-03 10:00,2025-03-13 15:05

            """)
        try ws.write("ev/events.ndjson", """
            {"id": "e1", "email": "ann@example.com", "ts": 1741789510000, "type": "open"}
            {"id": "e2", "email": "ann@example.com", "ts": 1741789520000, "type": "click"
            {"id": "e3", "email": "ann@example.com", "ts": 1741789530000}

            """)
        let out = try await ws.ingest("""
              - {name: sf, type: files, path: sf, format: salesforce-data-export}
              - {name: m, type: files, path: m, format: marketo-activities-export}
              - {name: hs, type: files, path: hs, format: hubspot-contacts-export}
              - name: ev
                type: files
                path: ev
                format: ndjson
                mapping:
                  record: touchpoint
                  id: id
                  fields: { email: email, occurred_at: ts, action: type }
                  constants: { channel: email, side: marketing }
                  timestamp_format: epoch_ms

            """)
        let rows = try ws.strings("SELECT origin || ' ' || reason_code FROM quarantine ORDER BY origin")
        #expect(rows == [
            "Lead.csv:3 wrong_field_count",
            "Lead.csv:4 invalid_external_id",
            "Lead.csv:5 malformed_csv",
            "activities.csv:2 unparseable_timestamp",
            "activities.csv:3 no_identifier",
            "activities.csv:4 missing_timestamp",
            "activities.csv:5 invalid_value",
            "contacts.csv:2 missing_external_id",
            "contacts.csv:3 invalid_identifier",
            "events.ndjson:2 malformed_json",
            "events.ndjson:3 missing_value",
        ])
        // The reason stays the human-readable detail it always was.
        #expect(try ws.strings("SELECT reason FROM quarantine WHERE reason_code = 'no_identifier'") == ["no leadId"])
        #expect(out.counts("m", "activities").quarantinedByCode == [
            .unparseableTimestamp: 1, .noIdentifier: 1, .missingTimestamp: 1, .invalidValue: 1,
        ])
        #expect(out.counts("m", "activities").quarantined == 4)
    }

    /// The rest of the closed set, from the column mapping's own checks.
    @Test func columnMappingCodes() async throws {
        let ws = try Workspace()
        try ws.write("crm/touches.csv", """
            ID,E-Mail,When,Side
            1,ann@example.com,2025-03-01T10:00:00Z,marketing
            2,ann@example.com,,marketing
            3,,2025-03-01T10:00:00Z,marketing
            4,ann@example.com,2025-03-01T10:00:00Z,support
            ,ann@example.com,2025-03-01T10:00:00Z,sales

            """)
        _ = try await ws.ingest("""
              - name: crm
                type: files
                path: crm
                format: csv
                mapping:
                  record: touchpoint
                  id: ID
                  fields: { email: E-Mail, occurred_at: When, side: Side }
                  constants: { channel: crm, action: crm.touched }

            """)
        #expect(try ws.strings("SELECT origin || ' ' || reason_code || ' ' || reason FROM quarantine ORDER BY origin") == [
            "touches.csv:3 missing_timestamp no value for occurred_at",
            "touches.csv:4 no_identifier no person identifier",
            "touches.csv:5 invalid_value side 'support' is neither marketing nor sales",
            "touches.csv:6 missing_external_id no value in id column 'ID'",
        ])
        // Actions a config names for itself are kept as given.
        #expect(try ws.strings("SELECT channel || ' ' || action FROM touchpoints") == ["crm crm.touched"])
    }

    /// `invalidEncoding` is produced in MalformedFileTests (a windows-1250 file read as UTF-8).
    @Test func everyCodeIsProducedByTheTestsAbove() {
        let covered: Set<QuarantineCode> = [
            .wrongFieldCount, .invalidExternalID, .malformedCSV, .unparseableTimestamp, .noIdentifier, .missingTimestamp,
            .invalidValue, .missingExternalID, .invalidIdentifier, .malformedJSON, .missingValue, .invalidEncoding,
        ]
        #expect(covered == Set(QuarantineCode.allCases))
    }

    /// Migration 0006 backfills rows quarantined before it from their reason text.
    @Test func migrationBackfillsCodesFromReasonTexts() throws {
        let ws = try Workspace()
        let reasons = [
            "expected 4 fields as in the header, found 3": "wrong_field_count",
            "malformed CSV: unclosed quote: the field that starts on line 3 never ends": "malformed_csv",
            "invalid JSON: The data couldn’t be read": "malformed_json",
            "truncated JSON at the end of the file": "malformed_json",
            "no Record ID": "missing_external_id",
            "no value in id column 'ID'": "missing_external_id",
            "Id 'x' is not a 15- or 18-character Salesforce id": "invalid_external_id",
            "completed Task without a date": "missing_timestamp",
            "unparseable date '20/02/2025' in activityDate": "unparseable_timestamp",
            "no leadId": "no_identifier",
            "invalid email 'bob(at)example.com' and no other identifier": "invalid_identifier",
            "no action or channel": "missing_value",
            "activityTypeId 'abc' is not a number": "invalid_value",
            "no parseable hs_timestamp": "NULL",
        ]
        _ = try JourneyStore(path: ws.storePath)
        // Take the store back to 0005 with quarantine rows an older version wrote.
        try ws.db().write { db in
            for (n, reason) in reasons.keys.sorted().enumerated() {
                try db.execute(
                    sql: "INSERT INTO quarantine (source, stream, reason, payload, seen_at, payload_hash) VALUES ('s', 't', ?, 'p', 'now', ?)",
                    arguments: [reason, "h\(n)"])
            }
            try db.execute(sql: "ALTER TABLE quarantine DROP COLUMN reason_code")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '0006_quarantine_reason_code'")
        }
        _ = try JourneyStore(path: ws.storePath)
        let stored = try ws.strings("SELECT reason || '=' || coalesce(reason_code, 'NULL') FROM quarantine ORDER BY reason")
        #expect(stored == reasons.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
    }

    @Test func aSourceLevelFailureIsStoredAsTheStarRow() async throws {
        let ws = try Workspace()
        let out = try await ws.ingest("  - {name: gone, type: files, path: nowhere, format: marketo-export}\n")
        #expect(out[0].report.errors.map(\.stream) == [.source])
        let state = try ws.strings("SELECT stream || ' ' || status FROM sync_state WHERE source = 'gone'")
        #expect(state == ["* failed"])
    }
}
