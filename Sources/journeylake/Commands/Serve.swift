import ArgumentParser
import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyConfig
import JourneyStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `journeylake serve`: the daemon.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poll every source on its interval until SIGINT or SIGTERM.",
        discussion: "On a stop signal the batch in flight commits or rolls back whole, then the process exits 0.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        bootstrapLogging(default: .info)
        let (config, sources) = try catching { try options.load() }
        let logger = Logger(label: "journeylake")
        for section in config.sources where !section.enabled {
            logger.notice("source disabled (enabled: false); not polled", metadata: ["source": "\(section.name)"])
        }
        if !config.sources.contains(where: \.enabled) {
            fail(.config("\(options.path): every source is disabled (enabled: false); nothing to poll"))
        }
        let store = openWritableStore(config)
        let service = PollingService(
            ingestor: Ingestor(
                store: store, batchSize: config.store.batchSize, identity: config.identity, derivers: derivers(config), logger: logger),
            sources: sources.filter { s in config.sources.first { $0.name == s.name }?.enabled ?? true }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
