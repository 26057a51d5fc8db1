import Connectors
import Daemon
import Foundation
import GRDB
import JourneyStore
import JourneyTesting
import Synchronization
import Testing

/// A bulk load sets the person index aside and builds it after (`PersonIndex`): the store ends
/// exactly as without, whatever needed the index meanwhile, and a process stopped mid-load
/// leaves nothing missing once the store is opened again.
@Suite struct BulkLoadTests {
    static let vendors = """
          - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
          - {name: hs, type: files, path: hs, format: hubspot-export, settle: 0s}
          - {name: mkto, type: files, path: mkto, format: marketo-export, settle: 0s}

        """
    static let activities = "  - {name: act, type: files, path: act, format: marketo-activities-export, settle: 0s}\n"
    static let leads = "  - {name: leads, type: files, path: leads, format: marketo-leads-export, settle: 0s}\n"

    static func hasPersonIndex(_ ws: Workspace) throws -> Bool {
        try ws.count("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'touchpoints_by_person'") == 1
    }

    /// 40 Marketo leads and `rows` activities of theirs (opens, clicks, visits, form fills).
    static func write(leadsAndActivities rows: Int, into ws: Workspace) throws {
        var leads = "id,email,firstName,lastName,updatedAt\n"
        for l in 1...40 { leads += "\(500 + l),lead\(l)@firm\(l % 7).example,Lead,Number\(l),2025-01-01T00:00:00Z\n" }
        try ws.write("leads/leads.csv", leads)
        var csv = "marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes\n"
        let types = [7, 10, 11, 1, 2]
        for n in 0..<rows {
            let at = Date(timeIntervalSince1970: 1_735_689_600 + Double(n * 397 % 86_400 * 30))
            let stamp = ISO8601DateFormatter().string(from: at)
            csv += "\(9_000_000 + n),\(501 + n * 7 % 40),\(stamp),\(types[n % types.count]),null,\(n % 13),\"Asset \(n % 13)\",\"{\"\"Note\"\": \"\"n\(n)\"\"}\"\n"
        }
        try ws.write("act/activities.csv", csv)
    }

    @Test func aBulkLoadEndsWithTheStoreAnOrdinaryOneMakes() async throws {
        // Three vendors' records of the same people: merges, account moves and parked touchpoints
        // need the index in the middle of the passes that set it aside.
        var dumps: [String] = []
        for minimum in [PersonIndex.minimumLoad, 0] {
            let ws = try Workspace()
            try ws.copyFixtures("salesforce", to: "sf")
            try ws.copyFixtures("hubspot", to: "hs")
            try ws.copyFixtures("marketo", to: "mkto")
            let out = try await ws.ingest(Self.vendors, batchSize: 7, derivers: Workspace.cliDerivers, bulkLoadMinimum: minimum)
            #expect(out.allSatisfy { $0.report.status == .ok })
            #expect(try Self.hasPersonIndex(ws))
            dumps.append(try ws.dump())
        }
        #expect(dumps[0] == dumps[1])
    }

    @Test func aLoadStoppedMidwayLeavesTheIndexToTheNextOpenAndEndsTheSame() async throws {
        let ws = try Workspace()
        try Self.write(leadsAndActivities: 3_000, into: ws)
        _ = try await ws.ingest(Self.leads)
        let calls = Mutex(0)
        let stopped = try await ws.ingest(
            Self.activities, batchSize: 500, shouldStop: { calls.withLock { $0 += 1; return $0 > 2 } }, bulkLoadMinimum: 1_000)
        #expect(stopped[0].report.status == .stopped)
        #expect((1..<3_000).contains(try ws.count("SELECT count(*) FROM touchpoints")))
        // Stopped like a daemon at its stop timeout: the index is left to the next start.
        #expect(try !Self.hasPersonIndex(ws))
        _ = try JourneyStore(path: ws.storePath)
        #expect(try Self.hasPersonIndex(ws))
        let resumed = try await ws.ingest(Self.activities, batchSize: 500, bulkLoadMinimum: 1_000)
        #expect(resumed[0].report.status == .ok)
        #expect(try Self.hasPersonIndex(ws))

        // `serve` keeps the index through the same load.
        let served = try Workspace()
        try Self.write(leadsAndActivities: 3_000, into: served)
        _ = try await served.ingest(Self.leads)
        let servedCalls = Mutex(0)
        let servedStopped = try await served.ingest(
            Self.activities, batchSize: 500, shouldStop: { servedCalls.withLock { $0 += 1; return $0 > 2 } }, bulkLoadMinimum: nil)
        #expect(servedStopped[0].report.status == .stopped)
        #expect(try Self.hasPersonIndex(served))

        let whole = try Workspace()
        try Self.write(leadsAndActivities: 3_000, into: whole)
        _ = try await whole.ingest(Self.leads)
        _ = try await whole.ingest(Self.activities, batchSize: 500)
        #expect(try ws.dump() == whole.dump())
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 3_000)
    }

    @Test func aBulkLoadDerivesItsPersonsOnlyAtItsEnd() async throws {
        // `derive_every: 0s` derives after every batch; a bulk load holds that until its end.
        func backlogAfterAStoppedPass(bulkLoadMinimum: Int?) async throws -> (backlog: Int, ws: Workspace) {
            let ws = try Workspace()
            try Self.write(leadsAndActivities: 3_000, into: ws)
            _ = try await ws.ingest(Self.leads, derivers: Workspace.cliDerivers)
            let calls = Mutex(0)
            let stopped = try await ws.ingest(
                Self.activities, batchSize: 500, derivers: Workspace.cliDerivers,
                shouldStop: { calls.withLock { $0 += 1; return $0 > 2 } }, bulkLoadMinimum: bulkLoadMinimum, deriveEvery: "0s")
            #expect(stopped[0].report.status == .stopped)
            let pending = "FROM derive_queue WHERE seq > coalesce((SELECT min(done_seq) FROM derive_state), 0)"
            let backlog = try ws.count("SELECT count(*) \(pending)")
            // Both batches touched every lead; the load queued each once.
            #expect(try ws.count("SELECT count(DISTINCT kind || ' ' || id || ' ' || removed) \(pending)") == backlog)
            return (backlog, ws)
        }
        let served = try await backlogAfterAStoppedPass(bulkLoadMinimum: nil)
        #expect(served.backlog == 0)
        let bulk = try await backlogAfterAStoppedPass(bulkLoadMinimum: 1_000)
        #expect(bulk.backlog >= 40)
        // The queue is durable: the next pass derives what the stopped one left, and both stores
        // end as one uninterrupted load makes it.
        for ws in [served.ws, bulk.ws] {
            let resumed = try await ws.ingest(
                Self.activities, batchSize: 500, derivers: Workspace.cliDerivers, bulkLoadMinimum: 1_000, deriveEvery: "0s")
            #expect(resumed[0].report.status == .ok)
        }
        let whole = try Workspace()
        try Self.write(leadsAndActivities: 3_000, into: whole)
        _ = try await whole.ingest(Self.leads, derivers: Workspace.cliDerivers)
        _ = try await whole.ingest(Self.activities, batchSize: 500, derivers: Workspace.cliDerivers)
        #expect(try bulk.ws.dump() == whole.dump())
        #expect(try served.ws.dump() == whole.dump())
        #expect(try bulk.ws.count("SELECT count(*) FROM stage_history") > 0)
    }

    @Test func theIndexIsSetAsideOnlyForALoadLargeAgainstTheStore() async throws {
        let ws = try Workspace()
        try Self.write(leadsAndActivities: 3_000, into: ws)
        _ = try await ws.ingest(Self.leads + Self.activities)
        let db = try ws.db()
        // 3,000 touchpoints held: a load must be at least half of that, and at least the minimum.
        #expect(try await db.write { try PersonIndex.setAside(forLoadOf: 1_499, minimumLoad: 0, $0) } == false)
        #expect(try await db.write { try PersonIndex.setAside(forLoadOf: 5_000, minimumLoad: 10_000, $0) } == false)
        #expect(try Self.hasPersonIndex(ws))
        #expect(try await db.write { try PersonIndex.setAside(forLoadOf: 1_500, minimumLoad: 0, $0) } == true)
        #expect(try !Self.hasPersonIndex(ws))
        // The plan of a person's timeline without it is a scan; with it, a search by person.
        let plan = { () throws -> String in
            try db.read { try Row.fetchAll($0, sql: "EXPLAIN QUERY PLAN SELECT * FROM touchpoints WHERE person_id = 'p'") }
                .map { $0["detail"] as String }.joined(separator: "; ")
        }
        #expect(try plan().contains("SCAN touchpoints"))
        _ = try await db.write { try PersonIndex.ensure($0) }
        #expect(try plan().contains("touchpoints_by_person"))
    }
}
