import Foundation
public import GRDB
public import JourneyModel
import JourneyStore

/// The shared funnel for a period: entries per stage, conversion to the next stage, time in
/// stage, cohorts, and where it leaks.
///
/// Counting is "any stages" (HubSpot's term): a person counts in every stage they ever entered,
/// by their first entry, whatever the order; a stage they skipped is not filled in. Conversion
/// from stage k is: of the persons who entered k in the period, the share that has entered the
/// next funnel stage since (at any time).
public struct FunnelReport: Sendable, Equatable, Encodable {
    /// One funnel stage.
    public struct StageRow: Sendable, Equatable, Encodable {
        public var stage: String
        public var entries: Int
        /// Of them, how many reached the next stage, and the share; nil for the last stage.
        public var advanced: Int?
        public var conversion: Double?
        /// Median days from entering this stage to entering the next (persons who did both).
        public var medianDaysInStage: Double?

        enum CodingKeys: String, CodingKey {
            case stage, entries, advanced, conversion
            case medianDaysInStage = "median_days_in_stage"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(stage, forKey: .stage)
            try c.encode(entries, forKey: .entries)
            try c.encode(advanced, forKey: .advanced)
            try c.encode(conversion, forKey: .conversion)
            try c.encode(medianDaysInStage, forKey: .medianDaysInStage)
        }
    }

    /// The persons who became leads in one week (or month, owner …), and how far they got.
    public struct Cohort: Sendable, Equatable, Encodable {
        public var cohort: String
        public var leads: Int
        /// Stage → how many of the cohort have entered it.
        public var reached: [String: Int]
    }

    /// Persons stuck in a stage: no stage change and no touch for the configured time.
    public struct Stalled: Sendable, Equatable, Encodable {
        public var stage: String
        public var persons: Int
    }

    public var stages: [StageRow]
    public var cohorts: [Cohort]
    public var stalled: [Stalled]
    /// MQLs whose follow-up window passed with no sales touch.
    public var neverFollowedUp: Int
    /// How cohorts are grouped (`week` unless `--by` says otherwise).
    public var cohortBy: String

    enum CodingKeys: String, CodingKey {
        case stages, cohorts, stalled
        case neverFollowedUp = "never_followed_up"
        case cohortBy = "cohort_by"
    }

    public func json() throws -> String { try ReportJSON.encode(self) }

    public static func load(
        _ db: Database, period: ReportPeriod, grouping: ReportGrouping = .week, definitions: Definitions, now: Timestamp
    ) throws -> FunnelReport {
        var entered: [String: [Stage: Timestamp]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT person_id, stage, entered_at FROM stage_history") {
            guard let stage = Stage(rawValue: row[1]), let at = TimestampParser.utc.parse(row[2] as String) else { continue }
            entered[row[0], default: [:]][stage] = at
        }
        var stages: [StageRow] = []
        let funnel = Stage.funnel
        for (i, stage) in funnel.enumerated() {
            let inPeriod = entered.filter { $0.value[stage].map(period.contains) ?? false }
            var row = StageRow(stage: stage.rawValue, entries: inPeriod.count)
            if i + 1 < funnel.count {
                let next = funnel[i + 1]
                let advanced = inPeriod.filter { $0.value[next] != nil }
                row.advanced = advanced.count
                row.conversion = inPeriod.isEmpty ? nil : Scorer.round(Double(advanced.count) / Double(inPeriod.count) * 10_000) / 10_000
                let days = advanced.compactMap { p -> Double? in
                    guard let a = p.value[stage], let b = p.value[next], b >= a else { return nil }
                    return Double(b.millisecondsSinceEpoch - a.millisecondsSinceEpoch) / 86_400_000
                }
                row.medianDaysInStage = Percentile.of(days, 0.5).map(Scorer.round)
            }
            stages.append(row)
        }

        // Cohorts: by the week (month) of entering the funnel (the lead stage, else the first
        // stage entered), or by the person's owner or first touch's channel/campaign.
        var groupOf: [String: String] = [:]
        if grouping == .owner || grouping == .channel || grouping == .campaign {
            let column = grouping == .owner ? "p.owner" : grouping == .channel ? "t.channel" : "t.campaign"
            // Each person's first touch through the person index; while `journeylake ingest`
            // has it set aside for a bulk load, in one sorted pass over the touchpoints instead
            // (a lookup per person would read the whole table each time; with the index the
            // sorted pass is the slower: 172 s against 22–31 s on the 10M bench's store).
            let sql = grouping == .owner
                ? "SELECT p.person_id, \(column) FROM persons p"
                : try PersonIndex.exists(db)
                ? """
                  SELECT p.person_id, (SELECT \(column) FROM touchpoints t WHERE t.person_id = p.person_id
                    ORDER BY t.occurred_at, t.touchpoint_id LIMIT 1) FROM persons p
                  """
                : """
                  SELECT p.person_id, f.value FROM persons p LEFT JOIN (
                    SELECT person_id, value FROM (
                      SELECT t.person_id, \(column) AS value,
                        row_number() OVER (PARTITION BY t.person_id ORDER BY t.occurred_at, t.touchpoint_id) AS n
                      FROM touchpoints t WHERE t.person_id IS NOT NULL)
                    WHERE n = 1) f ON f.person_id = p.person_id
                  """
            for row in try Row.fetchAll(db, sql: sql) { groupOf[row[0]] = (row[1] as String?) ?? "(none)" }
        }
        var cohorts: [String: Cohort] = [:]
        for (person, stagesOf) in entered {
            guard let start = stagesOf[.lead] ?? stagesOf.values.min(), period.contains(start) else { continue }
            let key = groupOf[person] ?? ReportGrouping.bucket(start, grouping == .month ? .month : .week)
            var c = cohorts[key] ?? Cohort(cohort: key, leads: 0, reached: [:])
            c.leads += 1
            for stage in funnel where stage > .lead && stagesOf[stage] != nil { c.reached[stage.rawValue, default: 0] += 1 }
            cohorts[key] = c
        }

        let limit = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - definitions.funnel.stalledAfterMilliseconds).iso8601
        // Each person's latest stage entry and touch in one grouped pass over each table: as fast
        // as a lookup per person with the person index, and not a scan per person without it.
        var stalledIn: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT p.lifecycle_stage, count(*) FROM persons p
              LEFT JOIN (SELECT person_id, max(entered_at) AS at FROM stage_history GROUP BY person_id) h ON h.person_id = p.person_id
              LEFT JOIN (SELECT person_id, max(occurred_at) AS at FROM touchpoints WHERE person_id IS NOT NULL GROUP BY person_id) t
                ON t.person_id = p.person_id
            WHERE coalesce(h.at, '') < ?1 AND coalesce(t.at, '') < ?1
            GROUP BY p.lifecycle_stage
            """, arguments: [limit]) {
            if let stage: String = row[0] { stalledIn[stage] = row[1] }
        }
        let stalled = funnel.filter { $0 != .customer }.map { Stalled(stage: $0.rawValue, persons: stalledIn[$0.rawValue] ?? 0) }
        var never = 0
        for row in try Row.fetchAll(db, sql: "SELECT mql_at, due_at FROM follow_ups WHERE answered_at IS NULL") {
            guard let mql = TimestampParser.utc.parse(row[0] as String), period.contains(mql),
                let due = TimestampParser.utc.parse(row[1] as String), now > due
            else { continue }
            never += 1
        }
        return FunnelReport(
            stages: stages, cohorts: cohorts.values.sorted { $0.cohort < $1.cohort }, stalled: stalled, neverFollowedUp: never,
            cohortBy: grouping == .month || grouping == .owner || grouping == .channel || grouping == .campaign ? grouping.rawValue : "week")
    }
}
