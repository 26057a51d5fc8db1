import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// Prepared persons kept in SQLite's temp store while a full derive learns the next-action
/// model, read back in the same order once it is complete: memory stays flat however many
/// persons the store holds. (Reading the store a second time instead made the derive of 1M
/// touches take 44 s.) Each person is written in `PreparedCodec`'s compact form.
struct PreparedSpill {
    private let db: Database
    private let insert: HotStatement

    init(db: Database) throws {
        self.db = db
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.prepared_suggestions;
            CREATE TEMP TABLE prepared_suggestions (seq INTEGER PRIMARY KEY, state BLOB NOT NULL);
            """)
        insert = try HotStatement(db, sql: "INSERT INTO temp.prepared_suggestions (state) VALUES (?)")
    }

    func add(_ prepared: NextActionPass.Prepared) throws {
        insert.blob(1, PreparedCodec.encode(prepared))
        try insert.run()
    }

    /// Every prepared person in the order added; the table goes afterwards.
    func forEach(_ body: (NextActionPass.Prepared) throws -> Void) throws {
        let rows = try HotStatement(db, sql: "SELECT state FROM temp.prepared_suggestions ORDER BY seq")
        try rows.rows {
            guard let prepared = try rows.withBytes(0, { try PreparedCodec.decode($0) }) else {
                throw PreparedCodec.Malformed(what: "a row without state")
            }
            try body(prepared)
        }
        try db.execute(sql: "DROP TABLE temp.prepared_suggestions")
    }
}
