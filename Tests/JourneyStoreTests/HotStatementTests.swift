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

    /// Texts are bound in place from blocks the statement keeps (`BoundTexts`): what lands must
    /// be every byte of every text, across blocks, past a block's size, empty and non-ASCII, and
    /// again after the blocks are reused.
    @Test func textsBoundInPlaceLandWhole() throws {
        try withQueue { db in
            try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, d TEXT)")
            let insert = try HotStatement(db, sql: "INSERT INTO t (k, a, b, c, d) VALUES (?, ?, ?, ?, ?)")
            var expected: [[String?]] = []
            for k in 0..<200 {
                let row: [String?] = [
                    String(repeating: "é\(k)", count: k * 7),  // grows past a 4 KiB block
                    k % 3 == 0 ? "" : "b\(k)",
                    k % 5 == 0 ? nil : String(repeating: "x", count: k == 150 ? 200_000 : 3),  // one past the kept size
                    "🙂 \(k)\ttail",
                ]
                insert.int(1, Int64(k))
                for (i, v) in row.enumerated() { insert.text(Int32(i + 2), v) }
                #expect(try insert.run() == 1)
                expected.append(row)
            }
            let stored = try Row.fetchAll(db, sql: "SELECT a, b, c, d FROM t ORDER BY k").map { row in (0..<4).map { row[$0] as String? } }
            #expect(stored == expected)
        }
    }

    /// A statement bound here and dropped without running must not keep pointing at the texts'
    /// freed bytes: its next user that binds only some parameters reads NULL for the others.
    @Test func aDroppedBoundStatementKeepsNoStaleText() throws {
        try withQueue { db in
            let sql = "SELECT ?1, ?2"
            do {
                let hot = try HotStatement(db, sql: sql)
                hot.text(1, String(repeating: "first", count: 100))
                hot.text(2, String(repeating: "second", count: 100))
            }
            let again = try HotStatement(db, sql: sql)
            again.text(1, "one")
            let row = try again.first { (again.string(0), again.isNull(1)) }
            #expect(row?.0 == "one")
            #expect(row?.1 == true)
            // A query stopped in the middle of its rows and dropped is reset too.
            try db.execute(sql: "CREATE TABLE n (v TEXT)")
            try db.execute(sql: "INSERT INTO n VALUES ('a'), ('b'), ('c')")
            do {
                let query = try HotStatement(db, sql: "SELECT v FROM n WHERE v >= ? ORDER BY v")
                query.text(1, "a")
                #expect(try query.step())
            }
            let query = try HotStatement(db, sql: "SELECT v FROM n WHERE v >= ? ORDER BY v")
            query.text(1, "b")
            var seen: [String] = []
            try query.rows { seen.append(query.string(0) ?? "") }
            #expect(seen == ["b", "c"])
        }
    }

    private func withQueue(_ body: (Database) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("t.sqlite").path)
        try queue.write { db in try body(db) }
    }
}
