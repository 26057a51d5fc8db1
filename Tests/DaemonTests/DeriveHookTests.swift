import Daemon
import Foundation
import GRDB
import Identity
import JourneyModel
import JourneyStore
import JourneyTesting
import Synchronization
import Testing

/// A deriver that keeps one row per person (its touchpoint count) in a table of its own and
/// remembers every piece of work it was given. `failing` makes it throw after writing, as a
/// deriver with a bug or a crash mid-derive would.
final class CountingDeriver: Deriver {
    let name: String
    let failing: Bool
    private let seen = Mutex<[DeriveWork]>([])

    init(name: String = "touch_counts", failing: Bool = false) {
        self.name = name
        self.failing = failing
    }

    var work: [DeriveWork] { seen.withLock { $0 } }

    struct Broken: Error {}

    func derive(_ work: DeriveWork, db: Database) throws {
        seen.withLock { $0.append(work) }
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS test_touch_counts (person_id TEXT PRIMARY KEY, touchpoints INTEGER NOT NULL)")
        let persons = work.everything ? try String.fetchAll(db, sql: "SELECT person_id FROM persons") : Array(work.persons)
        if work.everything { try db.execute(sql: "DELETE FROM test_touch_counts") }
        for p in persons {
            try db.execute(
                sql: "INSERT OR REPLACE INTO test_touch_counts SELECT ?1, count(*) FROM touchpoints WHERE person_id = ?1", arguments: [p])
        }
        for p in work.removedPersons { try db.execute(sql: "DELETE FROM test_touch_counts WHERE person_id = ?", arguments: [p]) }
        if failing { throw Broken() }
    }
}

/// The derive hook: a deriver sees exactly the persons each batch touched, work a stopped process
/// left queued is done by the next one, and a failing deriver loses nothing.
@Suite struct DeriveHookTests {
    static let leads = "  - {name: leads, type: files, path: leads, format: marketo-leads-export}\n"
    static let activities = "  - {name: acts, type: files, path: acts, format: marketo-activities-export}\n"
    static let activityHeader = "marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes"

    func person(_ ws: Workspace, marketo id: String) throws -> String {
        try ws.strings("SELECT person_id FROM identifiers WHERE kind = 'marketo_lead' AND value = '\(id)'")[0]
    }

    /// The deriver's table agrees with the store: every live person, their touchpoint count.
    func expectDerivedIsCurrent(_ ws: Workspace) throws {
        let derived = try ws.strings("SELECT person_id || '=' || touchpoints FROM test_touch_counts ORDER BY person_id")
        let actual = try ws.strings("""
            SELECT p.person_id || '=' || (SELECT count(*) FROM touchpoints t WHERE t.person_id = p.person_id)
            FROM persons p ORDER BY p.person_id
            """)
        #expect(derived == actual)
    }

    func writeLeads(_ ws: Workspace) throws {
        try ws.write("leads/leads.csv", """
            id,email,updatedAt
            3001,ann@acme-corp.io,2025-02-01T00:00:00Z
            3002,bob@acme-corp.io,2025-02-01T00:00:00Z
            3003,cy@acme-corp.io,2025-02-01T00:00:00Z

            """)
    }

    @Test func aDeriverSeesExactlyThePersonsABatchTouched() async throws {
        let ws = try Workspace()
        try writeLeads(ws)
        let deriver = CountingDeriver()
        _ = try await ws.ingest(Self.leads, derivers: [deriver])
        // Its first run on a store derives everything; then the leads batch names its three persons.
        #expect(deriver.work.first?.everything == true)
        let all = Set(try ["3001", "3002", "3003"].map { try person(ws, marketo: $0) })
        #expect(deriver.work.dropFirst().map(\.persons) == [all])

        try ws.write("acts/a.csv", [
            Self.activityHeader,
            "1,3001,2025-02-20T16:16:51Z,10,null,1,Newsletter,null",
            "2,3002,2025-02-20T16:17:51Z,10,null,1,Newsletter,null",
            "3,3001,2025-02-21T09:00:00Z,11,null,1,Newsletter,null",
        ].joined(separator: "\n") + "\n")
        _ = try await ws.ingest(Self.leads + Self.activities, derivers: [deriver])
        let last = try #require(deriver.work.last)
        #expect(last.persons == Set([try person(ws, marketo: "3001"), try person(ws, marketo: "3002")]))
        #expect(last.removedPersons.isEmpty && !last.everything)
        try expectDerivedIsCurrent(ws)
        // Nothing new: the deriver is not called again.
        let calls = deriver.work.count
        _ = try await ws.ingest(Self.leads + Self.activities, derivers: [deriver])
        #expect(deriver.work.count == calls)
        #expect(try ws.count("SELECT count(*) FROM derive_queue") == 0)
    }

    /// A batch of one Marketo activity `n`: lead `lead` opened an email.
    static func openBatch(_ n: Int, lead: String) -> WriteBatch {
        let touch = TouchpointFacts(
            person: [Identifier(kind: .marketoLead, value: lead)], occurredAt: Timestamp(millisecondsSinceEpoch: 1_740_000_000_000 + Int64(n)),
            channel: .email, action: .emailOpened, side: .marketing)
        let record = CanonicalRecord(key: RecordKey(system: "marketo", object: "activities", externalId: "\(n)"), touchpoints: [touch])
        return WriteBatch(source: "acts", fetchedAt: Timestamp(Date()), items: [
            .record(IncomingRecord(stream: "activities", externalId: "\(n)", payload: "{\"n\":\(n)}", contentHash: "h\(n)", origin: nil,
                                   canonical: record)),
        ])
    }

    @Test func workLeftQueuedByAStoppedProcessIsDoneByTheNextOne() async throws {
        let ws = try Workspace()
        try writeLeads(ws)
        let deriver = CountingDeriver()
        _ = try await ws.ingest(Self.leads, derivers: [deriver])
        // Batches that commit (queuing their changes) in a process killed before it derived
        // them: the store as a SIGKILL between `write` and the derive leaves it.
        let store = try JourneyStore(path: ws.storePath)
        for (n, lead) in [(1, "3001"), (2, "3003")] {
            let outcome = try await store.write(Self.openBatch(n, lead: lead), identity: IdentityResolution(), queueDerive: true)
            // The outcome names exactly what the batch changed.
            #expect(outcome.touchpointsAdded == ["marketo:activities:\(n)"] && outcome.touchpointsRemoved.isEmpty)
            #expect(outcome.persons == [try person(ws, marketo: lead)] && outcome.removedPersons.isEmpty)
            #expect(outcome.counts["activities"]?.new == 1)
        }
        #expect(try store.deriveBacklog(of: "touch_counts") > 0)

        // The next process derives the backlog before anything else, though nothing new arrives.
        let next = CountingDeriver()
        _ = try await ws.ingest(Self.leads, derivers: [next])
        #expect(next.work.map(\.persons) == [Set([try person(ws, marketo: "3001"), try person(ws, marketo: "3003")])])
        try expectDerivedIsCurrent(ws)
        #expect(try JourneyStore(path: ws.storePath).deriveBacklog(of: "touch_counts") == 0)
    }

    @Test func aLoadQueuesAPersonOnceUntilItIsDerivedAndAgainAfter() async throws {
        let ws = try Workspace()
        try writeLeads(ws)
        let deriver = CountingDeriver()
        _ = try await ws.ingest(Self.leads, derivers: [deriver])
        let store = try JourneyStore(path: ws.storePath)
        func touch(_ n: Int, lead: String, onceInLoad: Bool) async throws {
            _ = try await store.write(Self.openBatch(n, lead: lead), identity: IdentityResolution(), queueDerive: true, onceInLoad: onceInLoad)
        }
        let ann = try person(ws, marketo: "3001"), cy = try person(ws, marketo: "3003")
        // Three batches of a load touch Ann, one touches Cy: each is queued once.
        for n in 1...3 { try await touch(n, lead: "3001", onceInLoad: true) }
        try await touch(4, lead: "3003", onceInLoad: true)
        #expect(try store.deriveBacklog(of: deriver.name) == 2)
        // Outside a load every batch queues what it touched.
        try await touch(5, lead: "3001", onceInLoad: false)
        #expect(try store.deriveBacklog(of: deriver.name) == 3)

        let ingestor = Ingestor(store: store, batchSize: 100, derivers: [deriver])
        await ingestor.deriveQueued()
        #expect(deriver.work.last?.persons == [ann, cy])
        // Once derived, Ann's next touch in the load is queued again, and derived.
        try await touch(6, lead: "3001", onceInLoad: true)
        #expect(try store.deriveBacklog(of: deriver.name) == 1)
        await ingestor.deriveQueued()
        #expect(deriver.work.last?.persons == [ann])
        try expectDerivedIsCurrent(ws)
        // A full recompute outside the queue (`reprocess --derive`) moves the position too.
        try await touch(7, lead: "3003", onceInLoad: true)
        _ = try await store.pool.write { try DeriveQueue.markCaughtUp(deriver.name, db: $0, at: "2026-01-01T00:00:00.000Z") }
        try await touch(8, lead: "3003", onceInLoad: true)
        #expect(try store.deriveBacklog(of: deriver.name) == 1)
    }

    @Test func aFailingDeriverRollsBackAndGetsTheSameWorkAgainWithoutFailingTheIngest() async throws {
        let ws = try Workspace()
        try writeLeads(ws)
        _ = try await ws.ingest(Self.leads, derivers: [CountingDeriver()])
        try ws.write("acts/a.csv", Self.activityHeader + "\n1,3002,2025-02-20T16:16:51Z,10,null,1,Newsletter,null\n")
        let broken = CountingDeriver(failing: true)
        let out = try await ws.ingest(Self.leads + Self.activities, derivers: [broken])
        #expect(out.allSatisfy { !$0.failed })
        #expect(out.counts("acts", "activities").new == 1)
        // What it wrote before throwing rolled back with its progress.
        #expect(try ws.strings("SELECT touchpoints FROM test_touch_counts WHERE person_id = '\(try person(ws, marketo: "3002"))'") == ["0"])

        let fixed = CountingDeriver()
        _ = try await ws.ingest(Self.leads + Self.activities, derivers: [fixed])
        #expect(fixed.work.map(\.persons) == [[try person(ws, marketo: "3002")]])
        try expectDerivedIsCurrent(ws)
    }

    @Test func aPersonMergedAwayIsReportedRemovedAndItsDerivedRowGoes() async throws {
        let ws = try Workspace()
        try ws.write("leads/leads.csv", "id,email,updatedAt\n3001,ann@acme-corp.io,2025-02-01T00:00:00Z\n")
        let deriver = CountingDeriver()
        _ = try await ws.ingest(Self.leads, derivers: [deriver])
        let marketoOnly = try person(ws, marketo: "3001")
        // A Salesforce lead with the same email: one person, named by the more durable id.
        try ws.write("sf/Lead.csv", #""Id","Email","IsDeleted","SystemModstamp""# + "\n"
            + #""00Q5g00000Hx2L1EAJ","ann@acme-corp.io","false","2025-02-02T00:00:00.000Z""# + "\n")
        _ = try await ws.ingest(Self.leads + "  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n", derivers: [deriver])
        let merged = try person(ws, marketo: "3001")
        #expect(merged != marketoOnly)
        let last = try #require(deriver.work.last)
        #expect(last.removedPersons == [marketoOnly])
        #expect(last.persons == [merged])
        try expectDerivedIsCurrent(ws)
    }
}
