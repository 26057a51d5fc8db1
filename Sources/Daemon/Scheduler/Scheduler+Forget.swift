import Identity
public import JourneyStore
public import QueryServer

extension Scheduler: PersonForgetting {
    /// `POST /v1/forget` goes through the daemon's store writer, between batches, like
    /// `journeylake forget`; what it removed is derived at once.
    public func forget(_ who: String, anonymise: Bool, reason: String?) async throws -> ForgetAnswer {
        let ingestor = self.ingestor
        let identity = IdentityMaintenance(store: ingestor.store, rules: ingestor.identity, queueDerive: true)
        let done: ForgetRecord
        do {
            done = try await identity.forget(who, mode: anonymise ? .anonymise : .delete, reason: reason)
        } catch let e as ForgetError {
            switch e {
            case .nobodyMatches: return .nobody(e.description)
            case .ambiguous: return .ambiguous(e.description)
            }
        }
        await ingestor.derive.drain()
        return .forgotten(done)
    }
}
