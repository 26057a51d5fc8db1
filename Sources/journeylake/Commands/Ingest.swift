import ArgumentParser
import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyConfig
import JourneyStore
import Logging

/// `journeylake ingest`: one pass over the sources, then exit.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one pass over the sources and print what was loaded.",
        discussion: """
            Exit status: 0 when every source succeeded; 1 when any failed or was partial; 78 for an invalid config.
            Every input row is counted once: new, updated, unchanged, deleted or quarantined — except rows about a person \
            removed with `journeylake forget`, which are only read (refused without being stored; stderr says how many).
            """)

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Only this source (repeatable); runs it even when it is disabled.") var source: [String] = []
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        bootstrapLogging(default: .warning)
        let (config, allSources) = try catching { try options.load() }
        let unknown = source.filter { name in !allSources.contains { $0.name == name } }
        if !unknown.isEmpty {
            fail(.usage("no source named \(unknown.joined(separator: ", ")) in \(options.path); sources: \(allSources.map(\.name).joined(separator: ", "))"))
        }
        // `enabled: false` keeps a source out of every all-sources run; naming it with --source is
        // an operator's explicit request and runs it once.
        let disabled = Set(config.sources.filter { !$0.enabled }.map(\.name))
        let selected = allSources.filter { s in source.isEmpty ? !disabled.contains(s.name) : source.contains(s.name) }
        if source.isEmpty {
            for section in config.sources where !section.enabled {
                printErr("journeylake: source \(section.name) is disabled (enabled: false); skipped")
            }
        }
        let store = openWritableStore(config)
        let ingestor = Ingestor(
            store: store, batchSize: config.store.batchSize, identity: config.identity, derivers: derivers(config),
            deriveEvery: config.store.deriveEvery, bulkLoadMinimum: PersonIndex.minimumLoad, logger: Logger(label: "journeylake.ingest"))
        var outcomes: [SourceOutcome] = []
        // Each source's pass leaves what it touched queued, and it is all derived once after the
        // last: one whole-store derive for the run, not one per source (a run stopped in between
        // leaves the queue for the next start).
        for s in selected {
            outcomes.append(await ingestor.run(s, waitForSettling: true, deriveAtEnd: false))
        }
        await ingestor.deriveQueued()
        print(Self.render(outcomes, format: format))
        for o in outcomes {
            for (stream, c) in o.report.counts.sorted(by: { $0.key < $1.key }) where c.suppressed > 0 {
                printErr("journeylake: source \(o.source) stream \(stream): \(c.suppressed) input(s) about forgotten persons refused (journeylake forget)")
            }
            for e in o.report.errors { printErr("journeylake: source \(o.source): \(e.message)") }
            if !o.report.waiting.isEmpty {
                printErr("journeylake: source \(o.source): still being written, left for the next pass: \(o.report.waiting.joined(separator: ", "))")
            }
        }
        if outcomes.contains(where: \.failed) { throw ExitCode(1) }
    }

    static func render(_ outcomes: [SourceOutcome], format: OutputFormat) -> String {
        var rows: [[TableRenderer.Cell]] = []
        for o in outcomes {
            let streams = o.report.counts.sorted { $0.key < $1.key }
            if streams.isEmpty {
                let what = o.report.status == .ok ? (o.report.waiting.isEmpty ? "(nothing new)" : "(waiting)") : "-"
                rows.append([.text(o.source), .text(what), .integer(0), .integer(0), .integer(0), .integer(0), .integer(0), .integer(0), .text(o.report.status.rawValue)])
            }
            for (stream, c) in streams {
                rows.append([
                    .text(o.source), .text(stream), .integer(Int64(c.read)), .integer(Int64(c.new)), .integer(Int64(c.updated)),
                    .integer(Int64(c.unchanged)), .integer(Int64(c.deleted)), .integer(Int64(c.quarantined)), .text(o.report.status.rawValue),
                ])
            }
        }
        return TableRenderer(
            columns: ["source", "stream", "read", "new", "updated", "unchanged", "deleted", "quarantined", "status"], rows: rows
        ).render(format)
    }
}

/// Runs a config load, turning its errors into the CLI's exit codes.
func catching<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as CLIError { fail(e) }
}
