import Connectors
import Daemon
import Foundation
import Insights
import JourneyConfig
import JourneyModel
import JourneyStore
import JourneyTesting
import Logging
import Prometheus
import QueryServer
import ServiceLifecycle
import Synchronization
import Testing

/// A real store (the three vendors' sample exports), a tokens file with one token per scope, and
/// the real server on 127.0.0.1:0 in this process.
struct APIFixture {
    let workspace: Workspace
    let client: HTTPTestClient
    let tokens: [TokenScope: String]

    var anonymous: HTTPTestClient { client.with(token: nil) }
    func client(_ scope: TokenScope) -> HTTPTestClient { client.with(token: tokens[scope]) }

    /// Runs `body` against a fresh server; stops it afterwards.
    static func with(
        settings: ServerSettings = ServerSettings(host: "127.0.0.1", port: 0), prepare: (Workspace) throws -> Void = { _ in },
        _ body: (APIFixture) async throws -> Void
    ) async throws {
        let ws = try await Workspace.sampleStore(derivers: Workspace.cliDerivers)
        try prepare(ws)
        var tokens: [TokenScope: String] = [:]
        var lines = ["# one line per token"]
        for scope in TokenScope.allCases {
            let token = TokenFile.generateToken()
            tokens[scope] = token
            lines.append(TokenFile.line(for: token, scope: scope))
        }
        let tokenFile = try TokenFile.parse(lines.joined(separator: "\n"), file: "tokens")
        var logger = Logger(label: "api-test")
        logger.logLevel = .critical
        let (config, sources) = try ws.sources("  - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}\n")
        let state = ServerState(ServerConfiguration(
            settings: settings, tokens: tokenFile, definitions: Definitions(),
            sources: config.sources.map { ConfiguredSource(name: $0.name, enabled: $0.enabled) }))
        state.isReady = true
        let scheduler = Scheduler(
            ingestor: Ingestor(store: try JourneyStore(path: ws.storePath), batchSize: 1000), sources: sources.map { ($0, true) },
            settings: SchedulerSettings(), notifier: SystemdNotifier(environment: [:]), logger: logger)
        let metrics = try DaemonMetrics(registry: PrometheusCollectorRegistry(), storePath: ws.storePath, logger: logger)
        let port = Mutex(0)
        let server = QueryServer(
            storePath: ws.storePath, state: state, sources: scheduler, metrics: metrics, logger: logger,
            onListening: { _, p in port.withLock { $0 = p } })
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await group.run() }
        var waited = 0
        while port.withLock({ $0 }) == 0 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
            try #require(waited < 3000, "the server did not start")
        }
        let client = HTTPTestClient(baseURL: URL(string: "http://127.0.0.1:\(port.withLock { $0 })")!)
        do {
            try await body(APIFixture(workspace: ws, client: client, tokens: tokens))
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}
