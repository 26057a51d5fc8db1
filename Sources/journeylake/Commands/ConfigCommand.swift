import ArgumentParser
import Foundation
import Insights
import JourneyModel
import JourneyStore
import JourneyConfig
import Connectors
import Daemon
import QueryServer

/// `journeylake config …`
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the config file.", subcommands: [Check.self])

    /// `journeylake config check`: validates without touching the store.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the config file; exit 78 with file, line and key when it is invalid.")

        @OptionGroup var options: ConfigOption
        @Flag(name: .long, help: "Also make one cheap authenticated call per source (a folder listing for file drops).")
        var connect = false

        func run() async throws {
            let (config, sources) = try catching { try options.load() }
            if let problem = StoreLocation.problem(writing: config.store.path) {
                fail(.config("\(options.path): store.path: \(problem)"))
            }
            let defs = definitions(config)
            // What only `serve` reads (server, tokens file, daemon) is checked too, so the
            // service's ExecStartPre and ExecReload refuse what serve would refuse.
            let daemon: DaemonConfiguration
            do {
                daemon = try loadDaemonConfiguration(path: options.path)
            } catch {
                fail(.config(error.description))
            }
            print("\(options.path): OK")
            print("store: \(config.store.path) (batch_size \(config.store.batchSize), derive_every \(QueryLimits.describe(config.store.deriveEvery)))")
            print("definitions: \(config.definitions == nil ? "defaults" : "from the config"); MQL at score \(Int(defs.mql.scoreThreshold)) with fit, or a hand-raise; follow-up within \(defs.sla.windowMilliseconds / 3_600_000)h")
            let n = defs.nextActions
            print("next actions: \(n.actions.map(\.name).joined(separator: ", ")); goal \(n.goal), horizon \(n.horizonMilliseconds / 86_400_000)d, holdout \(n.holdout)")
            let server = daemon.server
            print(server.enabled
                ? "server: \(server.listen), \(daemon.tokens.count) token(s)\(server.tokensFile.map { " from \($0)" } ?? " (no tokens file: only the open routes answer)"), query limit \(QueryLimits.describe(server.queryTimeout)) and \(server.queryMaxRows) rows"
                : "server: disabled")
            print("daemon: up to \(daemon.scheduler.maxConcurrentSources) source(s) at once, jitter \(Int(daemon.scheduler.jitter * 100))%, backoff up to \(QueryLimits.describe(daemon.scheduler.maxBackoff))")
            var failed = false
            for s in sources {
                let enabled = config.sources.first { $0.name == s.name }?.enabled ?? true
                var line = "source \(s.name): type \(s.type), every \(s.pollInterval)\(enabled ? "" : " (disabled)")"
                if connect {
                    do {
                        try await s.checkConnection()
                        line += ": connected"
                    } catch {
                        line += ": CANNOT CONNECT: \(error)"
                        failed = true
                    }
                }
                print(line)
            }
            if failed { throw ExitCode(1) }
        }
    }
}
