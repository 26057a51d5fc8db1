import Foundation
import GRDB

// The paged reads the HTTP API serves. Pages are keyset pages: the cursor names the last row
// served, so a page never repeats or skips a row when rows are added between two requests.

/// One page of a list, and the cursor of the next page (nil on the last).
public struct Page<Item: Sendable & Codable>: Sendable, Codable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    /// Writes `nextCursor` as null on the last page, so clients test one field for the end.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// A page position: the sort key of the last row served, opaque to clients (base64url text).
public struct PageCursor: Sendable, Equatable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    /// Reads a cursor a client sent back; nil when it is not one this reader made.
    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        values = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
    }

    public var token: String {
        Data(values.joined(separator: "\u{1F}").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// One row of `next_actions` with the person it is for.
public struct StoredNextAction: Sendable, Equatable, Codable {
    public var personId: String
    public var rank: Int
    public var action: String
    public var channel: String?
    public var side: String?
    public var score: Double?
    public var reason: String
    /// JSON text: the rows behind the suggestion, as the deriver wrote them.
    public var evidence: String?
    public var computedAt: String
    public var primaryEmail: String?
    public var owner: String?
    public var lifecycleStage: String?
}

/// Which next actions to list.
public struct NextActionPageFilter: Sendable, Equatable {
    public var owner: String?
    public var stage: String?
    public var action: String?
    public var limit: Int
    public var after: PageCursor?

    public init(owner: String? = nil, stage: String? = nil, action: String? = nil, limit: Int = 100, after: PageCursor? = nil) {
        self.owner = owner
        self.stage = stage
        self.action = action
        self.limit = limit
        self.after = after
    }
}

extension JourneyReader {
    /// The person with this exact person id, if any.
    public func person(id: String) throws -> PersonSummary? {
        try read { db in try Row.fetchOne(db, sql: Self.personSQL + " WHERE p.person_id = ?", arguments: [id]).map(PersonSummary.init(row:)) }
    }

    /// Persons by person id; with `email`, only those known by that address (any case, as an
    /// identifier or as their primary email).
    public func persons(email: String?, limit: Int, after: PageCursor?) throws -> Page<PersonSummary> {
        try read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let email {
                let normalized = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                clauses.append("""
                    (p.primary_email = ? OR p.person_id IN (SELECT person_id FROM identifiers WHERE kind = 'email' AND value = ?))
                    """)
                arguments += [normalized, normalized]
            }
            if let last = after?.values.first {
                clauses.append("p.person_id > ?")
                arguments += [last]
            }
            let whereClause = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let rows = try Row.fetchAll(
                db, sql: Self.personSQL + whereClause + " ORDER BY p.person_id LIMIT ?", arguments: arguments + [limit + 1]
            ).map(PersonSummary.init(row:))
            let items = Array(rows.prefix(limit))
            return Page(items: items, nextCursor: rows.count > limit ? items.last.map { PageCursor([$0.personId]).token } : nil)
        }
    }

    /// One person's journey with a page of its timeline (oldest first); nil when there is no such person.
    public func journey(personId: String, limit: Int, after: PageCursor?) throws -> (journey: PersonJourney, nextCursor: String?)? {
        try read { db in
            guard let person = try Row.fetchOne(db, sql: Self.personSQL + " WHERE p.person_id = ?", arguments: [personId])
                .map(PersonSummary.init(row:))
            else { return nil }
            let identifiers = try Row.fetchAll(
                db, sql: "SELECT kind, value, source FROM identifiers WHERE person_id = ? ORDER BY kind, value", arguments: [personId]
            ).map { PersonIdentifier(kind: $0[0], value: $0[1], source: $0[2]) }
            var keyset = ""
            var arguments: StatementArguments = [personId]
            if let after, after.values.count == 2 {
                keyset = " AND (occurred_at, touchpoint_id) > (?, ?)"
                arguments += [after.values[0], after.values[1]]
            }
            let timeline = try Row.fetchAll(db, sql: """
                SELECT touchpoint_id, occurred_at, side, channel, action, campaign, content, source
                FROM touchpoints WHERE person_id = ?\(keyset) ORDER BY occurred_at, touchpoint_id LIMIT ?
                """, arguments: arguments + [limit + 1]
            ).map { TimelineEntry(touchpointId: $0[0], occurredAt: $0[1], side: $0[2], channel: $0[3], action: $0[4],
                                  campaign: $0[5], content: $0[6], source: $0[7]) }
            let links = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM person_merges WHERE undone_at IS NULL
                  AND record_key IN (SELECT record_key FROM person_records WHERE person_id = ?)
                """, arguments: [personId]) ?? 0
            let page = Array(timeline.prefix(limit))
            let next = timeline.count > limit ? page.last.map { PageCursor([$0.occurredAt, $0.touchpointId]).token } : nil
            return (PersonJourney(person: person, identifiers: identifiers, timeline: page, activeLinks: links), next)
        }
    }

    /// Next best actions, highest score first (then person and rank), with the person's owner
    /// and stage, filtered as asked.
    public func nextActions(_ filter: NextActionPageFilter) throws -> Page<StoredNextAction> {
        try read { db in
            // Conditions on the suggestion (action, the page's keyset), with a table prefix.
            func suggestion(_ t: String) -> (String, StatementArguments) {
                var clauses = ["1"]
                var arguments: StatementArguments = []
                if let action = filter.action { clauses.append("\(t)action = ?"); arguments += [action] }
                if let after = filter.after, after.values.count == 3, let rank = Int(after.values[2]) {
                    // score DESC puts NULLs last in SQLite: after a scored row come lower scores, then NULLs.
                    if let score = Double(after.values[0]) {
                        clauses.append("(\(t)score < ? OR \(t)score IS NULL OR (\(t)score = ? AND (\(t)person_id, \(t)rank) > (?, ?)))")
                        arguments += [score, score, after.values[1], rank]
                    } else {
                        clauses.append("(\(t)score IS NULL AND (\(t)person_id, \(t)rank) > (?, ?))")
                        arguments += [after.values[1], rank]
                    }
                }
                return (clauses.joined(separator: " AND "), arguments)
            }
            var personClauses = ["1"]
            var personArguments: StatementArguments = []
            if let owner = filter.owner { personClauses.append("p.owner = ?"); personArguments += [owner] }
            if let stage = filter.stage { personClauses.append("p.lifecycle_stage = ?"); personArguments += [stage] }
            let onPersons = personClauses.joined(separator: " AND ")
            let columns = """
                n.person_id, n.rank, n.action, n.channel, n.side, n.score, n.reason, n.evidence, n.computed_at,
                p.primary_email, p.owner, p.lifecycle_stage
                """
            let order = "ORDER BY n.score DESC, n.person_id, n.rank LIMIT ?"
            let index = filter.action == nil ? "next_actions_by_score" : "next_actions_by_action"
            let (inner, innerArguments) = suggestion("")
            let (outer, outerArguments) = suggestion("n.")
            // Persons first: the matching persons' suggestions, sorted. Its cost grows with the
            // persons the filter matches.
            func personsFirst() throws -> [Row] {
                try Row.fetchAll(db, sql: """
                    SELECT \(columns) FROM persons p CROSS JOIN next_actions n ON n.person_id = p.person_id
                    WHERE \(onPersons) AND \(outer) \(order)
                    """, arguments: personArguments + outerArguments + [filter.limit + 1])
            }
            // The walk: the next `budget` suggestions in page order, read off the index (keys
            // only), their persons filtered, the page's rows fetched whole at the end; nil when
            // the filter kept too few of them to fill the page and more were left (many persons
            // match, but few of them have suggestions).
            func walk(budget: Int) throws -> [Row]? {
                guard !personArguments.isEmpty else {
                    return try Row.fetchAll(db, sql: """
                        SELECT \(columns) FROM next_actions n INDEXED BY \(index) JOIN persons p USING (person_id)
                        WHERE \(outer) \(order)
                        """, arguments: outerArguments + [filter.limit + 1])
                }
                let rows = try Row.fetchAll(db, sql: """
                    SELECT \(columns) FROM (
                        SELECT k.person_id, k.rank FROM (
                            SELECT person_id, rank, score FROM next_actions INDEXED BY \(index) WHERE \(inner)
                            ORDER BY score DESC, person_id, rank LIMIT ?) k
                        CROSS JOIN persons p ON p.person_id = k.person_id WHERE \(onPersons)
                        ORDER BY k.score DESC, k.person_id, k.rank LIMIT ?) page
                    JOIN next_actions n ON n.person_id = page.person_id AND n.rank = page.rank
                    JOIN persons p ON p.person_id = n.person_id
                    \(order)
                    """, arguments: innerArguments + [budget] + personArguments + [filter.limit + 1, filter.limit + 1])
                if rows.count > filter.limit { return rows }
                let read = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT 1 FROM next_actions INDEXED BY \(index) WHERE \(inner) LIMIT ?)",
                    arguments: innerArguments + [budget]) ?? 0
                return read < budget ? rows : nil
            }
            // The walk's budgets: 50 rows read per row of the page, then 8 times more, then the
            // persons' own suggestions.
            let budget = 50 * (filter.limit + 1)
            var rows: [Row]
            if personArguments.isEmpty {
                rows = try walk(budget: budget) ?? []
            } else {
                // Few matching persons: read theirs. Else walk, and read theirs if the walk's
                // budget runs out (many persons match but few of them have suggestions).
                let persons = try Int.fetchOne(db, sql: "SELECT max(rowid) FROM persons") ?? 0  // O(log n) estimate
                let few = Int((Double(filter.limit + 1) * Double(persons)).squareRoot() / 2) + 1
                let matching = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM (SELECT 1 FROM persons p WHERE \(onPersons) LIMIT ?)", arguments: personArguments + [few]) ?? 0
                rows = try matching < few ? personsFirst() : (walk(budget: budget) ?? walk(budget: 8 * budget) ?? personsFirst())
            }
            let items = rows.prefix(filter.limit).map { r in
                StoredNextAction(personId: r[0], rank: r[1], action: r[2], channel: r[3], side: r[4], score: r[5], reason: r[6],
                              evidence: r[7], computedAt: r[8], primaryEmail: r[9], owner: r[10], lifecycleStage: r[11])
            }
            var next: String?
            if rows.count > filter.limit, let last = items.last {
                // An empty first value stands for a NULL score.
                next = PageCursor([last.score.map { String($0) } ?? "", last.personId, String(last.rank)]).token
            }
            return Page(items: Array(items), nextCursor: next)
        }
    }

    /// How many `next_actions` rows suggest each action (the daemon's suggestions gauge).
    public func nextActionCounts() throws -> [String: Int] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT action, count(*) FROM next_actions GROUP BY action")
                .reduce(into: [:]) { $0[$1[0] as String] = $1[1] as Int }
        }
    }

    static let personSQL = """
        SELECT p.person_id, p.primary_email, p.first_name, p.last_name, p.title, p.account_id, p.lifecycle_stage,
               p.score, p.owner, p.consent_email, p.created_at, p.updated_at, a.name, a.domain
        FROM persons p LEFT JOIN accounts a USING (account_id)
        """
}
