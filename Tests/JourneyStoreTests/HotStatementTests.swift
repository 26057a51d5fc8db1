import Foundation
import GRDB
import JourneyStore
import Testing

/// `HotStatement` shares GRDB's statement cache: GRDB leaves a statement it ran stepped to its
/// end, where SQLite refuses new bindings — once, that ran identity's inserts with NULLs that
/// `OR IGNORE` then dropped without a word.
@Suite struct HotStatementTests {
    @Test func bindsAStatementGRDBRanLast() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("t.sqlite").path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (k TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL)")
            let insert = "INSERT OR IGNORE INTO t (k, n) VALUES (?, ?)"
            let lookup = "SELECT n FROM t WHERE k = ?"
            for round in 0..<3 {
                // GRDB executes the insert, which leaves it stepped to its end; the same SQL
                // bound here must still take its parameters (the lookups check what landed).
                try db.cachedStatement(sql: insert).execute(arguments: ["grdb\(round)", round])
                #expect(try Int.fetchOne(db.cachedStatement(sql: lookup), arguments: ["grdb\(round)"]) == round)
                let hot = try HotStatement(db, sql: insert)
                hot.text(1, "hot\(round)")
                hot.int(2, Int64(10 + round))
                #expect(try hot.run() == 1, "round \(round): the insert ran with its parameters")
                let query = try HotStatement(db, sql: lookup)
                query.text(1, "hot\(round)")
                #expect(try query.first { query.int64(0) } == Int64(10 + round))
            }
            #expect(try String.fetchAll(db, sql: "SELECT k FROM t ORDER BY k") == ["grdb0", "grdb1", "grdb2", "hot0", "hot1", "hot2"])
        }
    }
}
