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

    /// A page of suggestions in the order every list shows them (`next_actions.priority`:
    /// urgent prospects first, then by their best score; a prospect's rows together by rank),
    /// filtered by the prospect's owner or stage or by the suggested action, each read off its
    /// own index in page order.
    public func nextActions(_ filter: NextActionPageFilter) throws -> Page<StoredNextAction> {
        try read { db in
            let query = Self.nextActionPage(filter)
            let rows = try Row.fetchAll(db, sql: query.sql, arguments: query.arguments)
            let items = rows.prefix(filter.limit).map { r in
                StoredNextAction(personId: r[0], rank: r[1], action: r[2], channel: r[3], side: r[4], score: r[5], reason: r[6],
                              evidence: r[7], computedAt: r[8], primaryEmail: r[9], owner: r[10], lifecycleStage: r[11])
            }
            var next: String?
            if rows.count > filter.limit, let last = rows.prefix(filter.limit).last {
                next = PageCursor([String(last[12] as Double), last[0], String(last[1] as Int)]).token
            }
            return Page(items: Array(items), nextCursor: next)
        }
    }

    /// The page query (one row more than the page, to tell whether another follows): a walk
    /// (`f`) down the filter's index — prospects, each one's first row (migration 0024), for
    /// the lists of everyone, by owner and by stage; suggestions for the list by action alone —
    /// reading each prospect's rows, or the suggestion itself, through the `next_actions` view
    /// (`n`). The cursor holds the order of the row walked by, so a page continues where the
    /// walk stopped.
    package static func nextActionPage(_ filter: NextActionPageFilter) -> (sql: String, arguments: StatementArguments) {
        let bySuggestion = filter.action != nil && filter.owner == nil && filter.stage == nil
        let index = filter.owner != nil ? "next_actions_by_owner" : filter.stage != nil ? "next_actions_by_stage"
            : bySuggestion ? "next_actions_by_action" : "next_actions_in_order"
        var clauses: [String] = bySuggestion ? [] : ["f.rank = 1"]
        var arguments: StatementArguments = []
        if let owner = filter.owner { clauses.append("f.owner = ?"); arguments += [owner] }
        if let stage = filter.stage { clauses.append("f.stage = ?"); arguments += [stage] }
        if let action = filter.action { clauses.append(bySuggestion ? "f.action = ?" : "n.action = ?"); arguments += [action] }
        if let after = filter.after, after.values.count == 3, let priority = Double(after.values[0]), let rank = Int(after.values[2]) {
            clauses.append("(f.priority < ? OR (f.priority = ? AND (f.person_id, n.rank) > (?, ?)))")
            arguments += [priority, priority, after.values[1], rank]
        }
        let sql = """
            SELECT n.person_id, n.rank, n.action, n.channel, n.side, n.score, coalesce(n.reason, ''), n.evidence, n.computed_at,
                   p.primary_email, n.owner, n.stage, f.priority
            FROM next_action_rows f INDEXED BY \(index)
              JOIN next_actions n ON n.person_id = f.person_id\(bySuggestion ? " AND n.rank = f.rank" : "")
              LEFT JOIN persons p ON p.person_id = n.person_id
            \(clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "))
            ORDER BY f.priority DESC, f.person_id, \(bySuggestion ? "f" : "n").rank LIMIT ?
            """
        return (sql, arguments + [filter.limit + 1])
    }

    /// How many `next_actions` rows suggest each action (the daemon's suggestions gauge).
    public func nextActionCounts() throws -> [String: Int] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT action, count(*) FROM next_action_rows GROUP BY action")
                .reduce(into: [:]) { $0[$1[0] as String] = $1[1] as Int }
        }
    }

    static let personSQL = """
        SELECT p.person_id, p.primary_email, p.first_name, p.last_name, p.title, p.account_id, p.lifecycle_stage,
               p.score, p.owner, p.consent_email, p.created_at, p.updated_at, a.name, a.domain
        FROM persons p LEFT JOIN accounts a USING (account_id)
        """
}
