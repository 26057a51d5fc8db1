import ArgumentParser
import Daemon
import Foundation
import Identity
import JourneyConfig
import JourneyModel
import JourneyStore
import Logging

extension ConfigOption {
    /// Identity maintenance on the configured store, under the configured identity rules; what
    /// it changes is queued for the derivers, and `derive` works the queue off once it is done
    /// (so stages and scores follow a merge, unmerge or rebuild at once).
    func loadIdentityMaintenance(whileWaiting hint: String? = nil) throws -> (identity: IdentityMaintenance, derive: DerivePipeline) {
        let (config, store) = try loadStore(whileWaiting: hint)
        let pipeline = DerivePipeline(store: store, derivers: derivers(config), logger: Logger(label: "journeylake.identity"))
        return (IdentityMaintenance(store: store, rules: config.identity, queueDerive: true), pipeline)
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
            let (_, reader) = try options.openReader()
            let rows = reading { try reader.identityConflicts() }.map { c -> [TableRenderer.Cell] in
                [.text(c.kind), .text(c.value), .text(c.refusedFor), .text(c.alreadyOn), .init(c.heldBy), .text(c.detectedAt)]
            }
            print(TableRenderer(columns: ["kind", "value", "refused_for", "already_on", "held_by", "detected_at"], rows: rows).render(format))
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
            let (_, reader) = try options.openReader()
            let rows = reading { try reader.mergeLog(personMatching: person) }.map { m -> [TableRenderer.Cell] in
                [.integer(m.mergeId), .text(m.mergedAt), .text("\(m.viaKind):\(m.viaValue)"), .init(m.becauseOf), .text(m.reason ?? ""),
                 .text(m.mergedPerson), .text(m.intoPerson), .text(m.personNow ?? ""), .text(m.undoneAt ?? "")]
            }
            print(TableRenderer(
                columns: ["merge_id", "merged_at", "via", "because_of", "reason", "merged_person", "into_person", "person_now", "undone_at"],
                rows: rows
            ).render(format))
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
            let (identity, derive) = try options.loadIdentityMaintenance()
            IdentityCommand.apply(outcome: "undone") { try identity.unmerge(mergeId) }
            await derive.drain()
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
            let (identity, derive) = try options.loadIdentityMaintenance()
            IdentityCommand.apply(outcome: "may link again") { try identity.relink(mergeId) }
            await derive.drain()
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
            let (identity, derive) = try options.loadIdentityMaintenance()
            let r: IdentityRebuildReport
            do { r = try identity.rebuild() } catch { fail(.store("\(error)")) }
            await derive.drain()
            let cells: [TableRenderer.Cell] = [r.personsBefore, r.personsAfter, r.recordsMoved, r.touchpointsMoved, r.linksMade, r.conflicts]
                .map { .integer(Int64($0)) }
            print(TableRenderer(
                columns: ["persons_before", "persons_after", "records_moved", "touchpoints_moved", "links_made", "conflicts"], rows: [cells]
            ).render(format))
        }
    }
}
