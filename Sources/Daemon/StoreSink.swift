import Connectors
import JourneyModel
import JourneyStore

/// The journey store as the destination of a source's batches: each batch commits with identity
/// resolved in its transaction, then the derivers see what it changed.
struct StoreSink: BatchSink {
    let store: JourneyStore
    let identity: any IdentityHook
    let derive: DerivePipeline

    func fileProgress(source: String) async throws -> [String: FileProgress] {
        try store.fileProgress(source: source)
    }

    func cursor(source: String, stream: String) async throws -> String? {
        try store.cursor(source: source, stream: stream)
    }

    func commit(_ batch: WriteBatch) async throws -> [String: StreamCounts] {
        let outcome = try await store.write(batch, identity: identity, queueDerive: derive.isActive)
        if outcome.changesDerivedData { await derive.drain() }
        return outcome.counts
    }
}
