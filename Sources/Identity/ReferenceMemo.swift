import GRDB
import JourneyModel
import JourneyStore
import Synchronization

/// Who holds an identifier, and that person's account, remembered from one batch to the next.
///
/// A backfill's batches name the same persons again and again (1M activities of 50,000 leads: a
/// batch of 5,000 rows names ~4,500 of them), and each batch looked every one of them up anew —
/// an identifier and a person, ~11 µs of the writer's time per touchpoint, a sixth of the pass.
/// What is kept is only ever an answer read from the store, and only while
/// `identity_generation` has not moved since (`IdentityGeneration`): each batch finds whether it
/// moved — by the last batch's own resolution or by anyone else (another process's `identity
/// undo`, `forget`) — and if so starts the memo over; a batch that rolled back keeps nothing.
final class ReferenceMemo: Sendable {
    /// One remembered answer: the identifier's person and the account that person had.
    struct Entry: Sendable {
        private let personId: CompactID
        private let accountId: CompactID?

        init(person: String, account: String?) {
            personId = CompactID(person)
            accountId = account.map(CompactID.init)
        }

        var person: String { personId.text }
        var account: String? { accountId?.text }
    }

    private struct State {
        var generation: Int64?
        var entries: [Identifier: Entry] = [:]
    }

    private let state = Mutex(State())
    /// At most this many answers: a memo that would grow past it starts over, so a pass over more
    /// persons than this keeps the recent ones rather than growing with the store. 98,304 is
    /// three quarters of 2¹⁷, the most a dictionary of 2¹⁷ slots holds; at ~72 bytes a slot (the
    /// identifier, and the two ids in `CompactID`s, off the heap) its slots are ~9.4 MB.
    let capacity: Int

    init(capacity: Int = 98_304) { self.capacity = capacity }

    /// The answers true at `generation`; when the memo holds another generation's, it drops them
    /// and starts over at this one.
    func open(at generation: Int64) -> [Identifier: Entry] {
        state.withLock { state in
            if state.generation != generation {
                state.generation = generation
                state.entries = [:]
            }
            return state.entries
        }
    }

    /// Keeps what a committed batch read at `generation`. If the batch itself moved the
    /// generation, the next `open` finds it moved and drops this with the rest, so the commit
    /// need not ask.
    func keep(_ learned: [Identifier: Entry], readAt generation: Int64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count + learned.count > capacity { state.entries = [:] }
            state.entries.merge(learned) { _, new in new }
        }
    }

    /// Registers the keeping of `learned` for when the current transaction commits; a rollback keeps
    /// nothing. A batch that read nothing from the store (every answer remembered, or a batch of
    /// new persons) registers nothing.
    func keepOnCommit(_ learned: [Identifier: Entry], readAt generation: Int64, db: Database) {
        guard !learned.isEmpty else { return }
        db.afterNextTransaction { [self] _ in keep(learned, readAt: generation) }
    }
}
