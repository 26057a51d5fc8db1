import ArgumentParser
import Connectors
import Daemon
import Foundation
import Insights
import JourneyConfig
import JourneyStore
import Logging
import Synchronization
import UnixSignals

/// `journeylake reprocess`: the stored raw versions mapped again with today's mappings.
struct Reprocess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Map the stored records again with today's mappings (nothing is fetched) and retry quarantined rows.",
        discussion: """
            After a changed column mapping, a fixed preset or an upgrade, every live record a source wrote is
            mapped again from its current raw version, in batches through the same path as ingest (identity
            resolution included), and each stream reports how many records changed. Quarantined rows whose
            text a mapping can read are retried: those that load now leave the quarantine. Each batch commits
            with the run's position: a run stopped at any moment (Ctrl-C, kill -9) resumes where it was.
            Needs no vendor credentials. Exit status: 0 when done; 1 when stopped before the end; 64 for an
            unknown source; 78 for an invalid config.
            """)

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Only this source (repeatable; default: every configured source, disabled ones too).") var source: [String] = []
    @Option(name: .long, help: "Only this stream (repeatable), as in `sync_state.stream`, e.g. Task or activities.") var stream: [String] = []
    @Flag(name: .long, help: "Start over instead of resuming a run that was stopped.") var restart = false
    @Flag(name: .long, help: "Recompute every person's stage, score and follow-up under today's definitions instead (nothing is re-mapped).")
    var derive = false
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        bootstrapLogging(default: .warning)
        let config = try catching { try options.loadStructure() }
        let names = config.sources.map(\.name)
        let unknown = source.filter { !names.contains($0) }
        if !unknown.isEmpty {
            fail(.usage("no source named \(unknown.joined(separator: ", ")) in \(options.path); sources: \(names.joined(separator: ", "))"))
        }
        var replayers: [(String, RecordReplayer)] = []
        var errors: [ConfigError] = []
        for section in config.sources where source.isEmpty || source.contains(section.name) {
            do {
                replayers.append((section.name, try RecordReplayer(section: section)))
            } catch let e as ConfigError {
                errors.append(e)
            } catch let e as ConfigErrors {
                errors.append(contentsOf: e.errors)
            }
        }
        if !errors.isEmpty { fail(.config(ConfigErrors(errors).description)) }

        if derive {
            let store = openWritableStore(config)
            let result: InsightsDeriver.Recompute
            do {
                // Stages, scores and follow-ups of everyone; the next-action model learned again.
                result = try await InsightsDeriver(definitions: definitions(config)).recomputeAll(store: store)
            } catch {
                fail(.store("the derive failed and rolled back whole (nothing changed): \(error)"))
            }
            print(TableRenderer(
                columns: ["persons", "stage_changed", "with_suggestions"],
                rows: [[.integer(Int64(result.persons)), .integer(Int64(result.stageChanged)), .integer(Int64(result.withSuggestions))]]
            ).render(format))
            return
        }
        let store = openWritableStore(config)
        let stop = StopRequest()
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { stop.request() }
        }
        defer { signals.cancel() }
        let reprocessor = Reprocessor(
            store: store, batchSize: config.store.batchSize, identity: config.identity, derivers: derivers(config),
            deriveEvery: config.store.deriveEvery, logger: Logger(label: "journeylake.reprocess"))
        var reports: [Reprocessor.Report] = []
        for (name, replayer) in replayers {
            do {
                let report = try await reprocessor.run(
                    source: name, replayer: replayer, streams: Set(stream), restart: restart, shouldStop: { stop.requested })
                if report.resumed { printErr("journeylake: source \(name): resumed the run an earlier reprocess left unfinished") }
                reports.append(report)
                if report.stopped { break }
            } catch {
                fail(.store("reprocess of source \(name) failed (what committed stays; run again to resume): \(error)"))
            }
        }
        print(Self.render(reports, format: format))
        for r in reports where r.unreadableQuarantine > 0 {
            printErr("journeylake: source \(r.source): \(r.unreadableQuarantine) quarantined rows hold raw text (malformed rows) and need their file read again")
        }
        if reports.contains(where: \.stopped) {
            printErr("journeylake: stopped before the end; run reprocess again to resume")
            throw ExitCode(1)
        }
    }

    static func render(_ reports: [Reprocessor.Report], format: OutputFormat) -> String {
        var rows: [[TableRenderer.Cell]] = []
        for r in reports {
            let streams = r.counts.sorted { $0.key < $1.key }
            if streams.isEmpty {
                rows.append([.text(r.source), .text("(nothing stored)")] + Array(repeating: .integer(0), count: 8))
            }
            for (stream, c) in streams {
                rows.append([.text(r.source), .text(stream)] + [c.replayed, c.changed, c.unchanged, c.deleted, c.rejected, c.retried,
                                                               c.recovered, c.stillQuarantined].map { .integer(Int64($0)) })
            }
        }
        return TableRenderer(
            columns: ["source", "stream", "replayed", "changed", "unchanged", "deleted", "quarantined", "retried", "recovered",
                      "still_quarantined"],
            rows: rows
        ).render(format)
    }
}

/// A stop asked for by SIGINT or SIGTERM: the batch in flight commits, then the command ends.
final class StopRequest: Sendable {
    private let flag = Atomic<Bool>(false)
    var requested: Bool { flag.load(ordering: .relaxed) }
    func request() { flag.store(true, ordering: .relaxed) }
}
