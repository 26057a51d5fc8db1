import GRDB
import GRDBSQLite

/// Stops a statement once SQLite has spent its time limit executing it.
///
/// SQLite calls a progress handler every few thousand virtual-machine instructions, also in the
/// middle of one long `sqlite3_step` (a `count(*)` over a runaway recursion never returns a row),
/// and stops the statement with SQLITE_INTERRUPT when the handler says so. Only time inside
/// `step` is counted, so a slow consumer of the rows is not mistaken for a slow query. The clock
/// is per call and the handler per connection, so nothing is shared between queries.
final class StatementClock {
    /// Instructions between two looks at the clock: frequent enough to stop within milliseconds,
    /// rare enough to cost nothing measurable.
    private static let instructionsPerCheck: Int32 = 10_000

    private let limit: Duration
    private var spent: Duration = .zero
    private var stepStartedAt: ContinuousClock.Instant?
    private(set) var expired = false

    private init(limit: Duration) { self.limit = limit }

    /// Runs `body` with the progress handler installed on `db`'s connection (none when `limit`
    /// is nil or zero) and turns the interrupt it causes into `QueryError.timeLimitExceeded`.
    static func limiting<T>(_ db: Database, to limit: Duration?, sql: String, _ body: (StatementClock) throws -> T) throws -> T {
        let clock = StatementClock(limit: limit ?? .zero)
        guard clock.limit > .zero, let connection = db.sqliteConnection else { return try body(clock) }
        // passUnretained: `clock` outlives the handler, which is removed before this returns.
        sqlite3_progress_handler(connection, instructionsPerCheck, { context in
            guard let context else { return 0 }
            return Unmanaged<StatementClock>.fromOpaque(context).takeUnretainedValue().shouldStop() ? 1 : 0
        }, Unmanaged.passUnretained(clock).toOpaque())
        defer { sqlite3_progress_handler(connection, 0, nil, nil) }
        do {
            return try body(clock)
        } catch let error as DatabaseError where clock.expired && error.resultCode == .SQLITE_INTERRUPT {
            throw QueryError.timeLimitExceeded(limit: clock.limit, sql: sql)
        }
    }

    /// One `sqlite3_step` (what `body` does), timed.
    func step<T>(_ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        stepStartedAt = start
        defer {
            spent += ContinuousClock.now - start
            stepStartedAt = nil
        }
        return try body()
    }

    private func shouldStop() -> Bool {
        guard let stepStartedAt else { return false }
        if spent + (ContinuousClock.now - stepStartedAt) >= limit { expired = true }
        return expired
    }
}
