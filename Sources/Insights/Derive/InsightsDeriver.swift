import Foundation
public import GRDB
public import JourneyModel
public import JourneyStore

/// The shared definitions as a deriver: after each batch, the persons it touched (and the
/// persons of the accounts whose deals or company changed) get their stage history, current
/// stage, lead score and follow-up clock recomputed from the whole of their journey — and, with
/// `nextActions`, their next best actions, from the same journey read once (the people of an
/// account whose buying group a touch made or broke are recomputed too).
///
/// A full derive (`work.everything`: the first run, the schedule for what only time changes,
/// `reprocess --derive`, or when the store has grown enough that the next-action model should
/// learn again) learns that model from the whole history before it recomputes everyone.
public struct InsightsDeriver: Deriver {
    public let name = "insights"
    public let definitions: Definitions
    let engine: StageEngine
    let nextActions: Bool
    /// From this many persons on, work naming half of them is derived with one sequential pass
    /// over the store rather than person by person.
    let scanFrom: Int
    /// Up to this many persons, a full derive that learns the model keeps each person's
    /// suggestion state (~1 KB) in memory rather than in SQLite's temp store.
    let heldWhileLearning: Int
    let now: @Sendable () -> Timestamp

    public init(
        definitions: Definitions, nextActions: Bool = true, scanFrom: Int = 1_000, heldWhileLearning: Int = 20_000,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(.now) }
    ) {
        self.heldWhileLearning = heldWhileLearning
        self.definitions = definitions
        engine = StageEngine(definitions)
        self.nextActions = nextActions
        self.scanFrom = scanFrom
        self.now = now
    }

    var updater: NextActionUpdater { NextActionUpdater(definitions: definitions) }

    public func derive(_ work: DeriveWork, db: Database) throws {
        let at = now()
        // A long-running daemon derives every few minutes: what each derive freed goes back.
        defer { FreeMemory.release() }
        guard !work.everything else {
            _ = try recomputeAll(db: db, at: at, retrain: true)
            return
        }
        if work.allPersons {
            _ = try recomputeAll(db: db, at: at, retrain: false)
            return
        }
        var set = work.persons
        // The batch says which accounts changed as a whole (company attributes, deals,
        // members); a person's own touch of an account is in `work.persons` already.
        let members = try db.cachedStatement(sql: "SELECT person_id FROM persons WHERE account_id = ?")
        for account in work.accounts { set.formUnion(try String.fetchAll(members, arguments: [account])) }
        if derivesEveryone(naming: set.count, of: try Int.fetchOne(db, sql: "SELECT count(*) FROM persons") ?? 0) {
            _ = try recomputeAll(db: db, at: at, retrain: false)
            return
        }
        var pass: NextActionPass?
        if nextActions {
            guard let model = try NextActionStore.model(db, actions: definitions.nextActions.actions.map(\.name)) else {
                _ = try recomputeAll(db: db, at: at, retrain: true)
                return
            }
            var p = try NextActionPass(db: db, definitions: definitions, model: model, at: at)
            set.formUnion(try updater.buyingGroupChanges(work, pass: &p, db: db))
            pass = p
        }
        _ = try apply(set.sorted(), db: db, at: at, nextActions: &pass)
        if pass != nil { try NextActionTexts.collectIfDue(db) }
    }

    /// Past half of everyone, one sequential pass over the store beats reading each person's
    /// touches from wherever they lie (a backfill, a busy day): the same result. Measured
    /// (bench/README.md): per person ~0.6 ms read one by one, 0.3-0.5 ms in the pass, so at 39 %
    /// of a 20k-person store the pass took 9-11 s and person by person 5 s.
    public func derivesEveryone(naming named: Int, of everyone: Int) -> Bool {
        everyone >= scanFrom && named * 2 >= everyone
    }

    /// Whether the next-action model should learn again (the store grew since it last did).
    public func needsFullDerive(db: Database) throws -> Bool {
        nextActions ? try updater.isStale(db: db) : false
    }

    /// What a full recompute did.
    public struct Recompute: Sendable, Equatable {
        public var persons: Int
        /// Persons who now stand in another stage than before.
        public var stageChanged: Int
        /// Persons with next actions (0 without them).
        public var withSuggestions: Int
    }

    /// Recomputes every person (after the definitions changed), learning the next-action model
    /// again first when `retrain` (or when there is none yet). One sequential pass over the store
    /// derives the stages and gathers what the model learns from; each person's suggestions are
    /// made in the same pass when the model is known already. While it learns they wait: held
    /// in memory for a store of up to `heldWhileLearning` persons, in SQLite's temp store for a
    /// larger one, so memory stays flat however many persons the store holds.
    public func recomputeAll(db: Database, at: Timestamp, retrain: Bool = true) throws -> Recompute {
        let stored = nextActions && !retrain ? try NextActionStore.model(db, actions: definitions.nextActions.actions.map(\.name)) : nil
        let learn = nextActions && stored == nil
        // Without learning, only the buying groups of now are asked for: the last 30 days' responses.
        let recent = Timestamp(millisecondsSinceEpoch: at.millisecondsSinceEpoch - AccountActivity.window)
        // The ingest's pass, then the account activity's sort, leave free pages behind.
        FreeMemory.release()
        let activity = nextActions ? try AccountActivity.load(db, before: nil, since: learn ? nil : recent) : nil
        FreeMemory.release()
        var builder = learn ? NextActionRun.Builder(definitions: definitions, asOf: at, live: true, keepOutcomes: false, activity: activity!) : nil
        let everyone = try Int.fetchOne(db, sql: "SELECT count(*) FROM persons") ?? 0
        let spill = learn && everyone > heldWhileLearning ? try PreparedSpill(db: db) : nil
        var pass = try stored.map { try NextActionPass(db: db, definitions: definitions, model: $0, at: at) }
        var prepared: [NextActionPass.Prepared] = []
        var persons = 0, changed = 0
        let writer = try InsightsWriter(db: db, at: at)
        if nextActions { try db.execute(sql: "DELETE FROM person_signals") }
        let signal = try HotStatement(db, sql: "INSERT INTO person_signals (person_id, account_id, last_response_at) VALUES (?, ?, ?)")
        try JourneyScan.forEach(db: db) { journey, stored in
            persons += 1
            if persons % FreeMemory.everyPersons == 0 { FreeMemory.release() }
            let result = engine.derive(journey, now: at)
            if stored.stage != result.stage?.rawValue { changed += 1 }
            try writer.write(result, stored: stored)
            guard let activity else { return }
            let latest = journey.touches.last { $0.at <= at && TouchKind.isResponse($0.action) }
            signal.text(1, journey.personId); signal.text(2, stored.account); signal.text(3, latest?.at.iso8601)
            try signal.run()
            let timeline = ProspectTimeline(facts: journey, insights: result, definitions: definitions, engine: engine)
            builder?.add(timeline, account: stored.account)
            let person = NextActionPass.prepare(
                timeline, at: at, buyingGroup: activity.buyingGroup(account: stored.account, at: at.millisecondsSinceEpoch))
            if pass != nil {
                try pass!.finish(person)
            } else if let spill {
                try spill.add(person)
            } else {
                prepared.append(person)
            }
        }
        guard nextActions else { return Recompute(persons: persons, stageChanged: changed, withSuggestions: 0) }
        try NextActionStore.Signals.rebuild(db: db, at: at)
        if var builder {
            let model = builder.finish().model
            try NextActionStore.save(model, db: db, at: at, definitions: definitions)
            var pass = try NextActionPass(db: db, definitions: definitions, model: model, at: at)
            for p in prepared { try pass.finish(p) }
            try spill?.forEach { try pass.finish($0) }
        }
        try NextActionTexts.collect(db)
        let suggested = try Int.fetchOne(db, sql: "SELECT count(DISTINCT person_id) FROM next_action_rows") ?? 0
        return Recompute(persons: persons, stageChanged: changed, withSuggestions: suggested)
    }

    /// The same in one write transaction of `store`; what was queued for this deriver is done.
    public func recomputeAll(store: JourneyStore, retrain: Bool = true) async throws -> Recompute {
        let at = now()
        return try await store.pool.write { db in
            let result = try recomputeAll(db: db, at: at, retrain: retrain)
            try DeriveQueue.markCaughtUp(name, db: db, at: at.iso8601)
            return result
        }
    }

    /// Derives and writes `persons`; returns how many changed stage.
    func apply(_ persons: [String], db: Database, at: Timestamp, nextActions pass: inout NextActionPass?) throws -> Int {
        var changed = 0
        var loader = try JourneyLoader(db: db)
        let writer = try InsightsWriter(db: db, at: at)
        for id in persons {
            guard let (journey, stored) = try loader.load(id) else { continue }
            let result = engine.derive(journey, now: at)
            if stored.stage != result.stage?.rawValue { changed += 1 }
            try writer.write(result, stored: stored)
            try pass?.derive(journey, insights: result, account: stored.account)
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
    let updatePerson, upsertScore, upsertFollowUp, deleteFollowUp: HotStatement

    init(db: Database, at: Timestamp) throws {
        now = at.iso8601
        readHistory = try HotStatement(db, sql: "SELECT stage, entered_at, reason, rule, touchpoint_id FROM stage_history WHERE person_id = ?")
        deleteHistory = try HotStatement(db, sql: "DELETE FROM stage_history WHERE person_id = ?")
        insertHistory = try HotStatement(db, sql: """
            INSERT OR REPLACE INTO stage_history (person_id, stage, entered_at, reason, rule, touchpoint_id) VALUES (?, ?, ?, ?, ?, ?)
            """)
        updatePerson = try HotStatement(db, sql: "UPDATE persons SET lifecycle_stage = ?, score = ? WHERE person_id = ?")
        upsertScore = try HotStatement(db, sql: """
            INSERT OR REPLACE INTO lead_scores (person_id, score, fit, engagement, computed_at, facts) VALUES (?, ?, ?, ?, ?, ?)
            """)
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
        upsertScore.double(4, r.score.engagement); upsertScore.text(5, now); upsertScore.text(6, Self.json(r.score.facts))
        try upsertScore.run()
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

    /// The score's explanation as `lead_scores.facts` holds it (the `score_facts` view reads it).
    static func json(_ facts: [LeadScore.Fact]) -> String {
        "[" + facts.map { f in
            var w = JSONObjectWriter()
            w.add("kind", f.kind)
            w.add("fact", f.fact)
            w.addRaw("points", json: NextActionEngine.number(f.points, 6))
            return w.finish()
        }.joined(separator: ",") + "]"
    }
}
