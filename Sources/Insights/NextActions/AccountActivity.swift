import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// When each account had a buying group, for that feature: at least two people of the account
/// did something (a response, not a send or a receipt) in the 30 days up to a moment.
///
/// Held as spans of time per account, not as the responses: two responses of different people
/// at a ≤ b make a group for every moment in [b, a + 30 days), so one ordered pass over an
/// account's responses gives the merged spans. An account active all year is one span, so this
/// grows with accounts × the history's length in months, not with the number of touches.
struct AccountActivity {
    static let window: Int64 = 30 * 86_400_000

    /// A half-open stretch [start, end) in epoch milliseconds.
    struct Span: Equatable {
        var start: Int64
        var end: Int64
    }

    /// Per account: its buying-group spans in time order, disjoint and not touching.
    private(set) var spans: [String: [Span]] = [:]

    /// The same from journeys in memory.
    init(journeys: [(facts: JourneyFacts, account: String?)], before: Timestamp?) {
        let limit = before?.millisecondsSinceEpoch ?? .max
        var responses: [String: [(at: Int64, person: String)]] = [:]
        for (facts, account) in journeys {
            guard let account else { continue }
            for t in facts.touches where TouchKind.isResponse(t.action) && t.at.millisecondsSinceEpoch < limit {
                responses[account, default: []].append((t.at.millisecondsSinceEpoch, facts.personId))
            }
        }
        for (account, list) in responses {
            var builder = SpanBuilder()
            for r in list.sorted(by: { ($0.at, $0.person) < ($1.at, $1.person) }) { builder.add(at: r.at, person: r.person) }
            if !builder.spans.isEmpty { spans[account] = builder.spans }
        }
    }

    private init() {}

    /// Every response with an account and a person before `before` (nil: all), and from `since`
    /// on (nil: all; a derive that asks only about the last 30 days need not read the history).
    /// SQLite sorts the responses by account and time (spilling to temp files past the sorter's
    /// budget), so only the spans are held.
    static func load(_ db: Database, before: Timestamp?, since: Timestamp? = nil) throws -> AccountActivity {
        var activity = AccountActivity()
        // One definition of a response: the SQL filter asks `TouchKind` itself, before the sort.
        let isResponse = DatabaseFunction("journeylake_is_response", argumentCount: 1, pure: true) { values in
            guard let action = String.fromDatabaseValue(values[0]) else { return false }
            return TouchKind.isResponse(action)
        }
        db.add(function: isResponse)
        defer { db.remove(function: isResponse) }
        // A person belongs to the account the persons table says (as in `person_signals`). The
        // touchpoints are read in table order (`NOT INDEXED`): by person through the index, each
        // touch's action would be a random read of the table.
        let query = try HotStatement(db, sql: """
            SELECT p.account_id, t.person_id, t.occurred_at FROM touchpoints t NOT INDEXED JOIN persons p ON p.person_id = t.person_id
            WHERE p.account_id IS NOT NULL AND t.occurred_at >= ?1 AND (?2 IS NULL OR t.occurred_at < ?2)
              AND journeylake_is_response(t.action)
            ORDER BY p.account_id, t.occurred_at
            """)
        // Touch times are stored in one ISO-8601 form, so their text order is their time order.
        query.text(1, since?.iso8601 ?? "")
        query.text(2, before?.iso8601)
        defer { query.reset() }
        var account: String?
        var builder = SpanBuilder()
        var more = try JourneyScan.startingSorts(db) { try query.step() }
        while more {
            if let at = query.withUTF8(2, { TimestampParser.utc.parse(utf8: $0) }) ?? nil, let person = query.string(1) {
                if account.map({ JourneyScan.order(query, $0) != .same }) ?? true {
                    if let account, !builder.spans.isEmpty { activity.spans[account] = builder.spans }
                    account = query.string(0)
                    builder = SpanBuilder()
                }
                builder.add(at: at.millisecondsSinceEpoch, person: person)
            }
            more = try query.step()
        }
        if let account, !builder.spans.isEmpty { activity.spans[account] = builder.spans }
        return activity
    }

    /// Whether at least two people of `account` engaged in (time − 30 days, time].
    func buyingGroup(account: String?, at time: Int64) -> Bool {
        guard let account, let list = spans[account] else { return false }
        // The last span starting at or before `time`.
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].start <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 && time < list[lo - 1].end
    }

    /// Turns one account's responses, in time order, into merged spans.
    struct SpanBuilder {
        private(set) var spans: [Span] = []
        /// Who responded last, when, and the latest response of anyone else.
        private var lastPerson: String?
        private var lastAt: Int64 = .min
        private var otherAt: Int64?

        mutating func add(at: Int64, person: String) {
            // The latest earlier response by someone else: the pair that keeps a group longest.
            let partner = person == lastPerson ? otherAt : (lastPerson == nil ? nil : lastAt)
            if person != lastPerson {
                otherAt = lastPerson == nil ? nil : lastAt
                lastPerson = person
            }
            lastAt = at
            guard let partner, partner + AccountActivity.window > at else { return }
            let span = Span(start: at, end: partner + AccountActivity.window)
            if let last = spans.last, span.start <= last.end {
                spans[spans.count - 1].end = max(last.end, span.end)
            } else {
                spans.append(span)
            }
        }
    }

    /// How many people of one account engaged in (time − 30 days, time], counted up to 2, from
    /// `person_signals` (the incremental derive: no read of the account's touchpoints).
    static func engagedPeople(account: String, at time: Timestamp, db: Database) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: """
                SELECT count(*) FROM (SELECT 1 FROM person_signals
                  WHERE account_id = ? AND last_response_at > ? AND last_response_at <= ? LIMIT 2)
                """),
            arguments: [account, Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch - window).iso8601, time.iso8601]) ?? 0
    }

    /// Records a person's latest response at or before `time` (and their account), reading
    /// their touches backwards from `time` until the first response.
    static func refreshSignal(person: String, at time: Timestamp, db: Database) throws {
        let latest = try HotStatement(db, sql: "SELECT occurred_at, action FROM touchpoints WHERE person_id = ? AND occurred_at <= ? ORDER BY occurred_at DESC")
        latest.text(1, person)
        latest.text(2, time.iso8601)
        var found: String?
        while found == nil, try latest.step() {
            if let action = latest.string(1), TouchKind.isResponse(action) { found = latest.string(0) }
        }
        latest.reset()
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO person_signals (person_id, account_id, last_response_at)
            SELECT person_id, account_id, ? FROM persons WHERE person_id = ?
            """).execute(arguments: [found, person])
    }
}
