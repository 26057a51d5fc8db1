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
/// `identity_generation` has not moved since (`IdentityGeneration`): a batch that moved it (its
/// own resolution) keeps nothing of what it read, a batch that rolled back keeps nothing, and a
/// batch that finds it moved by anyone else (another process's `identity undo`, `forget`) starts
/// the memo over.
final class ReferenceMemo: Sendable {
    /// One remembered answer: the identifier's person and the account that person had.
    struct Entry: Sendable {
        let person: String
        let account: String?
    }

    private struct State {
        var generation: Int64?
        var entries: [Identifier: Entry] = [:]
    }

    private let state = Mutex(State())
    /// At most this many answers (~200 bytes each): a memo that would grow past it starts over, so
    /// a pass over more persons than this keeps the recent ones rather than growing with the store.
    let capacity: Int

    init(capacity: Int = 65_536) { self.capacity = capacity }

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

    /// Keeps what a committed batch read at `generation`, if the generation it committed at is the
    /// same (nothing it read changed before the commit); otherwise starts over at the new one.
    func keep(_ learned: [Identifier: Entry], readAt generation: Int64, committedAt committed: Int64) {
        state.withLock { state in
            guard committed == generation, state.generation == generation else {
                state.generation = committed
                state.entries = [:]
                return
            }
            if state.entries.count + learned.count > capacity { state.entries = [:] }
            state.entries.merge(learned) { _, new in new }
        }
    }

    /// Registers the keeping of `learned` for when the current transaction commits; a rollback keeps nothing.
    func keepOnCommit(_ learned: [Identifier: Entry], readAt generation: Int64, db: Database) {
        db.afterNextTransaction { [self] db in
            // Read after the commit: it tells whether anything this batch did moved the number.
            let committed = (try? IdentityGeneration.current(db)) ?? generation &+ 1
            keep(learned, readAt: generation, committedAt: committed)
        }
    }
}
