import ArgumentParser
import Foundation
import GRDB
import JourneyConfig
import JourneyStore

/// `journeylake identity …`
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity", abstract: "Inspect identity resolution.", subcommands: [Conflicts.self])

    /// `journeylake identity conflicts`: links refused because they would join two distinct
    /// records of the same system object into one person.
    struct Conflicts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List identifiers that were refused as links between two records of the same system object.")

        @OptionGroup var options: ConfigOption
        @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

        func run() async throws {
            let (_, db) = try options.loadReadOnlyStore()
            let rows = try db.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT c.kind, c.value, c.record_key AS refused_for, c.existing_record AS already_on,
                           i.person_id AS held_by, c.detected_at
                    FROM identity_conflicts c LEFT JOIN identifiers i ON i.kind = c.kind AND i.value = c.value
                    ORDER BY c.detected_at, c.kind, c.value, c.record_key
                    """)
            }
            let cells = rows.map { row in
                (0..<row.count).map { i -> TableRenderer.Cell in (row[i] as String?).map { .text($0) } ?? .null }
            }
            print(TableRenderer(columns: ["kind", "value", "refused_for", "already_on", "held_by", "detected_at"], rows: cells).render(format))
        }
    }
}
