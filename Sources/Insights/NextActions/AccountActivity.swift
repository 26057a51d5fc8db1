import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// Who at each account engaged when, for the buying-group feature: at least two people of the
/// account did something (a response, not a send or a receipt) in the 30 days up to a moment.
struct AccountActivity {
    static let window: Int64 = 30 * 86_400_000

    /// Per account: responses in time order, with a number per person.
    private var byAccount: [String: [(at: Int64, person: Int32)]] = [:]
    private var personNumber: [String: Int32] = [:]

    /// The same from journeys in memory.
    init(journeys: [(facts: JourneyFacts, account: String?)], before: Timestamp?) {
        let limit = before?.millisecondsSinceEpoch ?? .max
        for (facts, account) in journeys {
            guard let account else { continue }
            let number = Int32(personNumber.count)
            personNumber[facts.personId] = number
            for t in facts.touches where TouchKind.isResponse(t.action) && t.at.millisecondsSinceEpoch < limit {
                byAccount[account, default: []].append((t.at.millisecondsSinceEpoch, number))
            }
        }
        for key in byAccount.keys { byAccount[key]!.sort { ($0.at, $0.person) < ($1.at, $1.person) } }
    }

    private init() {}

    /// Every response with an account and a person before `before` (nil: all), and from `since`
    /// on (nil: all; a derive that asks only about the last 30 days need not hold the history).
    static func load(_ db: Database, before: Timestamp?, since: Timestamp? = nil) throws -> AccountActivity {
        var activity = AccountActivity()
        // A person belongs to the account the persons table says (as in `person_signals`).
        let query = try HotStatement(db, sql: """
            SELECT p.account_id, t.person_id, t.occurred_at, t.action FROM touchpoints t JOIN persons p USING (person_id)
            WHERE p.account_id IS NOT NULL
            """)
        let limit = before?.millisecondsSinceEpoch ?? .max
        let start = since?.millisecondsSinceEpoch ?? .min
        var accounts: Set<String> = []
        try query.rows {
            guard let action = query.string(3), TouchKind.isResponse(action),
                let at = query.withUTF8(2, { TimestampParser.utc.parse(utf8: $0) }) ?? nil, at.millisecondsSinceEpoch < limit,
                at.millisecondsSinceEpoch >= start,
                var account = query.string(0), let person = query.string(1)
            else { return }
            if let known = accounts.firstIndex(of: account) { account = accounts[known] } else { accounts.insert(account) }
            let number: Int32
            if let n = activity.personNumber[person] { number = n } else {
                number = Int32(activity.personNumber.count)
                activity.personNumber[person] = number
            }
            activity.byAccount[account, default: []].append((at.millisecondsSinceEpoch, number))
        }
        for key in activity.byAccount.keys { activity.byAccount[key]!.sort { ($0.at, $0.person) < ($1.at, $1.person) } }
        return activity
    }

    /// Whether at least two people of `account` engaged in (time − 30 days, time].
    func buyingGroup(account: String?, at time: Int64) -> Bool {
        guard let account, let list = byAccount[account] else { return false }
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].at <= time - Self.window { lo = mid + 1 } else { hi = mid }
        }
        var first: Int32?
        var i = lo
        while i < list.count, list[i].at <= time {
            if let f = first { if list[i].person != f { return true } } else { first = list[i].person }
            i += 1
        }
        return false
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

    /// The same count from the index (the full derive).
    func engagedPeople(account: String, at time: Int64) -> Int {
        guard let list = byAccount[account] else { return 0 }
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].at <= time - Self.window { lo = mid + 1 } else { hi = mid }
        }
        guard lo < list.count, list[lo].at <= time else { return 0 }
        return buyingGroup(account: account, at: time) ? 2 : 1
    }

    /// Accounts with any response.
    var accounts: Dictionary<String, [(at: Int64, person: Int32)]>.Keys { byAccount.keys }
}
