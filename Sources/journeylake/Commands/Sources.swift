import ArgumentParser
import Foundation
import JourneyModel
import JourneyConfig
import Connectors
import GRDB
import JourneyStore

/// `journeylake sources`: per source and stream, where it has got to and how it went.
struct Sources: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each source's progress, last success, last error and row counts.")

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        let (config, sources) = try catching { try options.load() }
        var rows: [[TableRenderer.Cell]] = []
        var seen: Set<String> = []
        if FileManager.default.fileExists(atPath: config.store.path) {
            let db: DatabaseQueue
            do { db = try JourneyStore.openReadOnly(path: config.store.path) } catch { fail(.store("\(error)")) }
            let stored = try db.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT source, stream, status, cursor, last_success_at, last_error, records_total, read_total, quarantined_total
                    FROM sync_state ORDER BY source, stream = '*' DESC, stream
                    """)
            }
            for r in stored {
                let source: String = r[0]
                seen.insert(source)
                func text(_ i: Int) -> TableRenderer.Cell { (r[i] as String?).map { .text($0) } ?? .null }
                rows.append([text(0), text(1), text(2), text(3), text(4), text(5), .int(r[6]), .int(r[7]), .int(r[8])])
            }
        }
        for s in sources where !seen.contains(s.name) {
            rows.append([.text(s.name), .text(StreamScope.source.storedName), .text("never_run"), .null, .null, .null, .int(0), .int(0), .int(0)])
        }
        print(TableRenderer(
            columns: ["source", "stream", "status", "cursor", "last_success_at", "last_error", "records_total", "read_total", "quarantined_total"],
            rows: rows
        ).render(format))
    }
}
