import Foundation
public import GRDB
public import JourneyModel
public import JourneyStore

/// The shared definitions as a deriver: after each batch, the persons it touched (and the
/// persons of the accounts it touched, whose opportunities they share) get their stage history,
/// current stage, lead score and follow-up clock recomputed from the whole of their journey.
public struct InsightsDeriver: Deriver {
    public let name = "insights"
    public let definitions: Definitions
    let engine: StageEngine
    let now: @Sendable () -> Timestamp

    public init(definitions: Definitions, now: @escaping @Sendable () -> Timestamp = { Timestamp(.now) }) {
        self.definitions = definitions
        engine = StageEngine(definitions)
        self.now = now
    }

    public func derive(_ work: DeriveWork, db: Database) throws {
        let persons: [String]
        if work.everything {
            persons = try String.fetchAll(db, sql: "SELECT person_id FROM persons ORDER BY person_id")
        } else {
            var set = work.persons
            // The batch says which accounts changed as a whole (company attributes, deals,
            // members); a person's own touch of an account is in `work.persons` already.
            let members = try db.cachedStatement(sql: "SELECT person_id FROM persons WHERE account_id = ?")
            for account in work.accounts { set.formUnion(try String.fetchAll(members, arguments: [account])) }
            persons = set.sorted()
        }
        _ = try apply(persons, db: db)
    }

    /// Recomputes every person (after the definitions changed); returns how many there are and
    /// how many now stand in another stage than before.
    public func recomputeAll(db: Database) throws -> (persons: Int, stageChanged: Int) {
        let persons = try String.fetchAll(db, sql: "SELECT person_id FROM persons ORDER BY person_id")
        return (persons.count, try apply(persons, db: db))
    }

    /// The same in one write transaction of `store`.
    public func recomputeAll(store: JourneyStore) async throws -> (persons: Int, stageChanged: Int) {
        try await store.pool.write { db in try recomputeAll(db: db) }
    }

    /// Derives and writes `persons`; returns how many changed stage.
    func apply(_ persons: [String], db: Database) throws -> Int {
        let at = now()
        var changed = 0
        for id in persons {
            guard let journey = try JourneyLoader.load(id, db: db) else { continue }
            let before = try String.fetchOne(db.cachedStatement(sql: "SELECT lifecycle_stage FROM persons WHERE person_id = ?"), arguments: [id])
            let result = engine.derive(journey, now: at)
            if before != result.stage?.rawValue { changed += 1 }
            try write(result, at: at, db: db)
        }
        return changed
    }

    func write(_ r: PersonInsights, at: Timestamp, db: Database) throws {
        let id = r.personId
        let now = at.iso8601
        try db.cachedStatement(sql: "DELETE FROM stage_history WHERE person_id = ?").execute(arguments: [id])
        for e in r.history {
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO stage_history (person_id, stage, entered_at, reason, rule, touchpoint_id) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [id, e.stage.rawValue, e.at.iso8601, e.reason, e.rule, e.touchpoint])
        }
        try db.cachedStatement(sql: "UPDATE persons SET lifecycle_stage = ?, score = ? WHERE person_id = ?")
            .execute(arguments: [r.stage?.rawValue, r.score.score, id])
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO lead_scores (person_id, score, fit, engagement, computed_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [id, r.score.score, r.score.fit, r.score.engagement, now])
        try db.cachedStatement(sql: "DELETE FROM score_facts WHERE person_id = ?").execute(arguments: [id])
        for f in r.score.facts {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO score_facts (person_id, kind, fact, points) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id, f.kind, f.fact, f.points])
        }
        if let f = r.followUp {
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO follow_ups (person_id, mql_at, due_at, owner, answered_at, answered_by, response_hours, status,
                  sales_touches, worked, computed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    id, f.mqlAt.iso8601, f.dueAt.iso8601, f.owner, f.answeredAt?.iso8601, f.answeredBy, f.responseHours.map(Scorer.round),
                    f.status.rawValue, f.salesTouches, f.worked, now,
                ])
        } else {
            try db.cachedStatement(sql: "DELETE FROM follow_ups WHERE person_id = ?").execute(arguments: [id])
        }
    }
}

/// Reads one person's journey from the store.
public enum JourneyLoader {
    public static func load(_ personId: String, db: Database) throws -> JourneyFacts? {
        guard let p = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT created_at, title, owner, account_id, country FROM persons WHERE person_id = ?"), arguments: [personId])
        else { return nil }
        let accountId: String? = p[3]
        // What the person's own records say about their company, the most recent non-empty value
        // of each field; the account's attributes, when it has them, come first.
        var company = CompanyProfile()
        var vendor: [VendorStage] = []
        for r in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT record_key, vendor_stage, coalesce(version_at, created_at), industry, employees, annual_revenue, country, sic_code
                FROM person_records WHERE person_id = ? ORDER BY coalesce(version_at, ''), record_key
                """),
            arguments: [personId])
        {
            if let v: String = r[1] { vendor.append(VendorStage(value: v, at: (r[2] as String?).flatMap(TimestampParser.utc.parse), recordKey: r[0])) }
            company.industry = r[3] ?? company.industry
            company.employees = r[4] ?? company.employees
            company.annualRevenue = r[5] ?? company.annualRevenue
            company.country = r[6] ?? company.country
            company.sicCode = r[7] ?? company.sicCode
        }
        vendor.sort { $0.recordKey < $1.recordKey }
        if let accountId, let a = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT industry, employees, annual_revenue, country, sic_code FROM accounts WHERE account_id = ?"),
            arguments: [accountId])
        {
            company = CompanyProfile(
                industry: a[0] ?? company.industry, employees: a[1] ?? company.employees, annualRevenue: a[2] ?? company.annualRevenue,
                country: a[3] ?? company.country, sicCode: a[4] ?? company.sicCode)
        }
        let touches = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT touchpoint_id, occurred_at, channel, action, side, campaign, content, owner FROM touchpoints
                WHERE person_id = ? ORDER BY occurred_at, touchpoint_id
                """),
            arguments: [personId]
        ).compactMap { row -> JourneyTouch? in
            guard let at = TimestampParser.utc.parse(row[1] as String) else { return nil }
            return JourneyTouch(id: row[0], at: at, channel: row[2], action: row[3], side: row[4], campaign: row[5], content: row[6], owner: row[7])
        }
        var opportunities: [OpportunityMilestone] = []
        if let accountId {
            for row in try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT touchpoint_id, occurred_at, action, coalesce(json_extract(attributes, '$.opportunity_id'), json_extract(attributes, '$.deal_id')) FROM touchpoints
                    WHERE account_id = ? AND action IN ('opportunity.created', 'opportunity.won', 'opportunity.lost')
                    """),
                arguments: [accountId])
            {
                guard let at = TimestampParser.utc.parse(row[1] as String) else { continue }
                let kind: OpportunityMilestone.Kind = switch row[2] as String {
                case "opportunity.created": .created
                case "opportunity.won": .won
                default: .lost
                }
                opportunities.append(OpportunityMilestone(kind: kind, at: at, touchpoint: row[0], opportunity: row[3]))
            }
            // A won deal known only from its record (an export without its history) dates from its close.
            let recorded = Set(opportunities.filter { $0.kind == .won }.compactMap(\.opportunity))
            for row in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT external_id, close_date FROM opportunities WHERE account_id = ? AND is_won = 1"),
                arguments: [accountId])
            {
                let external: String = row[0]
                guard !recorded.contains(external), let close = (row[1] as String?).flatMap(TimestampParser.utc.parse) else { continue }
                opportunities.append(OpportunityMilestone(kind: .won, at: close, touchpoint: nil, opportunity: external))
            }
        }
        return JourneyFacts(
            personId: personId, createdAt: (p[0] as String?).flatMap(TimestampParser.utc.parse), title: p[1], owner: p[2], country: p[4],
            account: company.isEmpty ? nil : company,
            vendorStages: vendor, touches: touches, opportunities: opportunities)
    }
}
