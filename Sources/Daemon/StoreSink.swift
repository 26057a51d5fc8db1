import Connectors
import JourneyModel
import JourneyStore
import Logging
import Metrics
import Synchronization

/// The journey store as the destination of a source's batches: each batch commits with identity
/// resolved in its transaction, then the derivers see what it changed. Each commit is counted,
/// timed and logged (source, stream, batch number; never a record's content).
struct StoreSink: BatchSink {
    let store: JourneyStore
    let identity: any IdentityHook
    let derive: DerivePipeline
    /// When, within the pass, the queued derive work is done (see `StoreSettings.deriveEvery`).
    let cadence: DeriveCadence
    /// The smallest expected load the person index is set aside for; nil for never.
    var bulkLoadMinimum: Int?
    /// Batch lines are debug-level: quiet unless an operator asks.
    var logger = Logger(label: "journeylake.batch")
    /// Batches committed so far in this pass: the `batch` field of the log lines.
    let committed = BatchCounter()

    func fileProgress(source: String) async throws -> [String: FileProgress] {
        try store.fileProgress(source: source)
    }

    func cursor(source: String, stream: String) async throws -> String? {
        try store.cursor(source: source, stream: stream)
    }

    func commit(_ batch: WriteBatch) async throws -> [String: StreamCounts] {
        let start = ContinuousClock.now
        let outcome = try await store.write(batch, identity: identity, queueDerive: derive.isActive, onceInLoad: cadence.isHeld)
        let elapsed = ContinuousClock.now - start
        let number = committed.next()
        Metrics.Timer(label: MetricName.batchDuration, dimensions: [("source", batch.source)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(elapsed.nanoseconds)
        for (stream, c) in outcome.counts.sorted(by: { $0.key < $1.key }) {
            Self.count(c, source: batch.source, stream: stream)
            logger.debug("batch committed", metadata: c.logMetadata.merging([
                "source": "\(batch.source)", "stream": "\(stream)", "batch": "\(number)", "duration_ms": "\(elapsed.nanoseconds / 1_000_000)",
            ]) { $1 })
        }
        if outcome.changesDerivedData, cadence.isDue() {
            let started = ContinuousClock.now
            await derive.drain()
            cadence.derived(taking: ContinuousClock.now - started)
        }
        return outcome.counts
    }

    func expectLoad(source: String, records: Int) async throws {
        guard let bulkLoadMinimum else { return }
        if try await store.setPersonIndexAside(forLoadOf: records, minimumLoad: bulkLoadMinimum) {
            // The load's persons are derived once, at its end: an incremental derive in between
            // would read them by person and so build the index in the middle of the load, and a
            // full one rescans a store the load is still growing (the 10M bench's two in-pass
            // derives: 179 s and 267 s of a 1,582 s pass, then the end's full derive all over).
            cadence.holdUntilPassEnds()
            logger.info("person index set aside for a bulk load", metadata: ["source": "\(source)", "expected_records": "\(records)"])
        }
    }

    /// The record counters, per batch, so a long backfill shows progress before its pass ends.
    static func count(_ c: StreamCounts, source: String, stream: String) {
        if c.read > 0 { Counter(label: MetricName.recordsFetched, dimensions: [("source", source), ("stream", stream)]).increment(by: c.read) }
        for (outcome, n) in [("new", c.new), ("updated", c.updated), ("unchanged", c.unchanged), ("deleted", c.deleted),
                             ("quarantined", c.quarantined), ("suppressed", c.suppressed)] where n > 0 {
            Counter(label: MetricName.records, dimensions: [("source", source), ("stream", stream), ("outcome", outcome)]).increment(by: n)
        }
        for (code, n) in c.quarantinedByCode where n > 0 {
            Counter(label: MetricName.quarantined, dimensions: [("source", source), ("stream", stream), ("reason", code.rawValue)])
                .increment(by: n)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

/// Paces the derive within a pass: after a batch only once `every` has passed since the pass
/// began or last derived, so a backfill derives its persons a few times instead of once per batch.
/// The wait is at least twice the last derive's own time, so however large the store grows,
/// deriving in the middle of a pass takes at most a third of it. A bulk load holds it: nothing
/// is due until the pass ends.
final class DeriveCadence: Sendable {
    let every: Duration
    /// When the queued work is next due; nil once held for the rest of the pass.
    private let next: Mutex<ContinuousClock.Instant?>

    init(every: Duration) {
        self.every = every
        next = Mutex(ContinuousClock.now + every)
    }

    /// Whether the queued work is due to be derived now.
    func isDue() -> Bool {
        next.withLock { next in
            guard let next else { return false }
            return every <= .zero || ContinuousClock.now >= next
        }
    }

    /// Nothing is due for the rest of the pass, which derives at its end.
    func holdUntilPassEnds() {
        next.withLock { $0 = nil }
    }

    /// Whether the pass derives only at its end.
    var isHeld: Bool { next.withLock { $0 == nil } }

    /// A derive just ended, having taken `elapsed`.
    func derived(taking elapsed: Duration) {
        next.withLock { next in
            if next != nil { next = ContinuousClock.now + max(every, elapsed * 2) }
        }
    }
}

/// Numbers the batches of one pass (commits run one at a time, but on different tasks).
final class BatchCounter: Sendable {
    private let count = Mutex(0)

    func next() -> Int {
        count.withLock { n in
            n += 1
            return n
        }
    }
}
