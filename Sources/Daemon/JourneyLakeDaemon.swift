import Foundation
public import Connectors
public import Insights
public import JourneyConfig
import JourneyModel
public import JourneyStore
import Logging
import Metrics
public import Prometheus
public import QueryServer
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Everything `serve` runs under, loaded from one config file and checked: what a reload
/// replaces whole, or not at all.
public struct DaemonConfiguration: Sendable {
    public var config: JourneyLakeConfig
    /// Every configured source, built (disabled ones too: enabling one later cannot surprise).
    public var sources: [any IngestSource]
    public var definitions: Definitions
    public var derivers: [any Deriver]
    public var server: ServerSettings
    public var tokens: TokenFile
    public var scheduler: SchedulerSettings

    public init(
        config: JourneyLakeConfig, sources: [any IngestSource], definitions: Definitions, derivers: [any Deriver], server: ServerSettings,
        tokens: TokenFile, scheduler: SchedulerSettings
    ) {
        self.config = config
        self.sources = sources
        self.definitions = definitions
        self.derivers = derivers
        self.server = server
        self.tokens = tokens
        self.scheduler = scheduler
    }

    var enabledSources: [(source: any IngestSource, enabled: Bool)] {
        sources.map { s in (s, config.sources.first { $0.name == s.name }?.enabled ?? true) }
    }

    var serverConfiguration: ServerConfiguration {
        ServerConfiguration(
            settings: server, tokens: tokens, definitions: definitions,
            sources: config.sources.map { ConfiguredSource(name: $0.name, enabled: $0.enabled) })
    }
}

/// A config that could not be loaded, with the reason as the operator should read it (file,
/// line and key; never a secret).
public struct ConfigProblem: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The daemon `journeylake serve` runs: the scheduler and the HTTP API in one service group,
/// SIGHUP reloads, SIGTERM/SIGINT stop gracefully, and systemd hears about each step.
public struct JourneyLakeDaemon: Sendable {
    let store: JourneyStore
    let registry: PrometheusCollectorRegistry
    let notifier: SystemdNotifier
    let logger: Logger
    /// Loads and checks the config file again (SIGHUP); throws `ConfigProblem`.
    let load: @Sendable () throws -> DaemonConfiguration

    public init(
        store: JourneyStore, registry: PrometheusCollectorRegistry, notifier: SystemdNotifier = SystemdNotifier(), logger: Logger,
        load: @escaping @Sendable () throws -> DaemonConfiguration
    ) {
        self.store = store
        self.registry = registry
        self.notifier = notifier
        self.logger = logger
        self.load = load
    }

    /// Runs until SIGTERM or SIGINT: the batch in flight commits or rolls back whole, then this
    /// returns. Throws when the HTTP listener cannot be bound.
    public func run(_ initial: DaemonConfiguration) async throws {
        let metrics = try DaemonMetrics(registry: registry, storePath: store.path, logger: logger)
        let state = ServerState(initial.serverConfiguration)
        let notifier = self.notifier
        let logger = self.logger
        let scheduler = Scheduler(
            ingestor: ingestor(initial), sources: initial.enabledSources, settings: initial.scheduler, notifier: notifier, logger: logger,
            onPass: { outcome in notifier.notify(.status(Self.status(outcome))) })
        let reloader = Reloader(daemon: self, current: initial, scheduler: scheduler, state: state)
        let enabled = initial.sources.filter { s in initial.config.sources.first { $0.name == s.name }?.enabled ?? true }
        for section in initial.config.sources where !section.enabled {
            logger.notice("source disabled (enabled: false); not polled", metadata: ["source": "\(section.name)"])
        }
        let ready: @Sendable (String) -> Void = { listening in
            state.isReady = true
            logger.notice("ready", metadata: ["sources": "\(enabled.map(\.name).joined(separator: ","))", "listen": "\(listening)"])
            notifier.notify(.ready, .status("ready: \(enabled.count) source(s)\(listening.isEmpty ? "" : ", listening on \(listening)")"))
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // Shutdown runs in reverse: signals (not ready, STOPPING) → scheduler (the batch in
        // flight ends) → server (it answers reads until the pipeline has stopped).
        if initial.server.enabled {
            let server = QueryServer(
                storePath: store.path, state: state, sources: scheduler, metrics: metrics, logger: logger, feedback: scheduler, forgetting: scheduler,
                onListening: { host, port in ready(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)") })
            services.append(.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: scheduler, successTerminationBehavior: .gracefullyShutdownGroup))
        var readyWithoutServer: (@Sendable () -> Void)?
        if !initial.server.enabled { readyWithoutServer = { @Sendable in ready("") } }
        let signals = SignalService(reloader: reloader, state: state, notifier: notifier, logger: logger, readyWithoutServer: readyWithoutServer)
        services.append(.init(service: signals))
        // The service group's own debug lines describe every service's fields: info is enough.
        var lifecycleLogger = logger
        lifecycleLogger.logLevel = max(logger.logLevel, .info)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: lifecycleLogger))
        try await group.run()
        logger.notice("stopped")
    }

    func ingestor(_ configuration: DaemonConfiguration) -> Ingestor {
        Ingestor(
            store: store, batchSize: configuration.config.store.batchSize, identity: configuration.config.identity,
            derivers: configuration.derivers, deriveEvery: configuration.config.store.deriveEvery, logger: logger)
    }

    /// `STATUS=` after a pass: what `systemctl status` shows.
    static func status(_ outcome: SourceOutcome) -> String {
        let c = outcome.report.counts.values.reduce(into: StreamCounts()) { $0 += $1 }
        return "last pass: \(outcome.source) \(outcome.report.status.rawValue) (read \(c.read), new \(c.new), updated \(c.updated), "
            + "unchanged \(c.unchanged), quarantined \(c.quarantined)) at \(Timestamp(.now).iso8601)"
    }
}

/// Applies a reloaded config, or keeps the running one when the new one is broken.
final class Reloader: Sendable {
    let daemon: JourneyLakeDaemon
    let scheduler: Scheduler
    let state: ServerState
    private let current: Mutex<DaemonConfiguration>

    init(daemon: JourneyLakeDaemon, current: DaemonConfiguration, scheduler: Scheduler, state: ServerState) {
        self.daemon = daemon
        self.current = Mutex(current)
        self.scheduler = scheduler
        self.state = state
    }

    func reload() {
        let logger = daemon.logger
        daemon.notifier.notify(.reloading)
        let new: DaemonConfiguration
        do {
            new = try daemon.load()
        } catch {
            let reason = (error as? ConfigProblem)?.description ?? "\(error)"
            logger.error("reload failed; the running config stays in force", metadata: ["error": "\(reason)"])
            Counter(label: MetricName.reloads, dimensions: [("result", "failed")]).increment()
            Counter(label: MetricName.errors, dimensions: [("kind", "reload")]).increment()
            daemon.notifier.notify(.ready, .status("reload failed: \(reason.split(separator: "\n").first ?? "")"))
            return
        }
        var applied = new
        let old = current.withLock { $0 }
        if new.config.store.path != old.config.store.path {
            logger.warning("store.path changed: restart to use the new store; the running one stays open",
                           metadata: ["store": "\(old.config.store.path)"])
            applied.config.store = old.config.store
        }
        if (new.server.host, new.server.port, new.server.enabled) != (old.server.host, old.server.port, old.server.enabled) {
            logger.warning("server.listen or server.enabled changed: restart to apply; tokens and query limits are reloaded")
        }
        let definitionsChanged = new.definitions != old.definitions
        scheduler.apply(
            ingestor: daemon.ingestor(applied), sources: applied.enabledSources, settings: applied.scheduler, rederive: definitionsChanged)
        var server = applied.serverConfiguration
        server.settings.host = old.server.host
        server.settings.port = old.server.port
        state.replace(server)
        current.withLock { $0 = applied }
        Counter(label: MetricName.reloads, dimensions: [("result", "ok")]).increment()
        logger.notice("config reloaded", metadata: [
            "sources": "\(applied.sources.count)", "tokens": "\(applied.tokens.count)", "definitions_changed": "\(definitionsChanged)",
        ])
        daemon.notifier.notify(.ready, .status("reloaded: \(applied.sources.count) source(s)\(definitionsChanged ? "; re-deriving under the new definitions" : "")"))
    }
}

/// SIGHUP reloads; the start of graceful shutdown turns `/readyz` to 503 and tells systemd.
struct SignalService: Service {
    let reloader: Reloader
    let state: ServerState
    let notifier: SystemdNotifier
    let logger: Logger
    /// Without the HTTP API, start-up is done as soon as this runs.
    let readyWithoutServer: (@Sendable () -> Void)?

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        readyWithoutServer?()
        await cancelWhenGracefulShutdown {
            for await _ in hangups { reloader.reload() }
        }
        state.isReady = false
        notifier.notify(.stopping, .status("stopping: the batch in flight commits, then the store closes"))
    }
}
