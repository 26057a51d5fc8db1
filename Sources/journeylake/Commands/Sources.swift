import ArgumentParser
import Foundation
import JourneyModel
import JourneyConfig
import Connectors
import JourneyStore

/// `journeylake sources`: per source and stream, where it has got to and how it went.
struct Sources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each source's progress, last success, last error and row counts.")

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        // Reading progress needs the store only, never the vendors' credentials.
        let config = try catching { try options.loadStructure() }
        var stored: [SyncStateRow] = []
        if FileManager.default.fileExists(atPath: config.store.path) {
            stored = reading { try JourneyReader(path: config.store.path).syncState() }
        }
        stored = SyncStateRow.listing(stored: stored, configured: config.sources.map { ($0.name, $0.enabled) })
        print(TableRenderer(
            columns: ["source", "stream", "status", "cursor", "last_success_at", "last_error", "records_total", "read_total", "quarantined_total"],
            rows: stored.map { s in
                [.text(s.source), .text(s.stream), .text(s.status), .init(s.cursor), .init(s.lastSuccessAt), .init(s.lastError),
                 .integer(s.recordsTotal), .integer(s.readTotal), .integer(s.quarantinedTotal)]
            }
        ).render(format))
    }
}
