import Foundation
public import GRDB
public import JourneyModel

/// The customer-journey store: one SQLite file in WAL mode, one writer (the daemon), many readers.
public final class JourneyStore: Sendable {
    public let path: String
    public let pool: DatabasePool

    /// Opens (creating if needed) and migrates the store for writing.
    public init(path: String) throws {
        self.path = path
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
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            let migrator = Migrations.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError.newerSchema(path: path)
            }
            try migrator.migrate(pool)
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
