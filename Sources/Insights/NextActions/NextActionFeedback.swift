import Foundation
public import GRDB
public import JourneyModel
public import JourneyStore

/// What a salesperson or marketer says about a suggestion: done (they took it) or dismissed
/// (they will not; it is not suggested again for `suppress_for`).
public enum SuggestionFeedback: String, Sendable, CaseIterable {
    case done, dismissed
}

/// Why feedback could not be recorded.
public enum FeedbackError: Error, CustomStringConvertible, Equatable {
    case noOpenSuggestion(person: String, action: String)

    public var description: String {
        switch self {
        case .noOpenSuggestion(let person, let action):
            return "\(person) has no open suggestion '\(action)' (see `journeylake next-actions`; a taken, ignored or withdrawn one cannot be marked)"
        }
    }
}

extension SuggestionFeedback {
    /// Marks the person's open suggestion of `action` and queues the person for the derivers, in
    /// the caller's write transaction.
    public func record(person: String, action: String, at: Timestamp, db: Database) throws {
        let updated = try db.cachedStatement(sql: """
            UPDATE next_action_log SET status = ?, status_at = ?
            WHERE person_id = ? AND action = ? AND status = 'open' AND holdout = 0
              AND suggested_at = (SELECT max(suggested_at) FROM next_action_log WHERE person_id = ? AND action = ? AND status = 'open')
            """)
        try updated.execute(arguments: [rawValue, at.iso8601, person, action, person, action])
        guard db.changesCount > 0 else { throw FeedbackError.noOpenSuggestion(person: person, action: action) }
        try DeriveQueue.enqueue(persons: [person], db: db, at: at.iso8601)
    }
}

extension SuggestionFeedback {
    /// The same in one write transaction of `store`.
    public func record(person: String, action: String, at: Timestamp, store: JourneyStore) async throws {
        try await store.pool.write { db in try record(person: person, action: action, at: at, db: db) }
    }
}
