import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// The Marketo connector against a Marketo emulator on 127.0.0.1: assertions are on the store.
@Suite struct MarketoConnectorTests {
    func setUp(secret: String = "mkto-secret", maxAttempts: Int = 4) async throws -> (Workspace, MarketoEmulator, ReplayServer, String) {
        let ws = try Workspace()
        try ws.write("secrets/mkto-id", "mkto-id\n")
        try ws.write("secrets/mkto-secret", secret + "\n")
        let emulator = MarketoEmulator()
        try await emulator.seedFromFixtures()
        let server = try await ReplayServer { request in await emulator.handle(request) }
        let yaml = """
              - name: marketo
                type: marketo
                base_url: \(server.baseURL.absoluteString)
                client_id: { file: secrets/mkto-id }
                client_secret: { file: secrets/mkto-secret }
                start_at: 2024-01-01T00:00:00Z
                retry: { max_attempts: \(maxAttempts), base_delay: 10ms, max_delay: 100ms }

            """
        return (ws, emulator, server, yaml)
    }

    @Test func activitiesLeadsAndDeletesLoadAndTheSecondRunAddsNothing() async throws {
        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(out.counts("marketo", "leads").new == 8)
        #expect(out.counts("marketo", "activities").new == 31 + 1)
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE source = 'marketo'") == 31)
        #expect(try ws.strings("SELECT record_key FROM deleted_records") == ["marketo:leads:3099"])
        #expect(out.counts("marketo", "activity_types").new == 9)
        // No-shows and delivery receipts keep their own actions.
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE action = 'webinar.no_show'") == 1)
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE action = 'email.delivered'") == 5)
        // Marketo's Salesforce ids are kept as identifiers: Maya's lead knows her lead and contact.
        #expect(try ws.strings("SELECT kind FROM identifiers WHERE person_id = (SELECT person_id FROM identifiers WHERE value = 'maya.chen@brightwave.io') ORDER BY 1")
            == ["email", "marketo_lead", "salesforce_contact", "salesforce_lead"])
        let before = try ws.dump()
        let requests = await emulator.requestCount
        let again = try await ws.ingest(yaml)
        #expect(again[0].report.counts.values.allSatisfy { $0.new + $0.updated + $0.deleted == 0 })
        #expect(try ws.dump() == before)
        // Caught up: a token, the type catalogue, then one call per stream from the committed paging tokens.
        let used = await emulator.requestCount - requests
        // Exact on an idle machine; a reused connection dropped under load may add a retry.
        #expect((1 + 4)...(1 + 4 + 2) ~= used, "\(used) requests")
        // A new activity later is read from the stored token, nothing before it again.
        await emulator.append(["id": 990_001, "marketoGUID": "990001", "leadId": 3004, "activityDate": "2025-04-01T10:00:00Z",
                               "activityTypeId": 10, "primaryAttributeValue": "April Newsletter", "attributes": [] as [Any]])
        let third = try await ws.ingest(yaml)
        #expect(third.counts("marketo", "activities").read == 1)
        #expect(third.counts("marketo", "activities").new == 1)
    }

    @Test func rateLimitConcurrencyAndExpiredTokenAreRetriedToTheCleanStore() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        await emulator.setScanWindow(3)
        await emulator.failBeforeCall(2, fixture: "error_615_concurrent_limit.json")
        await emulator.failBeforeCall(4, fixture: "error_606_rate_limit.json")
        await emulator.failBeforeCall(5, fixture: "error_602_access_token_expired.json")
        await emulator.expireToken()
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(try ws.dump(includingOrigins: false) == clean.dump(includingOrigins: false))
    }

    @Test func dailyQuotaEndsThePassAsPartialAndTheNextPassResumes() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        await emulator.setScanWindow(4)
        await emulator.failBeforeCall(6, fixture: "error_607_daily_quota.json")
        let first = try await ws.ingest(yaml)
        #expect(first[0].report.status == .partial)
        #expect(first[0].report.errors.first?.message.contains("607") == true)
        let second = try await ws.ingest(yaml)
        #expect(second[0].report.status == .ok)
        // The leads stream finished after the activities this time: the same people, ids and journeys.
        #expect(try journeys(ws) == journeys(clean))
        #expect(try ws.strings("SELECT person_id FROM persons ORDER BY 1") == clean.strings("SELECT person_id FROM persons ORDER BY 1"))
    }

    @Test func stoppingAtEveryPageBoundaryThenResumingEqualsACleanRun() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        await emulator.setScanWindow(5)
        #expect(try await ws.ingestStoppingAtEveryBoundary(yaml) > 5)
        #expect(try ws.dump(includingOrigins: false) == clean.dump(includingOrigins: false))
    }

    @Test func badClientCredentialsFailWithMarketosReason() async throws {
        let (ws, _, server, yaml) = try await setUp(secret: "nope")
        defer { Task { await server.stop() } }
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .failed)
        #expect(out[0].report.errors.first?.message.contains("Bad client credentials") == true)
    }

    /// The activity log as Marketo's bulk export writes it: `attributes` as one JSON object,
    /// `null` for what is absent.
    static func bulkExport(_ log: [[String: Any]]) throws -> String {
        func field(_ value: Any?) throws -> String {
            guard let value, !(value is NSNull) else { return "null" }
            let text: String
            if let pairs = value as? [[String: Any]] {
                var object: [String: Any] = [:]
                for pair in pairs { object[pair["name"] as! String] = pair["value"] }
                text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            } else {
                text = "\(value)"
            }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let columns = ["marketoGUID", "leadId", "activityDate", "activityTypeId", "campaignId", "primaryAttributeValueId",
                       "primaryAttributeValue", "attributes"]
        var lines = [columns.joined(separator: ",")]
        for activity in log { lines.append(try columns.map { try field(activity[$0]) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The REST API and a bulk export of the same activities give the same touchpoints, and the
    /// two copies together are still one touchpoint each, in either order.
    @Test func restAndBulkExportOfTheSameActivitiesAreTheSameTouchpoints() async throws {
        let touchpoints = """
            SELECT touchpoint_id || ' ' || occurred_at || ' ' || channel || ' ' || action || ' ' || coalesce(campaign, '-') || ' ' ||
              coalesce(content, '-') || ' ' || coalesce(attributes, '-') FROM touchpoints ORDER BY 1
            """
        let files = "  - {name: mfiles, type: files, path: bulk, format: marketo-activities-export}\n"
        let (rest, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        _ = try await rest.ingest(yaml)
        let export = try await emulator.bulkExport()

        let bulk = try Workspace()
        try bulk.write("bulk/activities.csv", export)
        let bulkOut = try await bulk.ingest(files)
        #expect(bulkOut[0].report.status == .ok, "\(bulkOut[0].report.errors)")
        #expect(try bulk.count("SELECT count(*) FROM quarantine") == 0)
        #expect(try bulk.strings(touchpoints) == rest.strings(touchpoints))
        #expect(try rest.count("SELECT count(*) FROM touchpoints WHERE attributes LIKE '[%'") == 0)

        // Both copies: the bulk file after the API, and the API after the bulk file.
        try rest.write("bulk/activities.csv", export)
        let restCount = try rest.count("SELECT count(*) FROM touchpoints")
        let second = try await rest.ingest(yaml + files)
        // Only what the API pass did not ask for is new (the log's New Lead activities).
        #expect(second.counts("mfiles", "activities").new == 8)
        #expect(try rest.count("SELECT count(*) FROM touchpoints") == restCount)
        try bulk.write("secrets/mkto-id", "mkto-id\n")
        try bulk.write("secrets/mkto-secret", "mkto-secret\n")
        _ = try await bulk.ingest(yaml + files)
        #expect(try bulk.strings(touchpoints) == rest.strings(touchpoints))
    }

    /// Every touchpoint with the identifiers of its person, independent of person ids.
    func journeys(_ ws: Workspace) throws -> [String] {
        try ws.strings("""
            SELECT t.touchpoint_id || ' ' || t.action || ' ' ||
              coalesce((SELECT group_concat(kind || ':' || value, ',') FROM (SELECT kind, value FROM identifiers i
                        WHERE i.person_id = t.person_id ORDER BY 1, 2)), '-')
            FROM touchpoints t ORDER BY 1
            """)
            + ws.strings("SELECT record_key || ' ' || coalesce(version_at, '') || ' ' || deleted FROM source_records ORDER BY 1")
            + ws.strings("SELECT record_key FROM deleted_records ORDER BY 1")
    }
}
