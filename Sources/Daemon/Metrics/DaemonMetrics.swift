import Connectors
import Foundation
import JourneyModel
import JourneyStore
import Logging
import Metrics
import Synchronization
public import Prometheus
public import QueryServer

/// Every metric the daemon publishes, by name, in one place (labels: `source`, `stream`,
/// `outcome`, `reason`, `kind`, `action`, `route`, `method`, `status` — all bounded by the
/// config or by code, never an id, an email or a URL).
public enum MetricName {
    /// Records read from a source, per source and stream.
    public static let recordsFetched = "journeylake_records_fetched_total"
    /// Records by what storing them did: new, updated, deleted (written), unchanged, quarantined, suppressed.
    public static let records = "journeylake_records_total"
    public static let quarantined = "journeylake_quarantined_total"
    public static let batchDuration = "journeylake_batch_duration_seconds"
    /// now − where the stream's cursor stands (API streams) or its last successful pass (files).
    public static let sourceLag = "journeylake_source_lag_seconds"
    /// Failures by kind: source, stream, derive, reload.
    public static let errors = "journeylake_errors_total"
    public static let storeSize = "journeylake_store_size_bytes"
    public static let deriveDuration = "journeylake_derive_duration_seconds"
    /// Rows of `next_actions`, by action.
    public static let suggestions = "journeylake_next_actions"
    public static let reloads = "journeylake_reloads_total"
}

/// The daemon's Prometheus registry and what `/metrics` serves: counters and histograms as the
/// pipeline records them (through swift-metrics), and gauges read from the store at scrape time.
public final class DaemonMetrics: MetricsExporting {
    public let registry: PrometheusCollectorRegistry
    let storePath: String
    let reader: JourneyReader
    let logger: Logger
    private let seenActions = Mutex<Set<String>>([])

    /// `registry` must be the one `MetricsSystem` was bootstrapped with, so what the pipeline
    /// counts shows up here.
    public init(registry: PrometheusCollectorRegistry, storePath: String, logger: Logger) throws {
        self.registry = registry
        self.storePath = storePath
        self.reader = try JourneyReader(path: storePath)
        self.logger = logger
    }

    /// The factory `serve` bootstraps swift-metrics with: batch and derive durations get buckets
    /// that fit them (a batch takes tens of milliseconds to seconds).
    public static func factory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let slow: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60)]
        factory.durationHistogramBuckets[MetricName.batchDuration] = slow
        factory.durationHistogramBuckets[MetricName.deriveDuration] = slow
        return factory
    }

    public func exposition() async -> String {
        refreshGauges()
        return registry.emitToString()
    }

    /// Store size, suggestions by action and source lag, read now.
    func refreshGauges() {
        let size = ["", "-wal"].compactMap { suffix in
            (try? FileManager.default.attributesOfItem(atPath: storePath + suffix))?[.size] as? Int64
        }.reduce(0, +)
        registry.makeGauge(name: MetricName.storeSize).set(Double(size))
        do {
            let counts = try reader.nextActionCounts()
            // An action no row suggests any more reads 0, not its last count.
            let actions = seenActions.withLock { seen in
                seen.formUnion(counts.keys)
                return seen
            }
            for action in actions {
                registry.makeGauge(name: MetricName.suggestions, labels: [("action", action)]).set(Double(counts[action] ?? 0))
            }
            let now = Timestamp(.now)
            for row in try reader.syncState() where row.stream != StreamScope.source.storedName {
                guard let at = Self.cursorTime(row) else { continue }
                registry.makeGauge(name: MetricName.sourceLag, labels: [("source", row.source), ("stream", row.stream)])
                    .set(Double(now.millisecondsSinceEpoch - at.millisecondsSinceEpoch) / 1000)
            }
        } catch {
            logger.warning("cannot read the store for metrics", metadata: ["error": "\(error)"])
        }
    }

    /// The time a stream's cursor stands at: an API stream's window start (epoch milliseconds
    /// or an ISO time), else (a file stream's file@offset) its last successful pass.
    static func cursorTime(_ row: SyncStateRow) -> Timestamp? {
        if let state = StreamState.parse(row.cursor), let since = state.since {
            if let ms = Int64(since) { return Timestamp(millisecondsSinceEpoch: ms) }
            if let t = TimestampParser.utc.parse(since) { return t }
        }
        return row.lastSuccessAt.flatMap { TimestampParser.utc.parse($0) }
    }
}
