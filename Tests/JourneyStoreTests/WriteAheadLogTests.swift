import Foundation
import GRDB
import JourneyStore
import Testing

/// The store's write-ahead log on disk: a transaction as large as a whole-store derive makes it
/// that large while it runs, and once checkpointed it is cut back, not kept at that size.
@Suite struct WriteAheadLogTests {
    @Test func aLargeTransactionsLogIsCutBackAfterTheCheckpoint() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("journey.sqlite").path
        let store = try JourneyStore(path: path)
        func walSize() throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        }
        // ~96 MB in one transaction: past both the autocheckpoint and the size limit.
        try await store.pool.write { db in
            try db.execute(sql: "CREATE TABLE bulk (b BLOB)")
            for _ in 0..<96 { try db.execute(sql: "INSERT INTO bulk VALUES (randomblob(1048576))") }
        }
        #expect(try walSize() > 90 << 20, "the transaction's pages went through the log")
        // The next commits checkpoint it and start the log again from its beginning.
        for _ in 0..<3 {
            try await store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            try await store.pool.write { db in try db.execute(sql: "DELETE FROM bulk WHERE rowid = (SELECT min(rowid) FROM bulk)") }
        }
        let after = try walSize()
        #expect(after <= 64 << 20, "the log is cut back to the limit: \(after) bytes")
    }
}
