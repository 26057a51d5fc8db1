import Foundation
import JourneyModel

/// Turns mapped rows into a batch's items: the one path file and API sources share. A row becomes
/// a record with the raw text the raw zone keeps, or a quarantine entry with its reason and text.
struct BatchBuilder {
    let mapping: any RecordMapping
    private(set) var items: [WriteBatch.Item] = []

    init(mapping: any RecordMapping, capacity: Int) {
        self.mapping = mapping
        items.reserveCapacity(capacity)
    }

    var count: Int { items.count }

    /// Maps one row of `stream`. `payload` is the text kept as received (nil: the row's own JSON
    /// form, for tabular files); `rawText` is what a quarantine entry keeps; `position` is where a
    /// file row starts (see `QuarantinedInput.position`).
    mutating func add(
        _ row: SourceRow, stream: String, quarantineStream: String? = nil, payload: String? = nil, position: String? = nil, rawText: () -> String
    ) {
        switch mapping.map(row, stream: stream) {
        case .record(let externalId, let canonical):
            let (text, tabular) = payload.map { ($0, nil) } ?? row.rawPayload
            items.append(.record(IncomingRecord(
                stream: canonical.key.object, externalId: externalId, payload: text, tabular: tabular, contentHash: ContentHash.hex(text),
                origin: row.origin, canonical: canonical)))
        case .quarantine(let externalId, let reason):
            quarantine(
                stream: quarantineStream ?? stream, externalId: externalId, reason: reason, payload: rawText(), origin: row.origin, position: position)
        }
    }

    /// An input no mapping could see (a malformed row), or one it rejected.
    mutating func quarantine(
        stream: String, externalId: String? = nil, reason: QuarantineReason, payload: String, origin: String?, position: String? = nil
    ) {
        items.append(
            .quarantine(QuarantinedInput(stream: stream, externalId: externalId, reason: reason, payload: payload, origin: origin, position: position)))
    }

    /// The items so far, leaving the builder empty for the next batch.
    mutating func take() -> [WriteBatch.Item] {
        defer { items.removeAll(keepingCapacity: true) }
        return items
    }
}

/// Commits batches in order while the next one is being read: at most one commit in flight, so
/// reading and SQLite writing overlap on two cores without reordering anything. Each commit is
/// a child task of the pass's task group (`withCommitPipeline`), so none outlives the pass.
struct CommitPipeline {
    typealias Group = ThrowingTaskGroup<[String: StreamCounts], any Error>

    let sink: any BatchSink
    private var inFlight = false
    /// What the committed batches did, per stream.
    private(set) var totals: [String: StreamCounts] = [:]

    fileprivate init(sink: any BatchSink) { self.sink = sink }

    /// Starts committing `batch` once the batch before it has committed.
    mutating func submit(_ batch: WriteBatch, in group: inout Group) async throws {
        try await drain(&group)
        let sink = self.sink
        group.addTask { try await sink.commit(batch) }
        inFlight = true
    }

    /// Waits for the batch in flight, if any.
    mutating func drain(_ group: inout Group) async throws {
        guard inFlight else { return }
        inFlight = false
        if let counts = try await group.next() {
            for (stream, c) in counts { totals[stream, default: StreamCounts()] += c }
        }
    }
}

/// Runs `body` with a commit pipeline; every batch it submitted has committed when this returns.
func withCommitPipeline<Result: Sendable>(
    sink: any BatchSink,
    _ body: (inout CommitPipeline, inout CommitPipeline.Group) async throws -> Result
) async throws -> (Result, [String: StreamCounts]) {
    try await withThrowingTaskGroup(of: [String: StreamCounts].self) { group in
        var pipeline = CommitPipeline(sink: sink)
        let result = try await body(&pipeline, &group)
        try await pipeline.drain(&group)
        return (result, pipeline.totals)
    }
}
