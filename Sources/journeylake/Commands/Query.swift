import ArgumentParser
import Foundation
import JourneyModel
import JourneyConfig
import Connectors
import GRDB
import JourneyStore

/// `journeylake query`: read-only SQL over the journey store.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a read-only SQL query against the journey store.",
        discussion: "Statements that would write are refused (exit 65); the store is opened read-only as well.")

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table
    @Argument(help: "One SELECT (or WITH … SELECT) statement.") var sql: String

    func run() async throws {
        let (_, db) = try options.loadReadOnlyStore()
        do {
            let table = try await db.read { db -> TableRenderer in
                let statement = try db.makeStatement(sql: sql)
                // ATTACH/DETACH count as read-only to SQLite (they change the connection, not the
                // file) but would let a later statement reach other files: refused too.
                let verb = sql.drop { $0.isWhitespace }.prefix { $0.isLetter }.uppercased()
                guard statement.isReadonly, verb != "ATTACH", verb != "DETACH" else { throw StoreError.writeRefused(sql: sql) }
                let columns = statement.columnNames
                var rows: [[TableRenderer.Cell]] = []
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next() { rows.append(TableRenderer.Cell.row(row)) }
                return TableRenderer(columns: columns, rows: rows)
            }
            print(table.render(format))
        } catch let e as StoreError {
            fail(.query("\(e)"))
        } catch let e as DatabaseError {
            fail(.query("query failed: \(e.message ?? "\(e)")"))
        }
    }
}
