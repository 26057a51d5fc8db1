public import Connectors
import Foundation
import Identity
public import JourneyModel
public import JourneyStore
import Logging

/// `journeylake reprocess`: maps what the raw zone holds again with today's mappings, in batches
/// through the same write path as ingest (identity, derive), and retries quarantined inputs.
///
/// Each batch commits its rows and the run's position together, so a run stopped at any moment
/// resumes after the last batch it committed, and mapping a record again is idempotent: nothing
/// is counted or written twice.
public struct Reprocessor: Sendable {
    public let store: JourneyStore
    public let batchSize: Int
    public let identity: IdentityRules
    public let derive: DerivePipeline
    /// How often a long replay stops to derive what it changed (`store.derive_every`); it
    /// derives at its end in any case.
    public let deriveEvery: Duration

    public init(
        store: JourneyStore, batchSize: Int, identity: IdentityRules = .default, derivers: [any Deriver] = [],
        deriveEvery: Duration = .seconds(300), logger: Logger? = nil
    ) {
        self.store = store
        self.batchSize = max(1, batchSize)
        self.identity = identity
        self.derive = DerivePipeline(store: store, derivers: derivers, logger: logger ?? Logger(label: "journeylake.reprocess"))
        self.deriveEvery = deriveEvery
    }

    /// What a run did for one stream.
    public struct Counts: Sendable, Equatable {
        /// Stored records mapped again.
        public var replayed = 0
        /// … whose live rows differ now.
        public var changed = 0
        public var unchanged = 0
        /// … that today's mapping reads as a delete.
        public var deleted = 0
        /// … that today's mapping rejects: out of the live tables, into `quarantine`.
        public var rejected = 0
        /// Quarantined inputs mapped again.
        public var retried = 0
        /// … that load now (they leave `quarantine`).
        public var recovered = 0
        /// … still rejected (their row stays, with today's reason).
        public var stillQuarantined = 0

        public init() {}
    }

    /// What a run over one source did.
    public struct Report: Sendable {
        public var source: String
        public var counts: [String: Counts] = [:]
        /// True when the run continued one that an earlier process left unfinished.
        public var resumed = false
        /// True when it stopped between batches on request; the next run resumes.
        public var stopped = false
        /// Quarantine rows holding raw text no mapping reads (their file must be read again).
        public var unreadableQuarantine = 0
    }

    /// Reprocesses `source`'s stored records (only `streams`, when not empty) with `replayer`.
    public func run(
        source: String, replayer: RecordReplayer, streams: Set<String> = [], restart: Bool = false,
        shouldStop: @Sendable () -> Bool = { false }
    ) async throws -> Report {
        let scope = streams.isEmpty ? "*" : streams.sorted().joined(separator: ",")
        var report = Report(source: source)
        var replayer = replayer
        // A replay rewrites many persons: derived on the ingest's cadence and at the end, not per batch.
        let sink = StoreSink(
            store: store, identity: IdentityResolution(rules: identity), derive: derive, cadence: DeriveCadence(every: deriveEvery))
        await derive.drain()
        var progress: ReplayProgress
        if !restart, let earlier = try store.replayProgress(source: source, scope: scope) {
            progress = earlier
            report.resumed = true
        } else {
            progress = ReplayProgress(scope: scope, phase: .records, afterRecord: nil, afterQuarantine: nil, startedAt: Timestamp(.now))
        }

        while progress.phase == .records {
            if shouldStop() {
                report.stopped = true
                return report
            }
            let versions = try store.storedVersions(source: source, streams: streams, after: progress.afterRecord, limit: batchSize)
            guard let last = versions.last else {
                progress.phase = .quarantine
                break
            }
            var items: [WriteBatch.Item] = []
            for v in versions {
                switch replayer.map(stream: v.stream, stored: v.payload, origin: v.origin, delivery: .replayed(recordKey: v.recordKey)) {
                case .record(let r):
                    items.append(.record(r))
                case .rejected(let externalId, let reason):
                    items.append(.quarantine(QuarantinedInput(
                        stream: v.stream, externalId: externalId ?? v.externalId, reason: reason, payload: replayer.text(of: v.payload),
                        origin: v.origin, replaces: .record(key: v.recordKey))))
                case .unreadable:
                    // The raw zone holds JSON objects and tabular rows; anything else cannot be mapped.
                    items.append(.quarantine(QuarantinedInput(
                        stream: v.stream, externalId: v.externalId, reason: QuarantineReason(.malformedJSON, "the stored version is not a JSON object"),
                        payload: replayer.text(of: v.payload), origin: v.origin, replaces: .record(key: v.recordKey))))
                }
            }
            progress.afterRecord = last.recordKey
            let counts = try await sink.commit(WriteBatch(source: source, fetchedAt: Timestamp(.now), items: items, replayProgress: progress))
            for (stream, c) in counts {
                report.counts[stream, default: Counts()].replayed += c.read
                report.counts[stream, default: Counts()].changed += c.updated
                report.counts[stream, default: Counts()].unchanged += c.unchanged
                report.counts[stream, default: Counts()].deleted += c.deleted
                report.counts[stream, default: Counts()].rejected += c.quarantined
            }
        }

        while true {
            if shouldStop() {
                report.stopped = true
                return report
            }
            let rows = try store.retryableQuarantine(
                source: source, streams: streams, after: progress.afterQuarantine, before: progress.startedAt, limit: batchSize)
            guard let last = rows.last else { break }
            var items: [WriteBatch.Item] = []
            for q in rows {
                switch replayer.map(stream: q.stream, payload: q.payload, origin: q.origin, delivery: .retried(quarantineId: q.id)) {
                case .record(let r):
                    items.append(.record(r))
                case .rejected(let externalId, let reason):
                    items.append(.quarantine(QuarantinedInput(
                        stream: q.stream, externalId: externalId ?? q.externalId, reason: reason, payload: q.payload, origin: q.origin,
                        position: q.position, replaces: .quarantineRow(id: q.id))))
                case .unreadable:
                    continue  // not selected: `retryableQuarantine` returns JSON objects only
                }
            }
            progress.phase = .quarantine
            progress.afterQuarantine = last.id
            // A retried row that loads is counted under its record's stream; one rejected again under its own.
            let counts = try await sink.commit(WriteBatch(source: source, fetchedAt: Timestamp(.now), items: items, replayProgress: progress))
            for (stream, c) in counts {
                report.counts[stream, default: Counts()].retried += c.read
                // A retried row about a forgotten person is dropped, not recovered.
                report.counts[stream, default: Counts()].recovered += c.read - c.quarantined - c.suppressed
                report.counts[stream, default: Counts()].stillQuarantined += c.quarantined
            }
        }
        report.unreadableQuarantine = try store.unreplayableQuarantine(source: source, streams: streams)
        try store.finishReplay(source: source, scope: scope)
        // Retried rows refused as a forgotten person's may have shown who else is them (as in ingest).
        _ = try IdentityMaintenance(store: store, rules: identity, queueDerive: true).forgetRevealed()
        await derive.drain()
        return report
    }
}
