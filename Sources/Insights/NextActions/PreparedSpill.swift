import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// Prepared persons kept in SQLite's temp store while a full derive learns the next-action
/// model, read back in the same order once it is complete: memory stays flat however many
/// persons the store holds. (Reading the store a second time instead made the derive of 1M
/// touches take 44 s; spilling costs a second or two.)
struct PreparedSpill {
    private let db: Database
    private let insert: HotStatement
    private let encoder = JSONEncoder()

    init(db: Database) throws {
        self.db = db
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.prepared_suggestions;
            CREATE TEMP TABLE prepared_suggestions (seq INTEGER PRIMARY KEY, state TEXT NOT NULL);
            """)
        insert = try HotStatement(db, sql: "INSERT INTO temp.prepared_suggestions (state) VALUES (?)")
    }

    func add(_ prepared: NextActionPass.Prepared) throws {
        let data = try encoder.encode(prepared)
        insert.text(1, String(decoding: data, as: UTF8.self))
        try insert.run()
    }

    /// Every prepared person in the order added; the table goes afterwards.
    func forEach(_ body: (NextActionPass.Prepared) throws -> Void) throws {
        let decoder = JSONDecoder()
        let rows = try String.fetchCursor(db, sql: "SELECT state FROM temp.prepared_suggestions ORDER BY seq")
        while let text = try rows.next() {
            try body(try decoder.decode(NextActionPass.Prepared.self, from: Data(text.utf8)))
        }
        try db.execute(sql: "DROP TABLE temp.prepared_suggestions")
    }
}
