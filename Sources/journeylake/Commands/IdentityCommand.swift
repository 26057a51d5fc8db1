import ArgumentParser
import Foundation
import GRDB
import Identity
import JourneyConfig
import JourneyModel
import JourneyStore
import Logging

extension ConfigOption {
    /// Identity maintenance on the configured store, under the configured identity rules.
    func loadIdentityMaintenance() throws -> IdentityMaintenance {
        let (config, store) = try loadStore()
        return IdentityMaintenance(store: store, rules: config.identity)
    }
}

/// `journeylake identity …`
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity", abstract: "Inspect and correct identity resolution.",
        subcommands: [Conflicts.self, Merges.self, Unmerge.self, Relink.self, Rebuild.self])

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

    /// Runs an unmerge or relink and prints where the records went; identity errors exit 65.
    static func apply(outcome: String, _ change: () throws -> UnmergeReport) {
        let report: UnmergeReport
        do { report = try change() } catch let e as IdentityError { fail(.data(e.description)) } catch { fail(.store("\(error)")) }
        print("merge #\(report.mergeId) (via \(report.via)) \(outcome); its records now belong to:")
        let rows = report.persons.sorted { $0.key < $1.key }.map { [TableRenderer.Cell.text($0.key), .text($0.value.joined(separator: " "))] }
        print(TableRenderer(columns: ["person_id", "records"], rows: rows).render(.table))
    }

    /// `journeylake identity merges`: the merge log, newest first.
    struct Merges: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the merge log: when two sets of records became one person, through which identifier and why.",
            discussion: "Undo one with `journeylake identity unmerge <merge_id>`.")

        @OptionGroup var options: ConfigOption
        @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table
        @Option(name: .long, help: "Only merges whose records now belong to this person (a person id, an email or any identifier value).")
        var person: String?

        func run() async throws {
            let (_, db) = try options.loadReadOnlyStore()
            let rows = try db.read { db -> [Row] in
                var filter = ""
                var arguments: StatementArguments = []
                if let person {
                    let email = Identifier.normalized(kind: .email, raw: person)?.value ?? person
                    let id = try String.fetchOne(db, sql: "SELECT person_id FROM persons WHERE person_id = ?", arguments: [person])
                        ?? String.fetchOne(db, sql: "SELECT person_id FROM identifiers WHERE value IN (?, ?) ORDER BY kind LIMIT 1",
                                           arguments: [email, SalesforceID.normalize(person) ?? person])
                    guard let id else { fail(.usage("no person found for '\(person)'")) }
                    filter = "WHERE m.record_key IN (SELECT record_key FROM person_records WHERE person_id = ?) OR m.into_person = ?"
                    arguments = [id, id]
                }
                return try Row.fetchAll(db, sql: """
                    SELECT m.merge_id, m.merged_at, m.via_kind || ':' || m.via_value AS via, m.record_key AS because_of,
                           coalesce(m.reason, '') AS reason, m.merged_person, m.into_person,
                           coalesce((SELECT person_id FROM person_records WHERE record_key = m.record_key), '') AS person_now,
                           coalesce(m.undone_at, '') AS undone_at
                    FROM person_merges m \(filter) ORDER BY m.merge_id DESC
                    """, arguments: arguments)
            }
            print(TableRenderer(columns: rows.first.map { Array($0.columnNames) } ?? [
                "merge_id", "merged_at", "via", "because_of", "reason", "merged_person", "into_person", "person_now", "undone_at",
            ], rows: rows.map(TableRenderer.Cell.row)).render(format))
        }
    }

    /// `journeylake identity unmerge <merge_id>`: undo a merge and keep it undone.
    struct Unmerge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo a merge: the two sides become separate persons again and later syncs do not link them.",
            discussion: """
                Persons, identifiers and touchpoints are re-resolved as if the link had never been made. The separation \
                is permanent and applies to every identifier that would join the two sides, so the next sync keeps them apart.
                """)

        @OptionGroup var options: ConfigOption
        @Argument(help: "The merge_id from `journeylake identity merges`.") var mergeId: Int64

        func run() async throws {
            bootstrapLogging(default: .warning)
            let identity = try options.loadIdentityMaintenance()
            IdentityCommand.apply(outcome: "undone") { try identity.unmerge(mergeId) }
        }
    }

    /// `journeylake identity relink <merge_id>`: take an unmerge back.
    struct Relink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take back an unmerge: the two sides may be linked again, and are if their data still links them.")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The merge_id of an undone merge (`journeylake identity merges`).") var mergeId: Int64

        func run() async throws {
            bootstrapLogging(default: .warning)
            let identity = try options.loadIdentityMaintenance()
            IdentityCommand.apply(outcome: "may link again") { try identity.relink(mergeId) }
        }
    }

    /// `journeylake identity rebuild`: resolve every person from scratch.
    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-resolve every person from the live records; run after changing identity rules.",
            discussion: "Incremental resolution always agrees with a rebuild; a rebuild applies changed shared-mailbox lists and source priorities to existing data.")

        @OptionGroup var options: ConfigOption
        @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

        func run() async throws {
            bootstrapLogging(default: .warning)
            let identity = try options.loadIdentityMaintenance()
            let r: IdentityRebuildReport
            do { r = try identity.rebuild() } catch { fail(.store("\(error)")) }
            let cells: [TableRenderer.Cell] = [r.personsBefore, r.personsAfter, r.recordsMoved, r.touchpointsMoved, r.linksMade, r.conflicts]
                .map { .int(Int64($0)) }
            print(TableRenderer(
                columns: ["persons_before", "persons_after", "records_moved", "touchpoints_moved", "links_made", "conflicts"], rows: [cells]
            ).render(format))
        }
    }
}
