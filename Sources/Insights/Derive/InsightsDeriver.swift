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
        var loader = try JourneyLoader(db: db)
        let writer = try InsightsWriter(db: db, at: at)
        for id in persons {
            guard let (journey, stored) = try loader.load(id) else { continue }
            let result = engine.derive(journey, now: at)
            if stored.stage != result.stage?.rawValue { changed += 1 }
            try writer.write(result, stored: stored)
        }
        return changed
    }
}

/// Writes what the definitions made of persons. Rows that would come out as they are (a person
/// whose history or score explanation did not change) are left alone: most persons a batch
/// touches gain a touch, not a stage.
struct InsightsWriter {
    let now: String
    let readHistory, deleteHistory, insertHistory: HotStatement
    let readFacts, deleteFacts, insertFacts: HotStatement
    let updatePerson, upsertScore, upsertFollowUp, deleteFollowUp: HotStatement

    init(db: Database, at: Timestamp) throws {
        now = at.iso8601
        readHistory = try HotStatement(db, sql: "SELECT stage, entered_at, reason, rule, touchpoint_id FROM stage_history WHERE person_id = ?")
        deleteHistory = try HotStatement(db, sql: "DELETE FROM stage_history WHERE person_id = ?")
        insertHistory = try HotStatement(db, sql: """
            INSERT OR REPLACE INTO stage_history (person_id, stage, entered_at, reason, rule, touchpoint_id) VALUES (?, ?, ?, ?, ?, ?)
            """)
        readFacts = try HotStatement(db, sql: "SELECT kind, fact, points FROM score_facts WHERE person_id = ?")
        deleteFacts = try HotStatement(db, sql: "DELETE FROM score_facts WHERE person_id = ?")
        insertFacts = try HotStatement(db, sql: "INSERT OR REPLACE INTO score_facts (person_id, kind, fact, points) VALUES (?, ?, ?, ?)")
        updatePerson = try HotStatement(db, sql: "UPDATE persons SET lifecycle_stage = ?, score = ? WHERE person_id = ?")
        upsertScore = try HotStatement(db, sql: "INSERT OR REPLACE INTO lead_scores (person_id, score, fit, engagement, computed_at) VALUES (?, ?, ?, ?, ?)")
        upsertFollowUp = try HotStatement(db, sql: """
            INSERT OR REPLACE INTO follow_ups (person_id, mql_at, due_at, owner, answered_at, answered_by, response_hours, status,
              sales_touches, worked, computed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        deleteFollowUp = try HotStatement(db, sql: "DELETE FROM follow_ups WHERE person_id = ?")
    }

    func write(_ r: PersonInsights, stored: JourneyLoader.Stored) throws {
        let id = r.personId
        let history = r.history.map { [$0.stage.rawValue, $0.at.iso8601, $0.reason, $0.rule, $0.touchpoint ?? ""] }
        var before: [[String]] = []
        readHistory.text(1, id)
        try readHistory.rows {
            before.append((0..<5).map { readHistory.string(Int32($0)) ?? "" })
        }
        if before.sorted(by: Self.less) != history.sorted(by: Self.less) {
            deleteHistory.text(1, id)
            try deleteHistory.run()
            for e in r.history {
                insertHistory.text(1, id); insertHistory.text(2, e.stage.rawValue); insertHistory.text(3, e.at.iso8601)
                insertHistory.text(4, e.reason); insertHistory.text(5, e.rule); insertHistory.text(6, e.touchpoint)
                try insertHistory.run()
            }
        }
        if stored.stage != r.stage?.rawValue || stored.score != r.score.score {
            updatePerson.text(1, r.stage?.rawValue); updatePerson.double(2, r.score.score); updatePerson.text(3, id)
            try updatePerson.run()
        }
        upsertScore.text(1, id); upsertScore.double(2, r.score.score); upsertScore.double(3, r.score.fit)
        upsertScore.double(4, r.score.engagement); upsertScore.text(5, now)
        try upsertScore.run()
        let facts = r.score.facts.map { [$0.kind, $0.fact, String($0.points)] }
        var factsBefore: [[String]] = []
        readFacts.text(1, id)
        try readFacts.rows {
            factsBefore.append([readFacts.string(0) ?? "", readFacts.string(1) ?? "", String(readFacts.double(2) ?? .nan)])
        }
        if factsBefore.sorted(by: Self.less) != facts.sorted(by: Self.less) {
            deleteFacts.text(1, id)
            try deleteFacts.run()
            for f in r.score.facts {
                insertFacts.text(1, id); insertFacts.text(2, f.kind); insertFacts.text(3, f.fact); insertFacts.double(4, f.points)
                try insertFacts.run()
            }
        }
        if let f = r.followUp {
            let u = upsertFollowUp
            u.text(1, id); u.text(2, f.mqlAt.iso8601); u.text(3, f.dueAt.iso8601); u.text(4, f.owner); u.text(5, f.answeredAt?.iso8601)
            u.text(6, f.answeredBy); u.double(7, f.responseHours.map(Scorer.round)); u.text(8, f.status.rawValue)
            u.int(9, Int64(f.salesTouches)); u.bool(10, f.worked); u.text(11, now)
            try u.run()
        } else {
            deleteFollowUp.text(1, id)
            try deleteFollowUp.run()
        }
    }

    static func less(_ a: [String], _ b: [String]) -> Bool { a.lexicographicallyPrecedes(b) }
}
