import Foundation
public import GRDB
public import JourneyModel

/// Something computed from the journey store for the persons and accounts a batch changed
/// (stages, scores, SLA state, next actions). Registered with the daemon, which runs it after
/// each batch, and again for whatever is still queued after a crash.
public protocol Deriver: Sendable {
    /// Stable name, the key of its progress in `derive_state`; renaming it derives everything again.
    var name: String { get }
    /// Re-derives what `work` names, writing only through `db` (the deriver's transaction:
    /// its output and its progress commit together). `work.everything` asks for a full derive.
    func derive(_ work: DeriveWork, db: Database) throws
    /// Whether everything should be derived again, as on a first run (what it learned from the
    /// history is out of date); asked after each source's pass. Default: never.
    func needsFullDerive(db: Database) throws -> Bool
    /// Whether work naming `named` of the store's `everyone` persons is better done as one pass
    /// over everyone (`DeriveWork.allPersons`). Default: never.
    func derivesEveryone(naming named: Int, of everyone: Int) -> Bool
}

extension Deriver {
    public func needsFullDerive(db: Database) throws -> Bool { false }
    public func derivesEveryone(naming named: Int, of everyone: Int) -> Bool { false }
}

/// What a deriver is asked to recompute: the union of the batches it has not seen yet.
public struct DeriveWork: Sendable, Equatable {
    public var persons: Set<String> = []
    public var removedPersons: Set<String> = []
    public var accounts: Set<String> = []
    public var removedAccounts: Set<String> = []
    /// The deriver has never run on this store (or was reset): derive every person and account.
    public var everything = false
    /// The work names so many persons that the deriver asked to derive everyone instead, as it
    /// stands (`persons` is left empty: a backfill's backlog can name millions).
    public var allPersons = false

    public init() {}

    public var isEmpty: Bool {
        !everything && !allPersons && persons.isEmpty && removedPersons.isEmpty && accounts.isEmpty && removedAccounts.isEmpty
    }
}

/// The durable list of what batches changed, waiting for derivers (`derive_queue`), and how far
/// each deriver has got (`derive_state`).
///
/// A batch queues its changes in its own transaction; a deriver's output and its new position
/// commit in another. A crash between the two leaves the work queued, so it is done on the next
/// drain: derived data can lag a batch, never silently miss one.
public enum DeriveQueue {
    /// How many queue entries one derive transaction takes at most, so a long backlog (a
    /// backfill, derivers failing for a while) is worked off in bounded steps.
    public static let chunk = 20_000
    /// A backlog this long is checked for naming so many persons that it is best taken whole.
    static let wholeStoreMinimum = 1_000

    /// The writer connection's own (temp) set of what batches queued since the derivers last ran.
    static let queuedInLoad = "derive_queued_in_load"
    /// The same set's live persons whose ids identity made (`p_` and 16 hex digits; `CompactID`),
    /// by number: nearly every entry of a bulk load, each checked with a seek on an integer key
    /// instead of a text one (a tenth of the batches' time in a 1M-row load).
    static let personsQueuedInLoad = "derive_queued_persons_in_load"

    /// Whether the writer connection has made its set (GRDB's `tableExists(_:in: "temp")` throws
    /// while the connection has no temp schema yet).
    static func hasQueuedInLoad(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM sqlite_temp_schema WHERE name = ?)"), arguments: [queuedInLoad])
            ?? false
    }

    /// Empties the writer connection's set: called wherever a deriver's position moves (a step,
    /// `markCaughtUp`), as what was queued may be done now and a batch touching it again must
    /// queue it again. Entries a step leaves queued are only queued twice.
    static func forgetQueuedInLoad(_ db: Database) throws {
        if try hasQueuedInLoad(db) {
            try db.execute(sql: "DELETE FROM temp.\(queuedInLoad); DELETE FROM temp.\(personsQueuedInLoad)")
        }
    }

    /// Queues a batch's changes; called inside the batch's transaction.
    ///
    /// With `onceInLoad`, an entry the queue already holds since the derivers last ran is not
    /// queued again. A bulk load derives only at its end, and its batches touch the same persons
    /// over and over: a 10M-row load queued an entry per row (~550 MB, freed pages in the file
    /// once derived) for its 500k persons. Exact and durable: the set is a temp table of the
    /// writer connection, written in the batch's transaction (so it rolls back with it), emptied
    /// wherever a deriver's position moves (`forgetQueuedInLoad`), gone with the process (whose
    /// queued entries stay in `derive_queue`); it lives in SQLite's temp file, not memory.
    static func enqueue(_ outcome: BatchOutcome, onceInLoad: Bool = false, db: Database, at now: String) throws {
        try enqueue(persons: outcome.persons, removedPersons: outcome.removedPersons,
                    accounts: outcome.accounts, removedAccounts: outcome.removedAccounts, onceInLoad: onceInLoad, db: db, at: now)
    }

    /// Queues changes made outside a batch (identity maintenance), in the caller's transaction.
    public static func enqueue(
        persons: Set<String>, removedPersons: Set<String> = [], accounts: Set<String> = [], removedAccounts: Set<String> = [],
        onceInLoad: Bool = false, db: Database, at now: String
    ) throws {
        // A batch of a backfill queues thousands of persons: bound through the C API, and in no
        // particular order (the queue is read back into sets).
        let insert = try HotStatement(db, sql: "INSERT INTO derive_queue (kind, id, removed, queued_at) VALUES (?, ?, ?, ?)")
        var seen: (texts: HotStatement, persons: HotStatement)?
        if onceInLoad {
            if try !hasQueuedInLoad(db) {
                try db.execute(sql: """
                    CREATE TEMP TABLE \(personsQueuedInLoad) (id INTEGER PRIMARY KEY);
                    CREATE TEMP TABLE \(queuedInLoad) (kind TEXT, id TEXT, removed INTEGER, PRIMARY KEY (kind, id, removed)) WITHOUT ROWID;
                    """)
            }
            seen = (texts: try HotStatement(db, sql: "INSERT OR IGNORE INTO temp.\(queuedInLoad) (kind, id, removed) VALUES (?, ?, ?)"),
                    persons: try HotStatement(db, sql: "INSERT OR IGNORE INTO temp.\(personsQueuedInLoad) (id) VALUES (?)"))
        }
        for (kind, ids, removed) in [("person", persons, false), ("person", removedPersons, true),
                                     ("account", accounts, false), ("account", removedAccounts, true)] {
            for id in ids {
                if let seen {
                    // A number stands for exactly one id (`CompactID` gives its text back), so
                    // the numbered set is as exact as the text one.
                    if kind == "person", !removed, case .hashed(prefix: UInt8(ascii: "p"), let number) = CompactID(id) {
                        seen.persons.int(1, Int64(bitPattern: number))
                        if try seen.persons.run() == 0 { continue }
                    } else {
                        seen.texts.text(1, kind); seen.texts.text(2, id); seen.texts.bool(3, removed)
                        if try seen.texts.run() == 0 { continue }
                    }
                }
                insert.text(1, kind); insert.text(2, id); insert.bool(3, removed); insert.text(4, now)
                try insert.run()
            }
        }
    }

    /// Runs one step of a deriver in one transaction: the queued work after its position (at
    /// most `chunk` entries), its output, its new position. Returns the work it did (empty when
    /// it was up to date). A deriver that throws rolls back whole and sees the same work again.
    public static func step(_ deriver: any Deriver, db: Database, at now: String) throws -> DeriveWork {
        try forgetQueuedInLoad(db)
        let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM derive_queue") ?? 0
        var work = DeriveWork()
        var upTo = last
        if let done = try Int64.fetchOne(db, sql: "SELECT done_seq FROM derive_state WHERE deriver = ?", arguments: [deriver.name]) {
            // A long backlog (a backfill's batches) that names so many persons that the deriver
            // would rather derive everyone is taken whole, as one pass over the store, where
            // steps of `chunk` entries would each pass over it again for much the same persons.
            if try backlogIsLong(after: done, db: db) {
                let everyone = try Int.fetchOne(db, sql: "SELECT count(*) FROM persons") ?? 0
                let named = try Int.fetchOne(
                    db, sql: "SELECT count(DISTINCT id) FROM derive_queue WHERE seq > ? AND kind = 'person'", arguments: [done]) ?? 0
                work.allPersons = deriver.derivesEveryone(naming: named, of: everyone)
            }
            let limit = work.allPersons ? Int.max : chunk
            // A cursor: a backlog taken whole can hold millions of entries, but far fewer ids.
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, kind, id, removed FROM derive_queue WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [done, limit])
            var end: Int64?
            while let row = try rows.next() {
                end = row[0]
                let id: String = row[2]
                switch (row[1] as String, row[3] as Bool) {
                case ("person", false): if !work.allPersons { work.persons.insert(id) }
                case ("person", true): work.removedPersons.insert(id)
                case (_, false): work.accounts.insert(id)
                default: work.removedAccounts.insert(id)
                }
            }
            guard let end else { return work }
            upTo = end
            // A person removed and then made again (or the reverse) is judged by how it ends.
            let livePersons = try existing("persons", "person_id", work.persons.union(work.removedPersons), db: db)
            work.removedPersons = work.persons.union(work.removedPersons).subtracting(livePersons)
            work.persons = work.allPersons ? [] : livePersons
            let liveAccounts = try existing("accounts", "account_id", work.accounts.union(work.removedAccounts), db: db)
            work.removedAccounts = work.accounts.union(work.removedAccounts).subtracting(liveAccounts)
            work.accounts = liveAccounts
        } else {
            work.everything = true
        }
        // A derive of some persons reads each one's touchpoints by person; a full one scans the table.
        if !work.everything, !work.allPersons, !work.persons.isEmpty || !work.accounts.isEmpty { try PersonIndex.ensure(db) }
        try deriver.derive(work, db: db)
        try db.execute(
            sql: """
                INSERT INTO derive_state (deriver, done_seq, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (deriver) DO UPDATE SET done_seq = excluded.done_seq, updated_at = excluded.updated_at
                """,
            arguments: [deriver.name, upTo, now])
        return work
    }

    /// Whether at least `wholeStoreMinimum` entries wait after `done`: shorter backlogs are
    /// taken in steps without counting whom they name.
    static func backlogIsLong(after done: Int64, db: Database) throws -> Bool {
        let pending = try Int.fetchOne(
            db, sql: "SELECT count(*) FROM (SELECT 1 FROM derive_queue WHERE seq > ? LIMIT ?)", arguments: [done, wholeStoreMinimum]) ?? 0
        return pending >= wholeStoreMinimum
    }

    /// Records that a deriver has done everything queued (it just derived everything outside the
    /// queue, e.g. `reprocess --derive`), in the caller's transaction.
    public static func markCaughtUp(_ deriver: String, db: Database, at now: String) throws {
        try forgetQueuedInLoad(db)
        try db.execute(
            sql: """
                INSERT INTO derive_state (deriver, done_seq, updated_at) VALUES (?, coalesce((SELECT max(seq) FROM derive_queue), 0), ?)
                ON CONFLICT (deriver) DO UPDATE SET done_seq = excluded.done_seq, updated_at = excluded.updated_at
                """,
            arguments: [deriver, now])
    }

    /// Drops the entries every given deriver has done (all of them when none is given).
    public static func prune(keepingFor derivers: [String], db: Database) throws {
        let names = JSONObjectWriter.array(derivers)
        let done = derivers.isEmpty
            ? try Int64.fetchOne(db, sql: "SELECT max(seq) FROM derive_queue")
            : try Int64.fetchOne(db, sql: """
                SELECT CASE WHEN count(*) = (SELECT count(*) FROM json_each(?1)) THEN min(done_seq) ELSE 0 END
                FROM derive_state WHERE deriver IN (SELECT value FROM json_each(?1))
                """, arguments: [names])
        guard let done, done > 0 else { return }
        try db.execute(sql: "DELETE FROM derive_queue WHERE seq <= ?", arguments: [done])
    }

    /// Entries waiting for a deriver (for `journeylake sources`, metrics and tests).
    public static func backlog(of deriver: String, db: Database) throws -> Int {
        let done = try Int64.fetchOne(db, sql: "SELECT done_seq FROM derive_state WHERE deriver = ?", arguments: [deriver]) ?? 0
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM derive_queue WHERE seq > ?", arguments: [done]) ?? 0
    }

    private static func existing(_ table: String, _ column: String, _ ids: Set<String>, db: Database) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE \(column) = ?)")
        return try Set(ids.filter { try Bool.fetchOne(statement, arguments: [$0]) == true })
    }
}

extension JourneyStore {
    /// One step of a deriver in its own transaction (see `DeriveQueue.step`).
    public func deriveStep(_ deriver: any Deriver, at time: Timestamp) async throws -> DeriveWork {
        try await pool.write { db in try DeriveQueue.step(deriver, db: db, at: time.iso8601) }
    }

    /// Drops queue entries every given deriver has done.
    public func pruneDeriveQueue(keepingFor derivers: [String]) async throws {
        try await pool.write { db in try DeriveQueue.prune(keepingFor: derivers, db: db) }
    }

    /// Makes a deriver derive everything on its next step, for what only time changes (a
    /// follow-up clock running out, engagement decaying): as if it had never run.
    public func resetDerive(_ deriver: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM derive_state WHERE deriver = ?", arguments: [deriver]) }
    }

    /// Whether a deriver says it needs everything derived again (see `Deriver.needsFullDerive`).
    public func needsFullDerive(_ deriver: any Deriver) async throws -> Bool {
        try await pool.read { db in try deriver.needsFullDerive(db: db) }
    }

    /// Queue entries a deriver has not done yet.
    public func deriveBacklog(of deriver: String) throws -> Int {
        try pool.read { db in try DeriveQueue.backlog(of: deriver, db: db) }
    }
}
