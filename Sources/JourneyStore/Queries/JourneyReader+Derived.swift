import Foundation
import GRDB

// What the shared definitions derived for one person, and the store's health per source: the
// reads behind the dashboard's journey and sources pages, as plain values.

/// One entry of a person's stage history, with the rule that put them there.
public struct StageHistoryEntry: Sendable, Equatable, Codable {
    public var stage: String
    public var enteredAt: String
    /// The definition that fired (`mql.score`, `sql.opportunity`, …); nil for rows from before the definitions.
    public var rule: String?
    public var reason: String?
    /// The touch that triggered it, when one did.
    public var touchpointId: String?
}

/// A person's lead score and the facts it is made of.
public struct ScoreExplanation: Sendable, Equatable, Codable {
    /// One line of the explanation: `kind` fit or engagement, what counted, and its points.
    public struct Fact: Sendable, Equatable, Codable {
        public var kind: String
        public var fact: String
        public var points: Double
    }

    public var score: Double
    public var fit: Double
    public var engagement: Double
    public var computedAt: String
    public var facts: [Fact]
}

/// A person's follow-up SLA clock (`follow_ups`).
public struct FollowUpState: Sendable, Equatable, Codable {
    public var mqlAt: String
    public var dueAt: String
    public var owner: String?
    public var answeredAt: String?
    public var answeredBy: String?
    public var responseHours: Double?
    /// pending, met or breached.
    public var status: String
    public var salesTouches: Int
}

/// What the stored suggestions can be filtered by: the owners, stages and actions they hold.
public struct NextActionFacets: Sendable, Equatable, Codable {
    public var owners: [String]
    public var stages: [String]
    public var actions: [String]
}

/// One source stream's quarantine: how many inputs, and the commonest reasons with an example each.
public struct QuarantineSummary: Sendable, Equatable, Codable {
    /// One reason code's count and one reason text recorded under it (the first in sort order, so a page is stable).
    public struct Reason: Sendable, Equatable, Codable {
        /// nil for rows from before reason codes whose text named no code.
        public var code: String?
        public var count: Int
        public var example: String
    }

    public var source: String
    public var stream: String
    public var count: Int
    /// Commonest first, at most the number asked for.
    public var reasons: [Reason]
}

extension JourneyReader {
    /// The person's stage history, oldest first.
    public func stageHistory(personId: String) throws -> [StageHistoryEntry] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT stage, entered_at, rule, reason, touchpoint_id FROM stage_history WHERE person_id = ? ORDER BY entered_at, stage
                """, arguments: [personId]
            ).map { StageHistoryEntry(stage: $0[0], enteredAt: $0[1], rule: $0[2], reason: $0[3], touchpointId: $0[4]) }
        }
    }

    /// The person's lead score with its facts (largest first), nil before one was derived.
    public func scoreExplanation(personId: String) throws -> ScoreExplanation? {
        try read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT score, fit, engagement, computed_at FROM lead_scores WHERE person_id = ?", arguments: [personId])
            else { return nil }
            let facts = try Row.fetchAll(
                db, sql: "SELECT kind, fact, points FROM score_facts WHERE person_id = ? ORDER BY abs(points) DESC, kind, fact",
                arguments: [personId]
            ).map { ScoreExplanation.Fact(kind: $0[0], fact: $0[1], points: $0[2]) }
            return ScoreExplanation(score: row[0], fit: row[1], engagement: row[2], computedAt: row[3], facts: facts)
        }
    }

    /// The person's follow-up SLA clock, nil when they never became an MQL.
    public func followUp(personId: String) throws -> FollowUpState? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT mql_at, due_at, owner, answered_at, answered_by, response_hours, status, sales_touches
                FROM follow_ups WHERE person_id = ?
                """, arguments: [personId]
            ).map {
                FollowUpState(mqlAt: $0[0], dueAt: $0[1], owner: $0[2], answeredAt: $0[3], answeredBy: $0[4], responseHours: $0[5],
                              status: $0[6], salesTouches: $0[7])
            }
        }
    }

    /// The owners, stages and actions among the stored suggestions, sorted.
    public func nextActionFacets() throws -> NextActionFacets {
        try read { db in
            NextActionFacets(
                owners: try String.fetchAll(db, sql: """
                    SELECT DISTINCT p.owner FROM persons p WHERE p.owner IS NOT NULL
                      AND EXISTS (SELECT 1 FROM next_actions n WHERE n.person_id = p.person_id) ORDER BY 1
                    """),
                stages: try String.fetchAll(db, sql: """
                    SELECT DISTINCT p.lifecycle_stage FROM persons p WHERE p.lifecycle_stage IS NOT NULL
                      AND EXISTS (SELECT 1 FROM next_actions n WHERE n.person_id = p.person_id) ORDER BY 1
                    """),
                actions: try String.fetchAll(db, sql: "SELECT DISTINCT action FROM next_actions ORDER BY 1"))
        }
    }

    /// Every stream's quarantine, by source and stream, with up to `reasons` reason codes each.
    public func quarantineSummary(reasons: Int = 3) throws -> [QuarantineSummary] {
        try read { db in
            var out: [QuarantineSummary] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT source, stream, reason_code, count(*) AS n, min(reason) FROM quarantine
                GROUP BY source, stream, reason_code ORDER BY source, stream, n DESC, reason_code
                """) {
                let (source, stream): (String, String) = (row[0], row[1])
                let reason = QuarantineSummary.Reason(code: row[2], count: row[3], example: row[4])
                if let last = out.indices.last, out[last].source == source, out[last].stream == stream {
                    out[last].count += reason.count
                    if out[last].reasons.count < reasons { out[last].reasons.append(reason) }
                } else {
                    out.append(QuarantineSummary(source: source, stream: stream, count: reason.count, reasons: reasons > 0 ? [reason] : []))
                }
            }
            return out
        }
    }
}
