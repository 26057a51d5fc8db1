import Foundation
public import Connectors
import Identity
public import JourneyModel
public import JourneyStore
import Logging
import Metrics

/// What one source's pass came to, for the CLI and the logs.
public struct SourceOutcome: Sendable {
    public var source: String
    public var type: String
    public var report: PassReport
    /// True when the pass failed or was partial: `ingest` exits non-zero.
    public var failed: Bool { report.status == .failed || report.status == .partial }
}

/// Runs passes of sources into the store and keeps `sync_state` honest about each one.
public struct Ingestor: Sendable {
    public let store: JourneyStore
    public let batchSize: Int
    /// Identity resolution, run in each batch's transaction.
    public let identity: IdentityRules
    public let derive: DerivePipeline
    /// How long a pass's batches may queue derive work before the pass stops to derive it
    /// (`store.derive_every`); the pass derives at its end in any case.
    public let deriveEvery: Duration
    /// The smallest load a pass sets the person index aside for (`PersonIndex.minimumLoad` in
    /// `journeylake ingest`; tests lower it to make small loads bulk loads), nil for never: `serve`
    /// keeps it, as its API and dashboard read timelines and reports by person while it ingests.
    public let bulkLoadMinimum: Int?
    let logger: Logger

    /// Without a logger only warnings are logged (libraries stay quiet by default).
    public init(
        store: JourneyStore, batchSize: Int, identity: IdentityRules = .default, derivers: [any Deriver] = [],
        deriveEvery: Duration = .seconds(300), bulkLoadMinimum: Int? = nil, logger: Logger? = nil
    ) {
        let logger = logger ?? {
            var quiet = Logger(label: "journeylake.ingest")
            quiet.logLevel = .warning
            return quiet
        }()
        self.store = store
        self.batchSize = batchSize
        self.identity = identity
        self.derive = DerivePipeline(store: store, derivers: derivers, logger: logger)
        self.deriveEvery = deriveEvery
        self.bulkLoadMinimum = bulkLoadMinimum
        self.logger = logger
    }

    /// One pass over one source. Never throws: a failing source is recorded and reported, and the
    /// other sources go on. Without `deriveAtEnd` what the pass queued stays queued (durably) for
    /// the caller's `deriveQueued()`: a run over several sources derives once, after the last.
    public func run(
        _ source: any IngestSource, waitForSettling: Bool, shouldStop: @escaping @Sendable () -> Bool = { false },
        deriveAtEnd: Bool = true
    ) async -> SourceOutcome {
        let control = PassControl(batchSize: batchSize, waitForSettling: waitForSettling, shouldStop: shouldStop)
        // Work an earlier process left queued (it stopped between a batch and its derive) comes first.
        if deriveAtEnd { await derive.drain() }
        var report: PassReport
        do {
            let sink = StoreSink(
                store: store, identity: IdentityResolution(rules: identity), derive: derive,
                cadence: DeriveCadence(every: deriveEvery), bulkLoadMinimum: bulkLoadMinimum, logger: logger)
            report = try await source.runPass(sink: sink, control: control)
        } catch {
            report = PassReport()
            report.status = .failed
            report.errors.append((stream: .source, message: "\(error)"))
        }
        // A bulk load set the person index aside: built now, before anything reads by person. A
        // stopping daemon leaves it to its next start (opening the store builds it).
        if report.status != .stopped {
            do {
                let clock = ContinuousClock()
                let started = clock.now
                if try await store.ensurePersonIndex() {
                    let seconds = started.duration(to: clock.now)
                    logger.info("person index built after a bulk load", metadata: [
                        "source": "\(source.name)",
                        "seconds": "\(String(format: "%.3f", Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18))",
                    ])
                }
            } catch {
                report.status = .failed
                report.errors.append((stream: .source, message: "cannot build the person index after a bulk load: \(error)"))
            }
        }
        // Records refused as a forgotten person's may have shown that a person made earlier from
        // their activities is them: forgotten now, before anything is derived for them.
        do {
            let revealed = try IdentityMaintenance(store: store, rules: identity, queueDerive: true).forgetRevealed()
            if !revealed.isEmpty {
                logger.notice("forgot persons revealed by refused records", metadata: [
                    "source": "\(source.name)", "persons": "\(revealed.count)", "forget_ids": "\(revealed.map(\.forgetId))",
                ])
            }
        } catch {
            report.status = .failed
            report.errors.append((stream: .source, message: "cannot forget the persons refused records revealed: \(error)"))
        }
        // What the pass's batches queued is derived now. A pass that grew the store much may have
        // outdated what derivers learned from it: then everything is derived once with a fresh
        // model, which covers the queue. A stopping daemon must exit within its stop timeout, so
        // it leaves the work queued for its next start (which drains it first).
        if deriveAtEnd {
            switch report.status {
            case .stopped: break
            case .failed: await derive.drain()
            case .ok, .partial: await derive.refreshStale()
            }
        }
        let now = Timestamp(.now)
        do {
            let failedScopes = Set(report.errors.map(\.stream))
            for (scope, message) in report.errors {
                try store.recordFailure(source: source.name, stream: scope.storedName, error: message, at: now)
                logger.error("source failed", metadata: ["source": "\(source.name)", "stream": "\(scope)", "error": "\(message)"])
            }
            if report.status != .stopped {
                let succeeded = ([.source] + report.counts.keys.map(StreamScope.stream)).filter { !failedScopes.contains($0) }
                try store.recordSuccess(source: source.name, streams: succeeded.map(\.storedName), at: now)
            }
        } catch {
            report.status = .failed
            report.errors.append((stream: .source, message: "cannot record the pass in sync_state: \(error)"))
        }
        for (scope, _) in report.errors {
            Counter(label: "journeylake_stream_failures_total", dimensions: [("source", source.name), ("stream", scope.storedName)]).increment()
            Counter(label: MetricName.errors, dimensions: [("kind", scope == .source ? "source" : "stream")]).increment()
        }
        for (stream, c) in report.counts.sorted(by: { $0.key < $1.key }) {
            logger.info("pass", metadata: c.logMetadata.merging(["source": "\(source.name)", "stream": "\(stream)"]) { $1 })
        }
        return SourceOutcome(source: source.name, type: source.type, report: report)
    }

    /// Derives what passes run without `deriveAtEnd` left queued (and anything an earlier
    /// process left), with a fresh model when they grew the store enough to need one.
    public func deriveQueued() async {
        await derive.refreshStale()
    }
}
