import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// The HubSpot connector against a HubSpot emulator on 127.0.0.1: assertions are on the store.
@Suite struct HubSpotConnectorTests {
    /// A workspace, a running emulator seeded from the vendor samples, and the source config.
    func setUp(pageSize: Int = 200, maxAttempts: Int = 5, streams: String? = nil, token: String = "pat-test-token")
        async throws -> (Workspace, HubSpotEmulator, ReplayServer, String)
    {
        let ws = try Workspace()
        try ws.write("secrets/hubspot-token", token + "\n")
        let emulator = HubSpotEmulator()
        try await emulator.seedFromFixtures()
        try await emulator.seedAssociationsFromFixture()
        let server = try await ReplayServer { request in await emulator.handle(request) }
        let yaml = """
              - name: hubspot
                type: hubspot
                base_url: \(server.baseURL.absoluteString)
                token: { file: secrets/hubspot-token }
                page_size: \(pageSize)
                lookback: 1m
                retry: { max_attempts: \(maxAttempts), base_delay: 10ms, max_delay: 2s }
            \(streams.map { "    streams: \($0)\n" } ?? "")
            """
        return (ws, emulator, server, yaml)
    }

    @Test func firstRunLoadsEveryStreamAndTheSecondAddsNothing() async throws {
        let (ws, emulator, server, yaml) = try await setUp()
        defer { Task { await server.stop() } }
        let first = try await ws.ingest(yaml)
        #expect(first[0].report.status == .ok, "\(first[0].report.errors)")
        #expect(first.counts("hubspot", "contacts").new == 8)
        #expect(first.counts("hubspot", "companies").new == 4)
        #expect(first.counts("hubspot", "deals").new == 1)
        // The archived QA contact arrives through the archived stream as a tombstone.
        #expect(first.counts("hubspot", "contacts").deleted == 1)
        #expect(try ws.strings("SELECT reason FROM deleted_records") == ["archived in HubSpot"])
        #expect(try ws.count("SELECT count(*) FROM persons") == 8)
        #expect(try ws.strings("SELECT a.name FROM opportunities o JOIN accounts a USING (account_id)") == ["Ostfeld Maschinenbau GmbH"])
        // HubSpot's Salesforce ids tie its contacts to Salesforce's records.
        #expect(try ws.count("SELECT count(*) FROM identifiers WHERE kind = 'salesforce_lead'") == 6)
        #expect(try ws.strings("SELECT a.name FROM persons p JOIN accounts a USING (account_id) WHERE p.primary_email = 'maya.chen@brightwave.io'") == ["Brightwave Logistics"])
        // Engagements: one sales touch per associated contact; a scheduled meeting is not a meeting held.
        let tom = "(SELECT person_id FROM identifiers WHERE value = 'tom.becker@ostfeld-mb.de')"
        let tomsSalesTouches = try ws.strings("SELECT stream || ':' || action FROM touchpoints WHERE source = 'hubspot' AND stream IN ('calls', 'meetings', 'emails', 'notes') AND person_id = \(tom) ORDER BY 1")
        #expect(tomsSalesTouches == [
            "calls:call.inbound", "calls:call.outbound", "emails:email.received", "emails:email.sent", "meetings:meeting.held",
            "meetings:meeting.scheduled", "notes:note.logged",
        ])
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE action = 'meeting.held' AND source = 'hubspot'") == 1)
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE action = 'meeting.scheduled' AND source = 'hubspot'") == 1)
        // Marketing email events by recipient: SENT 5, DELIVERED 5, OPEN 3, CLICK 1 in the samples.
        let events = try ws.strings("SELECT action || '=' || count(*) FROM touchpoints WHERE stream = 'email_events' GROUP BY action ORDER BY action")
        #expect(events == ["email.clicked=1", "email.delivered=5", "email.opened=3", "email.sent=5"])
        let before = try ws.dump()
        let requestsBefore = await emulator.requestCount
        let second = try await ws.ingest(yaml)
        #expect(second[0].report.status == .ok)
        #expect(second[0].report.counts.values.allSatisfy { $0.new + $0.updated + $0.deleted == 0 })
        #expect(try ws.dump() == before)
        // A caught-up run costs one clock probe and one search per object stream (7), a probe and a
        // page of email events, plus the archived lists (3); a loaded machine may add a retry.
        let caughtUpRequests = await emulator.requestCount - requestsBefore
        #expect((7 * 2 + 2 + 3)...(7 * 2 + 2 + 3 + 2) ~= caughtUpRequests, "\(caughtUpRequests) requests")
    }

    @Test func smallPagesAndRetriesGiveTheSameStoreAsACleanRun() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        let (ws, emulator, server, yaml) = try await setUp(pageSize: 3)
        defer { Task { await server.stop() } }
        let body429 = String(decoding: try HubSpotEmulator.fixture("error_429_ten_secondly_rolling.json"), as: UTF8.self)
        await emulator.injectBeforeSearch(2, .status(429, body: body429, retryAfter: "1"))
        await emulator.injectBeforeSearch(3, .status(429, body: body429, retryAfter: nil))
        await emulator.injectBeforeSearch(4, .status(503, body: "{}", retryAfter: nil))
        await emulator.injectBeforeSearch(5, .malformedBody)
        await emulator.injectBeforeSearch(6, .truncatedBody)
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == clean.count("SELECT count(*) FROM touchpoints"))
        #expect(try canonical(ws) == canonical(clean))
    }

    @Test func aShortSearchPageWithMoreToComeIsNotTheLast() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp()
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        // Pages of 2 results under a limit of 5, each with `paging.next` while more match.
        let (ws, emulator, server, yaml) = try await setUp(pageSize: 5)
        defer { Task { await server.stop() } }
        await emulator.setMaxSearchResults(2)
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(out.counts("hubspot", "contacts").new == 8)
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == clean.count("SELECT count(*) FROM touchpoints"))
        #expect(try canonical(ws) == canonical(clean))
    }

    @Test func aStreamThatKeepsFailingIsRecordedAndResumesWhereItStopped() async throws {
        let (ws, emulator, server, yaml) = try await setUp(pageSize: 3, maxAttempts: 2)
        defer { Task { await server.stop() } }
        // Page 2 of contacts fails on every attempt: the stream ends partial, page 1 stays committed.
        await emulator.injectBeforeSearch(2, .status(503, body: "{}", retryAfter: nil))
        await emulator.injectBeforeSearch(3, .status(503, body: "{}", retryAfter: nil))
        let first = try await ws.ingest(yaml)
        #expect(first[0].report.status == .partial)
        #expect(first[0].report.errors.first?.stream == .stream("contacts"))
        #expect(first[0].report.errors.first?.message.contains("HubSpot server error 503") == true)
        #expect(first.counts("hubspot", "contacts").new == 3)
        #expect(first.counts("hubspot", "companies").new == 4)
        let state = try ws.strings("SELECT status || ' ' || coalesce(last_error, '') FROM sync_state WHERE source = 'hubspot' AND stream = 'contacts'")
        #expect(state.first?.hasPrefix("failed") == true)
        let second = try await ws.ingest(yaml)
        #expect(second[0].report.status == .ok)
        #expect(second.counts("hubspot", "contacts").new == 5)
        #expect(try ws.count("SELECT count(*) FROM source_records WHERE stream = 'contacts' AND deleted = 0") == 8)
    }

    @Test func aRecordUpdatedBetweenPagesIsReadByTheNextPass() async throws {
        let (ws, emulator, server, yaml) = try await setUp(pageSize: 3)
        defer { Task { await server.stop() } }
        // After the first contacts page, a contact already read changes: its modification time is
        // HubSpot's "now", past the window this pass reads, so the next window picks it up.
        await emulator.onSearchPage { objects, n in
            if n == 1 {
                objects["contacts"]?[74_918_230_501]?.properties["jobtitle"] = "Chief Marketing Officer"
                objects["contacts"]?[74_918_230_501]?.updatedMs = Int64(Date().timeIntervalSince1970 * 1000)
            }
        }
        _ = try await ws.ingest(yaml)
        #expect(try ws.strings("SELECT title FROM persons WHERE primary_email = 'maya.chen@brightwave.io'") == ["VP Marketing"])
        // The server clock has second resolution (and may lag a little under load): the next
        // window, or the one after, picks the change up.
        for _ in 0..<3 where try ws.strings("SELECT title FROM persons WHERE primary_email = 'maya.chen@brightwave.io'") != ["Chief Marketing Officer"] {
            try await Task.sleep(for: .milliseconds(1100))
            _ = try await ws.ingest(yaml)
        }
        #expect(try ws.strings("SELECT title FROM persons WHERE primary_email = 'maya.chen@brightwave.io'") == ["Chief Marketing Officer"])
        #expect(try ws.count("SELECT count(*) FROM persons") == 8)
    }

    @Test func contactsHubSpotMergedBecomeOnePerson() async throws {
        let (ws, emulator, server, yaml) = try await setUp(streams: "[contacts]")
        defer { Task { await server.stop() } }
        await emulator.add("contacts", .init(
            id: 74_918_230_599, properties: ["email": "maya.c@brightwave-old.io", "firstname": "Maya"],
            createdAt: "2025-01-01T00:00:00Z", updatedMs: 1_740_000_000_000))
        _ = try await ws.ingest(yaml)
        #expect(try ws.count("SELECT count(*) FROM persons WHERE first_name = 'Maya'") == 2)
        // HubSpot merges the old contact into Maya's: the survivor lists it in hs_merged_object_ids.
        await emulator.update("contacts", id: 74_918_230_501, property: "hs_merged_object_ids", value: "74918230599",
                              atMs: Int64(Date().timeIntervalSince1970 * 1000))
        for _ in 0..<3 where try ws.count("SELECT count(*) FROM persons WHERE first_name = 'Maya'") != 1 {
            try await Task.sleep(for: .milliseconds(1100))
            _ = try await ws.ingest(yaml)
        }
        #expect(try ws.count("SELECT count(*) FROM persons WHERE first_name = 'Maya'") == 1)
        #expect(try ws.count("SELECT count(*) FROM identity_conflicts") == 0)
    }

    @Test func manyRecordsSharingOneTimestampAcrossPageBoundaries() async throws {
        let (ws, emulator, server, yaml) = try await setUp(pageSize: 7, streams: "[contacts]")
        defer { Task { await server.stop() } }
        for i in 0..<50 {
            await emulator.add("contacts", .init(
                id: 90_000_000_000 + Int64(i), properties: ["email": "same.\(i)@example.com", "firstname": "Same"],
                createdAt: "2025-04-01T00:00:00Z", updatedMs: 1_743_465_600_000))
        }
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .ok)
        #expect(try ws.count("SELECT count(*) FROM persons WHERE first_name = 'Same'") == 50)
    }

    @Test(.timeLimit(.minutes(30))) func moreThanTenThousandChangedRecordsAreAllRead() async throws {
        let (ws, emulator, server, yaml) = try await setUp(pageSize: 200, streams: "[contacts]")
        defer { Task { await server.stop() } }
        for i in 0..<10_400 {
            await emulator.add("contacts", .init(
                id: 80_000_000_000 + Int64(i), properties: ["email": "bulk.\(i)@example.com", "firstname": "Bulk"],
                createdAt: "2025-04-01T00:00:00Z", updatedMs: 1_743_465_600_000 + Int64(i % 500) * 1000))
        }
        let requests = await emulator.requestCount
        let out = try await ws.ingest(yaml, batchSize: 5000)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
        #expect(try ws.count("SELECT count(*) FROM persons WHERE first_name = 'Bulk'") == 10_400)
        // 10,408 contacts (10,400 + the 8 samples): a clock probe, 53 keyset searches of 200 (the
        // last one short) and one associations read per page — no query ever pages past 10,000.
        let used = await emulator.requestCount - requests
        // Exact on an idle machine; a reused connection dropped under load may add a retry.
        #expect((1 + 53 + 53)...(1 + 53 + 53 + 2) ~= used, "\(used) requests")
        let again = try await ws.ingest(yaml)
        #expect(again.counts("hubspot", "contacts").new == 0)
    }

    @Test func stoppingAtEveryPageBoundaryThenResumingEqualsACleanRun() async throws {
        let (clean, _, cleanServer, cleanYAML) = try await setUp(pageSize: 2)
        _ = try await clean.ingest(cleanYAML)
        await cleanServer.stop()

        let (ws, _, server, yaml) = try await setUp(pageSize: 2)
        defer { Task { await server.stop() } }
        #expect(try await ws.ingestStoppingAtEveryBoundary(yaml) > 5)
        let (a, b) = (try canonical(ws), try canonical(clean))
        #expect(a == b, "\(Set(a).symmetricDifference(Set(b)).sorted())")
    }

    @Test func aRejectedTokenFailsTheSourceWithAClearError() async throws {
        let (ws, _, server, yaml) = try await setUp(token: "pat-wrong")
        defer { Task { await server.stop() } }
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .failed)
        #expect(out[0].report.errors.first?.message.contains("authentication failed after a token refresh") == true)
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 0)
    }

    /// The canonical tables, for comparing two stores that read the same data differently.
    func canonical(_ ws: Workspace) throws -> [String] {
        try ws.strings("SELECT record_key || ' ' || coalesce(version_at, '') || ' ' || deleted FROM source_records ORDER BY 1")
            + ws.strings("SELECT person_id || ' ' || coalesce(primary_email, '') || ' ' || coalesce(title, '') FROM persons ORDER BY 1")
            + ws.strings("SELECT opportunity_id || ' ' || coalesce(stage, '') FROM opportunities ORDER BY 1")
    }
}
