import Foundation
public import GRDB

/// The customer-journey store: one SQLite file in WAL mode, one writer (the daemon), many readers.
public final class JourneyStore: Sendable {
    public let path: String
    public let pool: DatabasePool
    /// The writer lock this handle holds (nil for handles opened without one, e.g. in tests).
    public let lock: StoreLock?

    /// Opens (creating if needed) and migrates the store for writing, as the one writing process:
    /// the writer lock is taken first, so migrations run once, under it, and a second writer
    /// waits or fails (`whenBusy`) instead of racing this one. Every writing command opens the
    /// store this way; the lock is held until this handle goes away.
    public static func openForWriting(path: String, whenBusy: StoreLock.BusyPolicy) throws -> JourneyStore {
        try JourneyStore(path: path, lock: StoreLock(storePath: path, whenBusy: whenBusy))
    }

    /// Opens (creating if needed) and migrates the store for writing, without the writer lock:
    /// for code that already knows it is the only writer (tests, a caller holding `lock`).
    public convenience init(path: String) throws {
        try self.init(path: path, lock: nil)
    }

    private init(path: String, lock: StoreLock?) throws {
        self.path = path
        self.lock = lock
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "cannot create folder \(directory.path): \(error.localizedDescription)")
        }
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            // NORMAL is durable across process crashes in WAL mode; only power loss can drop the
            // last commits, and even then the file stays consistent.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Fewer, larger checkpoints and a bigger page cache: bulk ingests rewrite the same
            // index pages many times per batch.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
            // A whole-store derive is one transaction, so the WAL grows to its size (1.4 GB in a
            // 10M-row backfill); once checkpointed it is cut back rather than kept at that size.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // A row an `INSERT OR REPLACE` deletes fires its delete triggers only with this on;
            // `identity_generation` counts such a delete of an identifier or a person like any other.
            try db.execute(sql: "PRAGMA recursive_triggers = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            let migrator = Migrations.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError.newerSchema(path: path)
            }
            try migrator.migrate(pool)
            // A process that died during a bulk load left the person index set aside.
            _ = try pool.write { db in try PersonIndex.ensure(db) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }
}

/// Store failures, with the file they concern.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case newerSchema(path: String)
    case readFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the journey store \(path): \(reason)"
        case .newerSchema(let path):
            return "the journey store \(path) was migrated by a newer JourneyLake; upgrade this binary"
        case .readFailed(let path, let reason):
            return "cannot read the journey store \(path): \(reason); check that it is a JourneyLake store and that this user may read it"
        }
    }
}
