public import GRDB

/// `touchpoints_by_person`, the index that finds a person's touchpoints, set aside while a bulk
/// load writes many more touchpoints than the store holds, and built again after it.
///
/// A touchpoint's entry goes wherever its person's are, so each batch of a backfill dirties a
/// page of that index per few rows, all over it: every page is written to the WAL at the commit
/// and again to the file at the next checkpoint, and past the page cache each insert first reads
/// its page back. One sorted `CREATE INDEX` at the end writes every page once (bench/README.md,
/// "The person index set aside during a bulk load": the 1M bench's activities pass ~98 → 53–61 s,
/// the index built in 2.5 s of that).
///
/// Nothing is wrong without the index, only slow: code that reads touchpoints person by person
/// inside the writer (identity moving a person's touchpoints or account, parking them, an
/// incremental derive, forgetting) calls `ensure` first, so the first such need during a load
/// builds the index there and then and the load goes on with it. Readers on other connections
/// scan the table meanwhile (a timeline; the funnel report reads first touches in one sorted
/// pass while the index is aside), which is why only `journeylake ingest` sets it aside and `serve`, whose API and
/// dashboard read while it ingests, never does. The pass builds it at its end, and opening the
/// store for writing builds it after a process that died mid-load.
public enum PersonIndex {
    static let name = "touchpoints_by_person"
    static let create = "CREATE INDEX IF NOT EXISTS touchpoints_by_person ON touchpoints (person_id, occurred_at)"

    /// The smallest load set aside for: below it the load saves a second or two (a 200,000-row
    /// load ~3 s), not worth every reader of a timeline scanning the table meanwhile.
    public static let minimumLoad = 100_000

    /// Whether the index is there: from GRDB's schema cache, which a writer's own DDL clears and
    /// a reader's transaction refreshes when the schema changed, so the per-person paths that call
    /// `ensure` pay a dictionary lookup, not a scan of `sqlite_schema` (~11 µs).
    public static func exists(_ db: Database) throws -> Bool {
        try db.indexes(on: "touchpoints", in: "main").contains { $0.name == name }
    }

    /// Builds the index if a load set it aside, sorting in 8 MB; returns whether it had to. Called
    /// at the end of a load, when the store is opened for writing, and by whatever reads
    /// touchpoints person by person in the writer during a load. The sort's memory is sized by the
    /// page cache setting when it starts, and the writer's 32 MB put the 10M bench's peak at
    /// 151 MB while the index was built; a smaller cache in the middle of a transaction only
    /// spills its dirty pages to the WAL sooner.
    @discardableResult
    public static func ensure(_ db: Database) throws -> Bool {
        guard try !exists(db) else { return false }
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA main.cache_size") ?? -2000
        try db.execute(sql: "PRAGMA main.cache_size = -8192")
        defer { try? db.execute(sql: "PRAGMA main.cache_size = \(cacheSize)") }
        try db.execute(sql: create)
        return true
    }

    /// Sets the index aside for a load of about `rows` touchpoints, when that is at least
    /// `minimumLoad` and at least half of what the store holds (the rebuild sorts them all, which
    /// costs far less than the load's random inserts into the index). Returns whether it did.
    public static func setAside(forLoadOf rows: Int, minimumLoad: Int = minimumLoad, _ db: Database) throws -> Bool {
        guard rows >= minimumLoad, try exists(db) else { return false }
        // The largest rowid is what the store has held, without counting a large table.
        let held = try Int.fetchOne(db, sql: "SELECT coalesce(max(rowid), 0) FROM touchpoints") ?? 0
        guard rows * 2 >= held else { return false }
        try db.execute(sql: "DROP INDEX \(name)")
        return true
    }
}

extension JourneyStore {
    /// Sets the person index aside for a load of about `rows` touchpoints (see `PersonIndex`).
    public func setPersonIndexAside(forLoadOf rows: Int, minimumLoad: Int = PersonIndex.minimumLoad) async throws -> Bool {
        try await pool.write { db in try PersonIndex.setAside(forLoadOf: rows, minimumLoad: minimumLoad, db) }
    }

    /// Builds the person index if a load set it aside; returns whether it had to.
    @discardableResult
    public func ensurePersonIndex() async throws -> Bool {
        try await pool.write { db in try PersonIndex.ensure(db) }
    }
}
