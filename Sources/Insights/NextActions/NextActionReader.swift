import Foundation
import GRDB
public import JourneyModel
import JourneyStore

/// One suggestion as the read surfaces show it (a row of `next_actions`, with whom it is for).
public struct NextActionRow: Sendable, Equatable {
    public var personId: String
    public var rank: Int
    public var action: String
    public var channel: String?
    public var side: String?
    public var score: Double
    public var reason: String
    /// A JSON object.
    public var evidence: String
    public var computedAt: String
    public var email: String?
    public var owner: String?
    public var stage: String?

    /// The contract's JSON object (`evidence` embedded as an object, not a string).
    public var json: String {
        var w = JSONObjectWriter()
        w.add("person_id", personId)
        w.addRaw("rank", json: String(rank))
        w.add("action", action)
        w.add("channel", channel)
        w.add("side", side)
        w.addRaw("score", json: NextActionEngine.number(score, 4))
        w.add("reason", reason)
        w.addRaw("evidence", json: evidence.isEmpty ? "{}" : evidence)
        w.add("computed_at", computedAt)
        return w.finish()
    }
}

/// Filters for a list of suggestions.
public struct NextActionFilter: Sendable, Equatable {
    public var owner: String?
    public var stage: String?
    public var action: String?
    public var person: String?
    public var limit: Int?

    public init(owner: String? = nil, stage: String? = nil, action: String? = nil, person: String? = nil, limit: Int? = nil) {
        self.owner = owner
        self.stage = stage
        self.action = action
        self.person = person
        self.limit = limit
    }
}

/// Read-only access to the next best actions: the stored ones, or computed as of a past date;
/// the backtest; the feedback report. One read-only connection; SQLite refuses every write on it.
public final class NextActionReader: Sendable {
    public let path: String
    private let db: DatabaseQueue
    public let definitions: Definitions

    public init(path: String, definitions: Definitions) throws {
        db = try JourneyReader.openReadOnly(path: path)
        self.path = path
        self.definitions = definitions
    }

    /// The stored suggestions: prospects with an urgent suggestion first, then by their best
    /// score; each prospect's suggestions together, by rank (`next_actions.priority`).
    public func list(_ filter: NextActionFilter) throws -> [NextActionRow] {
        try db.read { db in
            // By prospect (`f`, each one's first row, off the list indexes of migration 0024),
            // then each prospect's rows (`n`, through the view that gives their texts) by rank.
            var conditions = ["f.rank = 1"]
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let owner = filter.owner { conditions.append("f.owner = ?"); arguments.append(owner) }
            if let stage = filter.stage { conditions.append("f.stage = ?"); arguments.append(stage.lowercased()) }
            if let person = filter.person { conditions.append("f.person_id = ?"); arguments.append(person) }
            if let action = filter.action {
                conditions.append("f.person_id IN (SELECT person_id FROM next_action_rows WHERE action = ?)")
                arguments.append(action)
            }
            let limit = filter.limit.map { "LIMIT \(max(0, $0))" } ?? ""
            let sql = """
                SELECT n.person_id, n.rank, n.action, n.channel, n.side, n.score, coalesce(n.reason, ''), n.evidence, n.computed_at,
                       p.primary_email, n.owner, n.stage
                FROM next_action_rows f JOIN next_actions n ON n.person_id = f.person_id
                  LEFT JOIN persons p ON p.person_id = n.person_id
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY f.priority DESC, f.person_id, n.rank \(limit)
                """
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { r in
                NextActionRow(
                    personId: r[0], rank: r[1], action: r[2], channel: r[3], side: r[4], score: r[5] ?? 0, reason: r[6], evidence: r[7] ?? "{}",
                    computedAt: r[8], email: r[9], owner: r[10], stage: r[11])
            }
        }
    }

    /// Suggestions computed as of a past moment from the data before it alone (see `NextActionRun`).
    public func list(asOf: Timestamp, _ filter: NextActionFilter) throws -> [NextActionRow] {
        try db.read { db in
            let run = try NextActionRun.compute(db: db, definitions: definitions, asOf: asOf, live: false)
            let people = try Self.people(db)
            let stages = Dictionary(uniqueKeysWithValues: run.prospects.map { ($0.personId, $0.stage?.rawValue) })
            let rows = run.suggestions().map { s in
                NextActionRow(
                    personId: s.personId, rank: s.rank, action: s.action, channel: s.channel, side: s.side, score: s.score, reason: s.reason,
                    evidence: s.evidence, computedAt: asOf.iso8601, email: people[s.personId]?.email, owner: people[s.personId]?.owner,
                    stage: stages[s.personId] ?? nil)
            }
            return Self.order(rows, filter)
        }
    }

    /// The order and filters of `list`, for computed rows.
    static func order(_ rows: [NextActionRow], _ filter: NextActionFilter) -> [NextActionRow] {
        var byPerson: [String: [NextActionRow]] = [:]
        for r in rows { byPerson[r.personId, default: []].append(r) }
        let people = byPerson.filter { _, rs in
            let r = rs[0]
            return (filter.owner.map { $0 == r.owner } ?? true) && (filter.stage.map { $0.lowercased() == r.stage } ?? true)
                && (filter.person.map { $0 == r.personId } ?? true) && (filter.action.map { a in rs.contains { $0.action == a } } ?? true)
        }
        let ordered = people.sorted { a, b in
            let ua = a.value.contains { $0.evidence.contains("\"guardrail\"") }, ub = b.value.contains { $0.evidence.contains("\"guardrail\"") }
            if ua != ub { return ua }
            let sa = a.value.map(\.score).max() ?? 0, sb = b.value.map(\.score).max() ?? 0
            if sa != sb { return sa > sb }
            return a.key < b.key
        }.flatMap { $0.value.sorted { $0.rank < $1.rank } }
        return filter.limit.map { Array(ordered.prefix(max(0, $0))) } ?? ordered
    }

    static func people(_ db: Database) throws -> [String: (email: String?, owner: String?)] {
        var out: [String: (email: String?, owner: String?)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT person_id, primary_email, owner FROM persons") { out[row[0]] = (row[1], row[2]) }
        return out
    }

    /// The backtest as of a past moment (see `Backtest`).
    public func backtest(asOf: Timestamp, horizonMilliseconds: Int64, goal: NextActionGoal?, k: Int, seed: UInt64) throws -> BacktestReport {
        var defs = definitions
        defs.nextActions.horizonMilliseconds = horizonMilliseconds
        if let goal { defs.nextActions.goal = goal }
        return try db.read { db in
            let run = try NextActionRun.compute(db: db, definitions: defs, asOf: asOf, live: false, keepOutcomes: true)
            return Backtest(run: run, k: k, seed: seed).report()
        }
    }

    /// How suggestions fared: taken or not, converted or not, the holdout against the rest.
    public func feedback(_ period: ReportPeriod) throws -> FeedbackReport {
        try db.read { try FeedbackReport.load($0, period: period, definitions: definitions) }
    }
}
