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
        let store = openWritableStore(config)
        let service = PollingService(
            ingestor: Ingestor(store: store, batchSize: config.store.batchSize, identity: config.identity, logger: logger),
            sources: sources.filter { _ in true }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
