import Foundation
public import GRDB
import JourneyModel

/// Reads what attribution needs from the store: every person's touches (each real-world event
/// once, see `EventDeduplication`), the conversions with their values, accounts and milestones.
public enum AttributionData {
    public static func load(_ db: Database, period: ReportPeriod, conversions: Set<String>) throws -> AttributionInput {
        // Read in table order (an index-order walk fetches each row from a random page) and let
        // `Journeys` sort; strings repeated across rows (persons, channels, actions, campaigns)
        // share one copy, so a million touches hold a million ids and little else.
        var interned: [String: String] = [:]
        func intern(_ s: String) -> String {
            if let known = interned[s] { return known }
            interned[s] = s
            return s
        }
        var raw: [AttributionTouch] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT touchpoint_id, person_id, occurred_at, channel, campaign, action FROM touchpoints WHERE person_id IS NOT NULL
            """)
        while let row = try rows.next() {
            guard let at = TimestampParser.utc.parse(row[2] as String) else { continue }
            raw.append(AttributionTouch(
                id: row[0], person: intern(row[1]), at: at, channel: intern(row[3]), campaign: (row[4] as String?).map(intern),
                action: intern(row[5])))
        }
        let kept = EventDeduplication.keep(
            raw, key: { EventDeduplication.key(person: $0.person, action: $0.action, campaign: $0.campaign, atSecond: $0.at.millisecondsSinceEpoch / 1000) },
            at: { $0.at.millisecondsSinceEpoch }, id: { $0.id })
        let touches = kept.count == raw.count ? raw : kept.map { raw[$0] }
        raw = []

        // Opportunities' creation times, by opportunity id.
        var created: [String: Timestamp] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT coalesce(json_extract(attributes, '$.opportunity_id'), json_extract(attributes, '$.deal_id')), occurred_at
            FROM touchpoints WHERE action = 'opportunity.created'
            """) {
            if let id: String = row[0], let at = TimestampParser.utc.parse(row[1] as String) { created[id] = min(created[id] ?? at, at) }
        }
        var conversionsOut: [AttributionConversion] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT t.touchpoint_id, t.person_id, t.account_id, t.occurred_at, t.value, o.amount,
                   coalesce(json_extract(t.attributes, '$.opportunity_id'), json_extract(t.attributes, '$.deal_id'))
            FROM touchpoints t
            LEFT JOIN opportunities o ON o.external_id = coalesce(json_extract(t.attributes, '$.opportunity_id'), json_extract(t.attributes, '$.deal_id'))
            WHERE t.action IN (SELECT value FROM json_each(?)) ORDER BY t.touchpoint_id
            """, arguments: [KPIReport.jsonList(conversions)]) {
            guard let at = TimestampParser.utc.parse(row[3] as String), period.contains(at) else { continue }
            let opportunity: String? = row[6]
            conversionsOut.append(AttributionConversion(
                id: row[0], person: row[1], account: row[2], at: at, value: (row[4] as Double?) ?? (row[5] as Double?) ?? 0,
                opportunityCreatedAt: opportunity.flatMap { created[$0] }))
        }
        var accountOf: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT person_id, account_id FROM persons WHERE account_id IS NOT NULL") {
            accountOf[row[0]] = row[1]
        }
        var leadCreated: [String: Timestamp] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT person_id, entered_at FROM stage_history WHERE stage = 'lead'") {
            if let at = TimestampParser.utc.parse(row[1] as String) { leadCreated[row[0]] = at }
        }
        return AttributionInput(
            touches: touches, conversions: conversionsOut, accountOf: accountOf, leadCreatedAt: leadCreated, since: period.since,
            until: period.until)
    }
}
