import Connectors
import JourneyModel
import JourneyStore

/// The journey store as the destination of a source's batches.
struct StoreSink: BatchSink {
    let store: JourneyStore

    func fileProgress(source: String) async throws -> [String: FileProgress] {
        try store.fileProgress(source: source)
    }

    func cursor(source: String, stream: String) async throws -> String? {
        try store.cursor(source: source, stream: stream)
    }

    func commit(_ batch: WriteBatch) async throws -> [String: StreamCounts] {
        var counts = try await store.write(batch)
        // The store counts every quarantine item of the batch; the split by code comes from the same items.
        for (stream, codes) in batch.quarantineCodes { counts[stream, default: StreamCounts()].quarantinedByCode = codes }
        return counts
    }
}
