import ArgumentParser
import Connectors
import Daemon
import Foundation
import Insights
import JourneyConfig
import JourneyStore
import Logging
import Metrics
import Prometheus
import QueryServer

/// `journeylake serve`: the daemon.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poll every source on its schedule and serve the HTTP API until SIGTERM or SIGINT.",
        discussion: """
            SIGHUP reloads the config (a broken one is refused and the running one stays). On a stop signal the batch in \
            flight commits or rolls back whole, then the process exits 0. Under systemd (Type=notify) it reports READY=1 once \
            the config is valid, the store open and the listener bound, a STATUS= line after each pass, and WATCHDOG=1 \
            from the scheduler loop when WatchdogSec is set.
            """)

    @OptionGroup var options: ConfigOption

    func run() async throws {
        bootstrapDaemonLogging(default: .info)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DaemonMetrics.factory(registry))
        let path = options.path
        let initial: DaemonConfiguration
        do {
            initial = try loadDaemonConfiguration(path: path)
        } catch {
            fail(.config(error.description))
        }
        if !initial.config.sources.contains(where: \.enabled) {
            fail(.config("\(path): every source is disabled (enabled: false); nothing to poll"))
        }
        let store = openWritableStore(initial.config)
        let daemon = JourneyLakeDaemon(store: store, registry: registry, logger: Logger(label: "journeylake")) {
            try loadDaemonConfiguration(path: path)
        }
        do {
            try await daemon.run(initial)
        } catch {
            // The listener could not be bound (address in use, not allowed): systemd restarts us.
            fail(.store("journeylake serve stopped: \(error)"))
        }
    }
}

/// Loads everything `serve` runs under; every problem (config, definitions, server, tokens
/// file, daemon) is a `ConfigProblem` naming the file and line, so `serve` exits 78 on it and a
/// reload keeps the running config.
func loadDaemonConfiguration(path: String) throws(ConfigProblem) -> DaemonConfiguration {
    do {
        let (config, sources) = try ConfigOption.load(path: path)
        let base = URL(fileURLWithPath: config.file).deletingLastPathComponent()
        let defs = try Definitions(node: config.definitions)
        let server = try ServerSettings(node: config.server, baseDirectory: base)
        let tokens = try server.tokensFile.map { try TokenFile.load(path: $0) } ?? .empty
        let scheduler = try SchedulerSettings(node: config.daemon)
        return DaemonConfiguration(
            config: config, sources: sources, definitions: defs, derivers: [InsightsDeriver(definitions: defs)], server: server,
            tokens: tokens, scheduler: scheduler)
    } catch let e as CLIError {
        if case .config(let m) = e { throw ConfigProblem(m) }
        throw ConfigProblem(e.description)
    } catch let e as ConfigError {
        throw ConfigProblem(e.description)
    } catch let e as ConfigErrors {
        throw ConfigProblem(e.description)
    } catch {
        throw ConfigProblem("\(error)")
    }
}
