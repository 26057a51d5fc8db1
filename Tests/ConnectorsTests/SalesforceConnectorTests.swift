import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// The Salesforce connector against a Salesforce emulator on 127.0.0.1: assertions are on the store.
@Suite struct SalesforceConnectorTests {
    func setUp(pageSize: Int = 2000, maxAttempts: Int = 4, secret: String = "jl-secret", extra: String = "") async throws
        -> (Workspace, SalesforceEmulator, ReplayServer, String)
    {
        let ws = try Workspace()
        try ws.write("secrets/sf-id", "jl-client\n")
        try ws.write("secrets/sf-secret", secret + "\n")
        let emulator = SalesforceEmulator()
        try await emulator.seedFromFixtures()
        let server = try await ReplayServer { request in await emulator.handle(request) }
        await emulator.setBase(server.baseURL.absoluteString)
        let yaml = """
              - name: salesforce
                type: salesforce
                login_url: \(server.baseURL.absoluteString)
                client_id: { file: secrets/sf-id }
                client_secret: { file: secrets/sf-secret }
                page_size: \(pageSize)
                retry: { max_attempts: \(maxAttempts), base_delay: 10ms, max_delay: 1s }
            \(extra)
            """
        return (ws, emulator, server, yaml)
    }

    @Test func everyObjectLoadsWithDeletesAndTheSecondRunAddsNothing() async throws {
        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(out.counts("salesforce", "Lead").new == 6)
        #expect(out.counts("salesforce", "Lead").deleted == 1)
        #expect(out.counts("salesforce", "Task").new == 6)
        #expect(out.counts("salesforce", "OpportunityHistory").new == 9)
        #expect(try ws.strings("SELECT reason FROM deleted_records WHERE stream = 'Lead'") == ["deleted in Salesforce"])
        // The converted lead and its contact are one person; the queryAll-only deleted lead is none.
        #expect(try ws.count("SELECT count(*) FROM persons WHERE person_id IN (SELECT person_id FROM person_records)") == 8)
        let maya = try ws.strings("SELECT kind FROM identifiers WHERE person_id = (SELECT person_id FROM identifiers WHERE value = 'maya.chen@brightwave.io') ORDER BY 1")
        #expect(maya == ["email", "salesforce_contact", "salesforce_lead"])
        #expect(try ws.strings("SELECT action FROM touchpoints WHERE stream = 'OpportunityHistory' ORDER BY occurred_at DESC LIMIT 1") == ["opportunity.won"])
        let before = try ws.dump()
        let requests = await emulator.requestCount
        let again = try await ws.ingest(yaml)
        #expect(again.allSatisfy { $0.report.counts.values.allSatisfy { $0.new + $0.updated + $0.deleted == 0 } })
        #expect(try ws.dump() == before)
        // Caught up: a token (a new process), then one clock probe and one query per object.
        let used = await emulator.requestCount - requests
        // Exact on an idle machine; a reused connection dropped under load may add a retry.
        #expect((1 + 20)...(1 + 20 + 2) ~= used, "\(used) requests")
    }

    @Test func tokenExpiryMidRunBatchedResultsAndRetriesGiveTheCleanStore() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        let (ws, emulator, server, yaml) = try await setUp(pageSize: 4)
        defer { Task { await server.stop() } }
        await emulator.setMaxBatch(3)
        await emulator.expireTokenBefore(query: 3)
        await emulator.failBeforeQuery(5, status: 503, body: "[]")
        await emulator.failBeforeQuery(6, status: 429, body: "[]")
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(try canonical(ws) == canonical(clean))
    }

    @Test func aShortQueryAnswerWithMoreToComeIsNotTheLast() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        // Every query under LIMIT 4 is answered with 2 rows, `done: true` and its true totalSize.
        let (ws, emulator, server, yaml) = try await setUp(pageSize: 4)
        defer { Task { await server.stop() } }
        await emulator.setMaxRowsPerQuery(2)
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(out.counts("salesforce", "Task").new == 6)
        #expect(try canonical(ws) == canonical(clean))
    }

    @Test func aKeysetContinuationAnsweredWithPassedRowsFailsTheStreamInsteadOfLooping() async throws {
        let (ws, emulator, server, yaml) = try await setUp(pageSize: 2)
        defer { Task { await server.stop() } }
        await emulator.ignoreKeyset(of: "Task")
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .partial)
        #expect(out[0].report.errors.map(\.stream) == [.stream("Task")])
        let message = out[0].report.errors.first?.message ?? ""
        #expect(message.contains("source 'salesforce', stream 'Task'") && message.contains("did not advance the cursor"), "\(message)")
        #expect(message.contains(#""lastId":"#), "\(message)")
        let taskQueries = await emulator.queries.filter { $0.contains("FROM Task ") }
        #expect(taskQueries.count == 2, "\(taskQueries)")
        #expect(Set(taskQueries).count == 2)
        // The stream failed with that error; the streams after it still ran.
        let state = try ws.strings("SELECT status || ' ' || coalesce(last_error, '') FROM sync_state WHERE source = 'salesforce' AND stream = 'Task'")
        #expect(state.first?.hasPrefix("failed") == true && state.first?.contains("did not advance the cursor") == true, "\(state)")
        #expect(out.counts("salesforce", "Event").new > 0)
        #expect(out.counts("salesforce", "CampaignMember").new > 0)
    }

    @Test func aMergedRecordBecomesATombstoneOfTheLoser() async throws {
        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        _ = try await ws.ingest(yaml)
        await emulator.put("Lead", [
            "attributes": ["type": "Lead"], "Id": "00Q5g00000Hx2KfEAJ", "LastName": "Mendez", "Email": "carlos.mendez@lumenretail.com",
            "IsDeleted": true, "MasterRecordId": "00Q5g00000Hx2KbEAJ", "CreatedDate": "2025-01-15T12:30:00.000+0000",
            "SystemModstamp": Timestamp(.now).iso8601.replacingOccurrences(of: "Z", with: "+0000"),
        ])
        // The next window (bounded by the server's `Date`, second resolution and possibly a little
        // behind under load) picks the change up; the lookback guarantees a later one would.
        for _ in 0..<3 where try ws.count("SELECT count(*) FROM deleted_records WHERE external_id = '00Q5g00000Hx2KfEAJ'") == 0 {
            try await Task.sleep(for: .milliseconds(1100))
            _ = try await ws.ingest(yaml)
        }
        #expect(try ws.strings("SELECT reason FROM deleted_records WHERE external_id = '00Q5g00000Hx2KfEAJ'") == ["merged into 00Q5g00000Hx2KbEAJ"])
        #expect(try ws.count("SELECT count(*) FROM person_records WHERE record_key = 'salesforce:Lead:00Q5g00000Hx2KfEAJ'") == 0)
        // The loser's id is now an alias of the survivor: its history belongs to the survivor's person.
        #expect(try ws.count("SELECT count(DISTINCT person_id) FROM identifiers WHERE value IN ('00Q5g00000Hx2KfEAJ', '00Q5g00000Hx2KbEAJ')") == 1)
        #expect(try ws.count("SELECT count(*) FROM person_merges WHERE via_value IN ('00Q5g00000Hx2KfEAJ', '00Q5g00000Hx2KbEAJ')") == 1)
    }

    @Test func theDailyLimitEndsTheStreamAsPartialWithTheReason() async throws {
        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        let body = String(decoding: try SalesforceEmulator.fixture("error_request_limit_exceeded.json"), as: UTF8.self)
        await emulator.failBeforeQuery(3, status: 403, body: body)
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .partial)
        #expect(out[0].report.errors.count == 1)
        #expect(out[0].report.errors.first?.message.contains("REQUEST_LIMIT_EXCEEDED") == true)
        let second = try await ws.ingest(yaml)
        #expect(second[0].report.status == .ok)
        #expect(try ws.count("SELECT count(*) FROM source_records WHERE stream = 'Lead'") == 7)
    }

    @Test func badClientCredentialsFailWithTheVendorsReason() async throws {
        let (ws, _, server, yaml) = try await setUp(secret: "wrong")
        defer { Task { await server.stop() } }
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .failed)
        #expect(out[0].report.errors.first?.message.contains("invalid_client") == true)
    }

    @Test func bulkBackfillThenRESTIncrementalGivesTheRESTStore() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        let (ws, emulator, server, yaml) = try await setUp(pageSize: 1, extra: "    bulk_backfill: true\n    bulk_poll_interval: 10ms")
        defer { Task { await server.stop() } }
        // The first job fails: the stream ends failed, and the next pass starts a new job.
        await emulator.setBulkFailures(1)
        let first = try await ws.ingest(yaml)
        #expect(first[0].report.status == .partial)
        #expect(first[0].report.errors.first?.message.contains("Bulk API job") == true)
        let second = try await ws.ingest(yaml)
        #expect(second[0].report.status == .ok, "\(second[0].report.errors)")
        #expect(try canonical(ws) == canonical(clean))
        #expect(await emulator.bulkJobsCreated == 11)
        // Afterwards the objects are read incrementally: nothing new.
        let third = try await ws.ingest(yaml)
        #expect(third[0].report.counts.values.allSatisfy { $0.new + $0.updated + $0.deleted == 0 })
    }

    @Test func customFieldsAreReadIntoTheRawZone() async throws {
        let (ws, emulator, server, yaml) = try await setUp(extra: "    fields: { Lead: [Lead_Score__c] }")
        defer { Task { await server.stop() } }
        await emulator.put("Lead", [
            "attributes": ["type": "Lead"], "Id": "00Q5g00000Hx2L0EAJ", "LastName": "Custom", "Email": "custom@example.com",
            "IsDeleted": false, "Lead_Score__c": 42, "CreatedDate": "2025-03-01T00:00:00.000+0000",
            "SystemModstamp": "2025-03-01T00:00:00.000+0000",
        ])
        _ = try await ws.ingest(yaml)
        #expect(try ws.strings("SELECT json_extract(payload, '$.Lead_Score__c') FROM raw_records WHERE external_id = '00Q5g00000Hx2L0EAJ'") == ["42"])
    }

    func canonical(_ ws: Workspace) throws -> [String] {
        try ws.strings("SELECT record_key || ' ' || coalesce(version_at, '') || ' ' || deleted FROM source_records ORDER BY 1")
            + ws.strings("SELECT touchpoint_id || ' ' || coalesce(person_id, '') || ' ' || action FROM touchpoints ORDER BY 1")
            + ws.strings("SELECT person_id || ' ' || coalesce(primary_email, '') FROM persons ORDER BY 1")
    }
}
