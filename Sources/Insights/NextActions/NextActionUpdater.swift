import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// How the insights deriver keeps next best actions current between full derives: which
/// persons a batch makes it recompute besides those it touched, and when the lift model must
/// learn again.
struct NextActionUpdater {
    let definitions: Definitions

    /// The model is learned again once the store holds this much more history than it was learned on.
    static let retrainGrowth = 1.2

    /// The people of accounts whose buying group the batch made or broke: a colleague's state
    /// shows it. Seeds the pass with the groups it counted.
    func buyingGroupChanges(_ work: DeriveWork, pass: inout NextActionPass, db: Database) throws -> Set<String> {
        var accounts = work.accounts
        let accountOf = try db.cachedStatement(sql: "SELECT account_id FROM person_signals WHERE person_id = ?")
        for p in work.persons.sorted() {
            // Both the account the person was in and the one they are in now may have changed.
            if let a = try String.fetchOne(accountOf, arguments: [p]) { accounts.insert(a) }
            try AccountActivity.refreshSignal(person: p, at: pass.at, db: db)
            if let a = try String.fetchOne(accountOf, arguments: [p]) { accounts.insert(a) }
        }
        let members = try db.cachedStatement(sql: "SELECT person_id FROM persons WHERE account_id = ?")
        let signals = try NextActionStore.Signals(db: db, at: pass.at)
        var persons: Set<String> = []
        for account in accounts.sorted() {
            let (group, changed) = try signals.refresh(account)
            pass.groups[account] = group
            if changed { persons.formUnion(try String.fetchAll(members, arguments: [account])) }
        }
        return persons
    }

    /// Whether the store has grown enough since the model was learned that it should learn again.
    func isStale(db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT touchpoints FROM next_action_training WHERE id = 1") else {
            return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM persons)") ?? false
        }
        let learned: Int = row[0]
        let now = try Int.fetchOne(db, sql: "SELECT count(*) FROM touchpoints") ?? 0
        return Double(now) >= Double(max(learned, 1)) * Self.retrainGrowth && now - learned >= 100
    }
}

/// One derive's work on persons: their suggestions, with the stored model and the feedback log.
struct NextActionPass {
    let db: Database
    let definitions: Definitions
    let engine: StageEngine
    let chooser: NextActionEngine
    let at: Timestamp
    var groups: [String: Bool] = [:]
    let readRows, deleteRows, insertRow, readLog, insertLog, updateLog, deleteLog: HotStatement
    /// The reason and evidence texts the rows refer to (migration 0023).
    var texts: NextActionTexts

    init(db: Database, definitions: Definitions, model: LiftModel, at: Timestamp) throws {
        self.db = db
        self.definitions = definitions
        self.at = at
        engine = StageEngine(definitions)
        chooser = NextActionEngine(definitions: definitions, model: model, now: at)
        readRows = try HotStatement(db, sql: """
            SELECT rank, action, score, reason_id, evidence_id, owner, stage, priority FROM next_action_rows WHERE person_id = ? ORDER BY rank
            """)
        deleteRows = try HotStatement(db, sql: "DELETE FROM next_action_rows WHERE person_id = ?")
        insertRow = try HotStatement(db, sql: """
            INSERT INTO next_action_rows (person_id, rank, action, channel, side, score, reason_id, evidence_id, computed_at, owner, stage, priority)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        texts = try NextActionTexts(db: db)
        readLog = try HotStatement(db, sql: """
            SELECT action, suggested_at, status, status_at FROM next_action_log
            WHERE person_id = ? AND status IN ('open', 'ignored', 'dismissed', 'done')
            """)
        insertLog = try HotStatement(db, sql: """
            INSERT OR IGNORE INTO next_action_log (person_id, action, suggested_at, rank, score, stage, goal_stage, holdout, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')
            """)
        deleteLog = try HotStatement(db, sql: "DELETE FROM next_action_log WHERE person_id = ? AND action = ? AND suggested_at = ? AND status = 'open'")
        updateLog = try HotStatement(db, sql: """
            UPDATE next_action_log SET status = ?, status_at = ?, touchpoint_id = ? WHERE person_id = ? AND action = ? AND suggested_at = ?
            """)
    }

    /// Recomputes one person's suggestions from their journey and what the definitions made of it.
    mutating func derive(_ facts: JourneyFacts, insights: PersonInsights, account: String?) throws {
        let timeline = ProspectTimeline(facts: facts, insights: insights, definitions: definitions, engine: engine)
        var group = false
        if let account {
            if let known = groups[account] { group = known } else {
                group = try AccountActivity.engagedPeople(account: account, at: at, db: db) >= 2
                groups[account] = group
            }
        }
        try finish(Self.prepare(timeline, at: at, buyingGroup: group))
    }

    /// What the suggestions of one person need of their journey, kept small so a full derive can
    /// hold everyone's while the model learns: the prospect now, and the candidate-action touches
    /// (to tell which open suggestions were taken).
    struct Prepared: Equatable {
        var prospect: ProspectNow
        var holdout: Bool
        var candidates: [Candidate]
    }

    /// A touch that counts as taking some candidate actions (`shows`: a bit per action).
    struct Candidate: Equatable {
        var at: Int64
        var shows: UInt64
        var touch: String
    }

    static func prepare(_ timeline: ProspectTimeline, at: Timestamp, buyingGroup: Bool) -> Prepared {
        var prospect = timeline.prospect(at: at, buyingGroup: buyingGroup)
        let holdout = prospect.holdout
        prospect.holdout = false
        let candidates = timeline.facts.touches.indices.filter { timeline.shows[$0] != 0 }.map { i in
            Candidate(at: timeline.facts.touches[i].at.millisecondsSinceEpoch, shows: timeline.shows[i], touch: timeline.facts.touches[i].id)
        }
        return Prepared(prospect: prospect, holdout: holdout, candidates: candidates)
    }

    /// The log, the suggestions and their rows for a prepared person.
    mutating func finish(_ prepared: Prepared) throws {
        var prospect = prepared.prospect
        let holdout = prepared.holdout
        let id = prospect.personId
        let t = at.millisecondsSinceEpoch
        let settings = definitions.nextActions

        // The log first: open suggestions taken since, or ignored for too long; what feedback suppresses.
        var open: [String: String] = [:]
        readLog.text(1, id)
        var entries: [(action: String, suggested: String, status: String, statusAt: String?)] = []
        try readLog.rows { entries.append((readLog.string(0) ?? "", readLog.string(1) ?? "", readLog.string(2) ?? "", readLog.string(3))) }
        for e in entries {
            switch e.status {
            case "open":
                guard let since = TimestampParser.utc.parse(e.suggested)?.millisecondsSinceEpoch else { continue }
                if let column = settings.actions.firstIndex(where: { $0.name == e.action }),
                    let taken = prepared.candidates.first(where: { $0.at >= since && $0.at <= t && $0.shows & (1 << UInt64(column)) != 0 })
                {
                    try update(id, e.action, e.suggested, status: "taken", at: Timestamp(millisecondsSinceEpoch: taken.at).iso8601, touchpoint: taken.touch)
                } else if t - since >= settings.ignoredAfterMilliseconds {
                    let ignoredAt = Timestamp(millisecondsSinceEpoch: since + settings.ignoredAfterMilliseconds)
                    try update(id, e.action, e.suggested, status: "ignored", at: ignoredAt.iso8601, touchpoint: nil)
                    if t - ignoredAt.millisecondsSinceEpoch < settings.suppressForMilliseconds {
                        prospect.suppressed[e.action] = "suggested \(e.suggested.prefix(10)) and not taken"
                    }
                } else {
                    open[e.action] = e.suggested
                }
            case "done":
                // Done by someone's word: its cooldown runs from then, as from a touch showing it.
                if let statusAt = e.statusAt.flatMap(TimestampParser.utc.parse), let action = settings.action(named: e.action),
                    t - statusAt.millisecondsSinceEpoch < action.cooldownMilliseconds
                {
                    prospect.suppressed[e.action] = "marked done \(e.statusAt!.prefix(10))"
                }
            default:
                if let statusAt = e.statusAt.flatMap(TimestampParser.utc.parse), t - statusAt.millisecondsSinceEpoch < settings.suppressForMilliseconds {
                    prospect.suppressed[e.action] = e.status == "dismissed"
                        ? "dismissed \(e.statusAt!.prefix(10))" : "suggested \(e.suggested.prefix(10)) and not taken"
                }
            }
        }

        let suggestions = chooser.suggest(prospect)
        try write(id, holdout ? [] : suggestions, owner: prospect.owner, stage: prospect.stage)

        // Log what is suggested now (the holdout's would-be suggestions too, flagged), and close
        // what no longer is.
        let now = at.iso8601
        let stage = prospect.stage
        let goal = stage.flatMap { settings.goal.target(from: $0) }
        var current: Set<String> = []
        for s in suggestions where s.action != LiftModel.hold {
            current.insert(s.action)
            guard open[s.action] == nil else { continue }
            insertLog.text(1, id); insertLog.text(2, s.action); insertLog.text(3, now); insertLog.int(4, Int64(s.rank))
            insertLog.double(5, s.score); insertLog.text(6, stage?.rawValue); insertLog.text(7, goal?.rawValue); insertLog.bool(8, holdout)
            try insertLog.run()
        }
        for (action, suggested) in open where !current.contains(action) {
            // Gone within the hour (a backfill's batches, a quick correction): nobody could act on it.
            if let since = TimestampParser.utc.parse(suggested), t - since.millisecondsSinceEpoch < 3_600_000 {
                deleteLog.text(1, id); deleteLog.text(2, action); deleteLog.text(3, suggested)
                try deleteLog.run()
            } else {
                try update(id, action, suggested, status: "withdrawn", at: now, touchpoint: nil)
            }
        }
    }

    private func update(_ id: String, _ action: String, _ suggested: String, status: String, at: String, touchpoint: String?) throws {
        updateLog.text(1, status); updateLog.text(2, at); updateLog.text(3, touchpoint); updateLog.text(4, id); updateLog.text(5, action)
        updateLog.text(6, suggested)
        try updateLog.run()
    }

    /// Replaces the person's rows when they differ from what is stored.
    private mutating func write(_ id: String, _ suggestions: [Suggestion], owner: String?, stage: Stage?) throws {
        var stored: [StoredRow] = []
        readRows.text(1, id)
        try readRows.rows {
            let r = readRows
            stored.append(StoredRow(
                rank: r.int64(0) ?? 0, action: r.string(1) ?? "", score: r.double(2), reason: r.int64(3), evidence: r.int64(4),
                owner: r.string(5), stage: r.string(6), priority: r.double(7)))
        }
        let priority = Self.priority(suggestions)
        var fresh: [StoredRow] = []
        fresh.reserveCapacity(suggestions.count)
        for s in suggestions {
            fresh.append(StoredRow(
                rank: Int64(s.rank), action: s.action, score: s.score, reason: try texts.id(of: s.reason), evidence: try texts.id(of: s.evidence),
                owner: owner, stage: stage?.rawValue, priority: priority))
        }
        guard stored != fresh else { return }
        deleteRows.text(1, id)
        try deleteRows.run()
        let now = at.iso8601
        for (s, row) in zip(suggestions, fresh) {
            insertRow.text(1, id); insertRow.int(2, row.rank); insertRow.text(3, s.action); insertRow.text(4, s.channel)
            insertRow.text(5, s.side); insertRow.double(6, s.score); insertRow.int(7, row.reason); insertRow.int(8, row.evidence)
            insertRow.text(9, now); insertRow.text(10, owner); insertRow.text(11, row.stage); insertRow.double(12, priority)
            try insertRow.run()
        }
    }

    /// What tells a person's stored suggestion from a fresh one (texts by their numbers).
    private struct StoredRow: Equatable {
        var rank: Int64
        var action: String
        var score: Double?
        var reason: Int64?
        var evidence: Int64?
        var owner: String?
        var stage: String?
        var priority: Double?
    }

    /// Where a prospect stands in every list: urgent prospects first, then by their best score.
    static func priority(_ suggestions: [Suggestion]) -> Double {
        (suggestions.contains { $0.urgent } ? 1_000_000 : 0) + (suggestions.map(\.score).max() ?? 0)
    }
}

/// The next-best-action tables: the model, and the per-account buying-group signal.
enum NextActionStore {
    static func model(_ db: Database, actions: [String]) throws -> LiftModel? {
        guard let info = try Row.fetchOne(db, sql: "SELECT snapshots, prospects FROM next_action_training WHERE id = 1") else { return nil }
        var model = LiftModel(actions: actions)
        let rows = try Row.fetchCursor(db, sql: "SELECT state, action, observations, converted FROM next_action_model")
        while let row = try rows.next() {
            guard let column = model.column(row[1]), let code = StateKey.code(of: row[0]) else { continue }
            model.set(code, column: column, OutcomeCount(observations: row[2], converted: row[3]))
        }
        model.snapshots = info[0]
        model.prospects = info[1]
        return model
    }

    static func save(_ model: LiftModel, db: Database, at: Timestamp, definitions: Definitions) throws {
        try db.execute(sql: "DELETE FROM next_action_model")
        let insert = try HotStatement(db, sql: "INSERT INTO next_action_model (level, state, action, observations, converted) VALUES (?, ?, ?, ?, ?)")
        for (code, row) in model.cells.sorted(by: { $0.key < $1.key }) {
            let key = StateKey.name(code)
            for (column, count) in row.enumerated() where count.observations > 0 {
                insert.int(1, Int64(StateKey.level(code))); insert.text(2, key); insert.text(3, model.actions[column])
                insert.int(4, Int64(count.observations)); insert.int(5, Int64(count.converted))
                try insert.run()
            }
        }
        let touchpoints = try Int.fetchOne(db, sql: "SELECT count(*) FROM touchpoints") ?? 0
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO next_action_training (id, trained_at, goal, horizon_days, snapshots, prospects, touchpoints)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                at.iso8601, definitions.nextActions.goal.description, definitions.nextActions.horizonMilliseconds / 86_400_000, model.snapshots,
                model.prospects, touchpoints,
            ])
    }

    /// `account_signals`: whether a touch changed an account's buying group.
    struct Signals {
        let db: Database
        let at: Timestamp

        init(db: Database, at: Timestamp) throws {
            self.db = db
            self.at = at
        }

        /// Recounts one account: whether it has a buying group now, and whether that formed or broke.
        func refresh(_ account: String) throws -> (group: Bool, changed: Bool) {
            let now = try AccountActivity.engagedPeople(account: account, at: at, db: db)
            let before = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT engaged_people FROM account_signals WHERE account_id = ?"), arguments: [account]) ?? 0
            guard now != before else { return (now >= 2, false) }
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO account_signals (account_id, engaged_people, computed_at) VALUES (?, ?, ?)")
                .execute(arguments: [account, now, at.iso8601])
            return (now >= 2, (now >= 2) != (before >= 2))
        }

        /// Recounts every account from `person_signals` (written already): the people whose
        /// latest response falls in the last 30 days, as `refresh` counts one account.
        static func rebuild(db: Database, at: Timestamp) throws {
            try db.execute(sql: "DELETE FROM account_signals")
            try db.execute(
                sql: """
                    INSERT INTO account_signals (account_id, engaged_people, computed_at)
                    SELECT account_id, min(count(*), 2), ?1 FROM person_signals
                    WHERE account_id IS NOT NULL AND last_response_at > ?2 AND last_response_at <= ?1
                    GROUP BY account_id
                    """,
                arguments: [at.iso8601, Timestamp(millisecondsSinceEpoch: at.millisecondsSinceEpoch - AccountActivity.window).iso8601])
        }
    }
}
