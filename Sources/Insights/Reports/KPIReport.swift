import Foundation
public import GRDB
import JourneyModel

/// The numbers both teams watch for a period.
public struct KPIReport: Sendable, Equatable, Encodable {
    /// Persons who became MQL in the period.
    public var mqls = 0
    /// Persons who became SQL in the period.
    public var sqls = 0
    /// Of the period's MQLs, the share that reached SQL (at any time since); nil without MQLs.
    public var mqlToSQLRate: Double?
    /// Opportunities created in the period.
    public var opportunities = 0
    /// Their amount.
    public var pipelineCreated = 0.0
    /// Amount of the opportunities won in the period.
    public var wonRevenue = 0.0
    /// Pipeline whose account's first touch before the opportunity was marketing's.
    public var marketingSourcedPipeline = 0.0
    /// … sales'.
    public var salesSourcedPipeline = 0.0
    /// … with no touch of the account's people before it.
    public var unsourcedPipeline = 0.0
    /// Of the persons who became SQL in the period: mean touches (each event once) before it.
    public var touchesPerConvertedLead: Double?

    enum CodingKeys: String, CodingKey {
        case mqls, sqls, opportunities
        case mqlToSQLRate = "mql_to_sql_rate"
        case pipelineCreated = "pipeline_created"
        case wonRevenue = "won_revenue"
        case marketingSourcedPipeline = "marketing_sourced_pipeline"
        case salesSourcedPipeline = "sales_sourced_pipeline"
        case unsourcedPipeline = "unsourced_pipeline"
        case touchesPerConvertedLead = "touches_per_converted_lead"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mqls, forKey: .mqls)
        try c.encode(sqls, forKey: .sqls)
        try c.encode(mqlToSQLRate, forKey: .mqlToSQLRate)
        try c.encode(opportunities, forKey: .opportunities)
        try c.encode(pipelineCreated, forKey: .pipelineCreated)
        try c.encode(wonRevenue, forKey: .wonRevenue)
        try c.encode(marketingSourcedPipeline, forKey: .marketingSourcedPipeline)
        try c.encode(salesSourcedPipeline, forKey: .salesSourcedPipeline)
        try c.encode(unsourcedPipeline, forKey: .unsourcedPipeline)
        try c.encode(touchesPerConvertedLead, forKey: .touchesPerConvertedLead)
    }

    public func json() throws -> String { try ReportJSON.encode(self) }

    /// Engagement actions: what counts as a touch of a person (not receipts, no-shows or deal events).
    static func isTouch(_ action: String, conversions: Set<String>) -> Bool {
        !(action == "email.delivered" || action.hasSuffix(".no_show") || action.hasPrefix("opportunity.") || conversions.contains(action))
    }

    public static func load(_ db: Database, period: ReportPeriod, definitions: Definitions) throws -> KPIReport {
        var r = KPIReport()
        func entries(_ stage: Stage) throws -> [String: Timestamp] {
            var out: [String: Timestamp] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT person_id, entered_at FROM stage_history WHERE stage = ?", arguments: [stage.rawValue]) {
                if let t = TimestampParser.utc.parse(row[1] as String) { out[row[0]] = t }
            }
            return out
        }
        let mql = try entries(.mql), sql = try entries(.sql)
        let periodMQLs = mql.filter { period.contains($0.value) }
        r.mqls = periodMQLs.count
        let periodSQLs = sql.filter { period.contains($0.value) }
        r.sqls = periodSQLs.count
        if r.mqls > 0 { r.mqlToSQLRate = Scorer.round(Double(periodMQLs.keys.filter { sql[$0] != nil }.count) / Double(r.mqls) * 10_000) / 10_000 }

        // Deals: one creation and at most one win per opportunity (the store keeps each once).
        for row in try Row.fetchAll(db, sql: """
            SELECT t.occurred_at, t.value, t.account_id, o.amount FROM touchpoints t
            LEFT JOIN opportunities o ON o.external_id = coalesce(json_extract(t.attributes, '$.opportunity_id'), json_extract(t.attributes, '$.deal_id'))
            WHERE t.action = 'opportunity.created' ORDER BY t.touchpoint_id
            """) {
            guard let at = TimestampParser.utc.parse(row[0] as String), period.contains(at) else { continue }
            let amount: Double = row[1] ?? row[3] ?? 0
            r.opportunities += 1
            r.pipelineCreated += amount
            let account: String? = row[2]
            var side: String?
            if let account {
                side = try String.fetchOne(db, sql: """
                    SELECT t.side FROM touchpoints t JOIN persons p ON p.person_id = t.person_id
                    WHERE p.account_id = ? AND t.occurred_at < ? AND t.action NOT LIKE 'opportunity.%' AND t.action <> 'email.delivered'
                      AND t.action NOT LIKE '%.no_show'
                    ORDER BY t.occurred_at, t.touchpoint_id LIMIT 1
                    """, arguments: [account, row[0] as String])
            }
            switch side {
            case "marketing": r.marketingSourcedPipeline += amount
            case "sales": r.salesSourcedPipeline += amount
            default: r.unsourcedPipeline += amount
            }
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT t.occurred_at, t.value, o.amount FROM touchpoints t
            LEFT JOIN opportunities o ON o.external_id = coalesce(json_extract(t.attributes, '$.opportunity_id'), json_extract(t.attributes, '$.deal_id'))
            WHERE t.action IN (SELECT value FROM json_each(?)) ORDER BY t.touchpoint_id
            """, arguments: [Self.jsonList(definitions.conversions)]) {
            guard let at = TimestampParser.utc.parse(row[0] as String), period.contains(at) else { continue }
            r.wonRevenue += (row[1] as Double?) ?? (row[2] as Double?) ?? 0
        }

        // Touches before SQL, each event once: one pass over the SQL persons' touches.
        var before: [String: [(id: String, at: Timestamp, action: String, campaign: String?)]] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT t.person_id, t.touchpoint_id, t.occurred_at, t.action, t.campaign
            FROM touchpoints t JOIN stage_history h ON h.person_id = t.person_id AND h.stage = 'sql'
            WHERE t.occurred_at < h.entered_at
            """)
        while let row = try rows.next() {
            let person: String = row[0]
            guard let sqlAt = periodSQLs[person], let at = TimestampParser.utc.parse(row[2] as String), at < sqlAt else { continue }
            let action: String = row[3]
            guard isTouch(action, conversions: definitions.conversions) else { continue }
            before[person, default: []].append((row[1], at, action, row[4]))
        }
        var touchCounts: [Int] = []
        for person in periodSQLs.keys.sorted() {
            let touches = before[person] ?? []
            let kept = EventDeduplication.keep(
                touches, key: { EventDeduplication.key(person: person, action: $0.action, campaign: $0.campaign, atSecond: $0.at.millisecondsSinceEpoch / 1000) },
                at: { $0.at.millisecondsSinceEpoch }, id: { $0.id })
            touchCounts.append(kept.count)
        }
        if !touchCounts.isEmpty { r.touchesPerConvertedLead = Scorer.round(Double(touchCounts.reduce(0, +)) / Double(touchCounts.count)) }
        r.pipelineCreated = Scorer.round(r.pipelineCreated)
        r.wonRevenue = Scorer.round(r.wonRevenue)
        return r
    }

    static func jsonList(_ values: Set<String>) -> String {
        JSONObjectWriter.array(values.sorted())
    }
}
