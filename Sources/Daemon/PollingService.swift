import Foundation
public import Connectors
import Logging
public import ServiceLifecycle

/// `journeylake serve`: polls every source on its own interval until SIGTERM/SIGINT, stopping
/// between batches (the batch in flight commits whole).
public struct PollingService: Service {
    let ingestor: Ingestor
    let sources: [any IngestSource]
    let logger: Logger
    /// How often every person is derived again for what only time changes (SLA clocks, decay).
    let rederiveEvery: Duration

    public init(ingestor: Ingestor, sources: [any IngestSource], logger: Logger, rederiveEvery: Duration = .seconds(3600)) {
        self.ingestor = ingestor
        self.sources = sources
        self.logger = logger
        self.rederiveEvery = rederiveEvery
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var due = Dictionary(uniqueKeysWithValues: sources.map { ($0.name, clock.now) })
        var rederive = clock.now.advanced(by: rederiveEvery)
        logger.info("serving", metadata: ["sources": "\(sources.map(\.name).joined(separator: ","))"])
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            for source in sources where due[source.name]! <= clock.now {
                if Task.isShuttingDownGracefully { break }
                _ = await ingestor.run(source, waitForSettling: false, shouldStop: { Task.isShuttingDownGracefully || Task.isCancelled })
                due[source.name] = clock.now.advanced(by: source.pollInterval)
            }
            if clock.now >= rederive, !Task.isShuttingDownGracefully {
                await ingestor.derive.rederiveEverything()
                rederive = clock.now.advanced(by: rederiveEvery)
            }
            guard let next = (due.values + [rederive]).min() else { break }
            let wait = clock.now.duration(to: next)
            if wait > .zero {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            }
        }
        logger.info("stopped")
    }
}
