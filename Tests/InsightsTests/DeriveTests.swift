import Connectors
import Daemon
import Foundation
import GRDB
import Insights
import JourneyModel
import JourneyStore
import JourneyTesting
import Testing

/// The Insights deriver on real stores: what batches derive incrementally equals a full
/// recompute, whatever the batch sizes and the order sources arrive in.
@Suite struct DeriveTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_745_000_000_000)  // 2025-04-18
    static let sources = [
        "  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n",
        "  - {name: hs, type: files, path: hs, format: hubspot-export}\n",
        "  - {name: mkto, type: files, path: mkto, format: marketo-export}\n",
    ]
    static let derived = [
        "SELECT person_id || ' ' || stage || ' ' || entered_at || ' ' || rule || ' ' || coalesce(touchpoint_id, '-') || ' ' || reason FROM stage_history ORDER BY 1",
        "SELECT person_id || ' ' || coalesce(lifecycle_stage, '-') || ' ' || coalesce(score, '-') FROM persons ORDER BY 1",
        "SELECT person_id || ' ' || score || ' ' || fit || ' ' || engagement FROM lead_scores ORDER BY 1",
        "SELECT person_id || ' ' || kind || ' ' || fact || ' ' || points FROM score_facts ORDER BY 1",
        "SELECT person_id || ' ' || mql_at || ' ' || due_at || ' ' || status || ' ' || coalesce(answered_by, '-') || ' ' || sales_touches FROM follow_ups ORDER BY 1",
    ]

    static func snapshot(_ ws: Workspace) throws -> [[String]] { try derived.map { try ws.strings($0) } }

    static func workspace() throws -> Workspace {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("hubspot", to: "hs")
        try ws.copyFixtures("marketo", to: "mkto")
        return ws
    }

    @Test(.timeLimit(.minutes(30))) func incrementalDerivesEqualAFullRecomputeInAnyBatchingAndOrder() async throws {
        var rng = SplitMix64(state: 2025)
        var first: [[String]]?
        for round in 0..<4 {
            // Round 3 derives every batch that touches half of the persons with the whole-store scan.
            let deriver = InsightsDeriver(definitions: Definitions(), scanFrom: round == 3 ? 0 : 1_000, now: { Self.now })
            let ws = try Self.workspace()
            let order = round == 0 ? Self.sources : Self.sources.shuffled(using: &rng)
            let batch = [1, 2, 3, 7, 5000][Int(rng.next() % 5)]
            // Each source in its own pass, as files arriving on different days would.
            for source in order { _ = try await ws.ingest(source, batchSize: batch, derivers: [deriver]) }
            let incremental = try Self.snapshot(ws)
            #expect(incremental[0].count > 20, "the sample should derive a real history")
            let store = try JourneyStore(path: ws.storePath)
            _ = try await deriver.recomputeAll(store: store)
            #expect(try Self.snapshot(ws) == incremental, "round \(round), batch \(batch), order \(order)")
            if let first { #expect(incremental == first, "round \(round): another order or batching derived another result") }
            first = first ?? incremental
        }
    }

    /// Next best actions derived batch by batch, with the model the first derive learned, equal
    /// what a full recompute with that model gives, in any batching and source order.
    @Test(.timeLimit(.minutes(30))) func incrementalNextActionsEqualAFullRecomputeWithTheSameModel() async throws {
        let later = Timestamp(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch + 3 * 86_400_000)
        var rng = SplitMix64(state: 15)
        let rows = "SELECT person_id || ' ' || rank || ' ' || action || ' ' || score || ' ' || reason || ' ' || evidence FROM next_actions ORDER BY 1"
        for round in 0..<3 {
            let ws = try Self.workspace()
            let order = round == 0 ? Self.sources : Self.sources.shuffled(using: &rng)
            let batch = [1, 3, 7, 5000][Int(rng.next() % 4)]
            let deriver = InsightsDeriver(definitions: Definitions(), scanFrom: round == 2 ? 0 : 1_000, now: { later })
            for source in order { _ = try await ws.ingest(source, batchSize: batch, derivers: [deriver]) }
            let incremental = try ws.strings(rows)
            #expect(incremental.count > 10, "the sample should give suggestions")
            let store = try JourneyStore(path: ws.storePath)
            _ = try await deriver.recomputeAll(store: store, retrain: false)
            #expect(try ws.strings(rows) == incremental, "round \(round), batch \(batch), order \(order)")
            #expect(try ws.count("SELECT count(*) FROM next_action_training") == 1)
        }
    }

    /// The sequential scan of full derives reads every person's journey exactly as reading them
    /// one by one does, each person once, in id order.
    @Test(.timeLimit(.minutes(30))) func theScanReadsWhatTheLoaderReads() async throws {
        let ws = try Self.workspace()
        for source in Self.sources { _ = try await ws.ingest(source, derivers: []) }
        let store = try JourneyStore(path: ws.storePath)
        try await store.pool.read { db in
            var loader = try JourneyLoader(db: db)
            let everyone = try String.fetchAll(db, sql: "SELECT person_id FROM persons ORDER BY person_id")
            #expect(everyone.count >= 5)
            var seen: [String] = []
            var touches = 0
            try JourneyScan.forEach(db: db) { facts, stored in
                seen.append(facts.personId)
                touches += facts.touches.count
                let one = try loader.load(facts.personId)
                #expect(one?.facts == facts && one?.stored == stored, "\(facts.personId)")
            }
            #expect(seen == everyone)
            let stored = try Int.fetchOne(db, sql: "SELECT count(*) FROM touchpoints WHERE person_id IS NOT NULL")
            #expect(touches > 0 && touches == stored)
        }
    }

    /// A full derive that learns the model makes the same suggestions (and log) whether it holds
    /// everyone's state in memory or in SQLite's temp store (a large store).
    @Test(.timeLimit(.minutes(30))) func aLearningFullDeriveGivesTheSameSuggestionsHeldInMemoryOrSpilled() async throws {
        let later = Timestamp(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch + 3 * 86_400_000)
        let rows = """
            SELECT 'action ' || person_id || ' ' || rank || ' ' || action || ' ' || score || ' ' || reason || ' ' || evidence FROM next_actions
            UNION ALL SELECT 'log ' || person_id || ' ' || action || ' ' || suggested_at || ' ' || status FROM next_action_log
            UNION ALL SELECT 'model ' || snapshots || ' ' || prospects || ' ' || touchpoints FROM next_action_training
            ORDER BY 1
            """
        var results: [[String]] = []
        for held in [20_000, 0] {
            let ws = try Self.workspace()
            let deriver = InsightsDeriver(definitions: Definitions(), heldWhileLearning: held, now: { later })
            for source in Self.sources { _ = try await ws.ingest(source, derivers: [deriver]) }
            _ = try await deriver.recomputeAll(store: JourneyStore(path: ws.storePath), retrain: true)
            results.append(try ws.strings(rows))
        }
        #expect(results[0].filter { $0.hasPrefix("action ") }.count > 10, "the sample should give suggestions")
        #expect(results[0] == results[1])
    }

    @Test(.timeLimit(.minutes(30))) func changedDefinitionsRecomputeAndSayHowManyPersonsChangedStage() async throws {
        let ws = try Self.workspace()
        let defaults = InsightsDeriver(definitions: Definitions(), now: { Self.now })
        for source in Self.sources { _ = try await ws.ingest(source, derivers: [defaults]) }
        let store = try JourneyStore(path: ws.storePath)
        let again = try await defaults.recomputeAll(store: store)
        #expect(again.stageChanged == 0)
        #expect(again.persons == (try ws.count("SELECT count(*) FROM persons")))
        // A stricter MQL (only hand-raises qualify: no score reaches 1000), and Salesforce's
        // "Working - Contacted" no longer counts as sales-accepted.
        var strict = Definitions()
        strict.mql.scoreThreshold = 1000
        strict.mql.qualifyingActions = []
        strict.stages.values["workingcontacted"] = .lead
        #expect(try ws.count("SELECT count(*) FROM stage_history WHERE stage = 'mql' AND rule = 'fit_and_score'") > 0)
        let stages = "SELECT person_id || ' ' || coalesce(lifecycle_stage, '-') FROM persons ORDER BY 1"
        let before = try ws.strings(stages)
        let result = try await InsightsDeriver(definitions: strict, now: { Self.now }).recomputeAll(store: store)
        #expect(try ws.count("SELECT count(*) FROM stage_history WHERE stage = 'mql' AND rule IN ('fit_and_score', 'fit_and_activity')") == 0)
        let after = try ws.strings(stages)
        #expect(result.stageChanged == zip(before, after).filter { $0 != $1 }.count)
        #expect(result.stageChanged > 0)
    }

    /// A deal event changes its whole account: deleting one a person's record carried must
    /// re-derive that person's colleagues too, not only the person.
    @Test(.timeLimit(.minutes(30))) func aDeletedDealEventReDerivesItsAccountsPeople() async throws {
        let ws = try Workspace()
        try ws.write("people/people.csv", """
            id,email,created
            1,ann@acme.example,2025-01-01T00:00:00Z
            2,bob@acme.example,2025-01-02T00:00:00Z
            """)
        try ws.write("deals/won.csv", """
            id,email,at,action,amount,deleted,version
            w1,ann@acme.example,2025-03-01T00:00:00Z,opportunity.won,5000,false,2025-03-01T00:00:00Z
            """)
        let sources = """
              - name: people
                type: files
                path: people
                format: csv
                mapping: { record: person, id: id, fields: { email: email, created_at: created } }
              - name: deals
                type: files
                path: deals
                format: csv
                mapping:
                  record: touchpoint
                  stream: deals
                  id: id
                  version: version
                  deleted: deleted
                  fields: { email: email, occurred_at: at, action: action, value: amount }
                  constants: { channel: crm, side: sales }

            """
        let deriver = InsightsDeriver(definitions: Definitions(), now: { Self.now })
        _ = try await ws.ingest(sources, derivers: [deriver])
        let stages = "SELECT primary_email || ' ' || lifecycle_stage FROM persons ORDER BY 1"
        #expect(try ws.strings(stages) == ["ann@acme.example customer", "bob@acme.example customer"])
        try ws.write("deals/won-2.csv", """
            id,email,at,action,amount,deleted,version
            w1,ann@acme.example,2025-03-01T00:00:00Z,opportunity.won,5000,true,2025-03-05T00:00:00Z
            """)
        _ = try await ws.ingest(sources, derivers: [deriver])
        let after = try ws.strings(stages)
        let tps = try ws.strings("SELECT touchpoint_id || ' ' || action FROM touchpoints")
        #expect(after == ["ann@acme.example lead", "bob@acme.example lead"], "\(after) \(tps)")
        let incremental = try Self.snapshot(ws)
        _ = try await deriver.recomputeAll(store: try JourneyStore(path: ws.storePath))
        #expect(try Self.snapshot(ws) == incremental)
    }
}

/// One webinar attendance recorded by Marketo (program status) and by Salesforce (campaign
/// member) is one touch in the reports; both rows stay in `touchpoints`.
@Suite struct EventDeduplicationTests {
    @Test func anAttendanceInTwoSystemsCountsOnce() async throws {
        let ws = try DeriveTests.workspace()
        for source in DeriveTests.sources { _ = try await ws.ingest(source) }
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE action = 'webinar.attended'") == 4)
        #expect(try ws.count("SELECT count(DISTINCT person_id) FROM touchpoints WHERE action = 'webinar.attended'") == 2)
        let input = try ReportReader(path: ws.storePath, definitions: Definitions()).attributionInput(ReportPeriod())
        let attended = input.touches.filter { $0.action == "webinar.attended" }
        #expect(attended.count == 2)
        // The kept one is the later record, the one that saw the outcome (Marketo's, at the webinar).
        #expect(attended.allSatisfy { $0.at.iso8601.hasPrefix("2025-03-12") })
        // Different campaigns, or the same action without a campaign at different times, stay apart.
        let a = EventDeduplication.key(person: "p", action: "webinar.attended", campaign: " Spring Launch ", atSecond: 1)
        #expect(a == EventDeduplication.key(person: "p", action: "webinar.attended", campaign: "spring launch", atSecond: 99))
        #expect(a != EventDeduplication.key(person: "p", action: "webinar.attended", campaign: "Summer", atSecond: 1))
        #expect(EventDeduplication.key(person: "p", action: "email.opened", campaign: nil, atSecond: 1)
            != EventDeduplication.key(person: "p", action: "email.opened", campaign: nil, atSecond: 2))
    }
}

/// The suggestion log through real batches: a later touch showing a suggestion marks it taken;
/// one not taken in time is ignored and not suggested again for a while.
@Suite struct SuggestionLogTests {
    /// A clock the test moves; the deriver reads it through its `now` closure.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int64
        init(_ t: Int64) { value = t }
        var now: Timestamp { lock.withLock { Timestamp(millisecondsSinceEpoch: value) } }
        func set(_ t: Int64) { lock.withLock { value = t } }
    }

    static let day: Int64 = 86_400_000
    static let t0: Int64 = 1_748_822_400_000  // 2025-06-02

    static func iso(_ t: Int64) -> String { Timestamp(millisecondsSinceEpoch: t).iso8601 }

    @Test(.timeLimit(.minutes(30))) func aLaterTouchMarksItTakenAndAnIgnoredOneIsSuppressed() async throws {
        let ws = try Workspace()
        let clock = Clock(Self.t0)
        let deriver = InsightsDeriver(definitions: Definitions(), now: { clock.now })
        let sources = """
              - name: people
                type: files
                path: people
                format: csv
                mapping: { record: person, id: id, fields: { email: email, created_at: created } }
              - name: touches
                type: files
                path: touches
                format: csv
                mapping:
                  record: touchpoint
                  stream: touches
                  id: id
                  fields: { email: email, occurred_at: at, action: action, channel: channel, side: side }

            """
        try ws.write("people/p.csv", "id,email,created\n1,ann@acme.example,\(Self.iso(Self.t0 - 20 * Self.day))\n")
        try ws.write("touches/a.csv", "id,email,at,action,channel,side\nv1,ann@acme.example,\(Self.iso(Self.t0 - Self.day)),web.visit,web,marketing\n")
        _ = try await ws.ingest(sources, derivers: [deriver])
        let log = "SELECT action || ' ' || status || ' ' || coalesce(touchpoint_id, '-') FROM next_action_log ORDER BY 1"
        #expect(try ws.strings(log) == ["content_offer open -", "event_invite open -", "webinar_invite open -"])

        // A day later marketing sends the webinar invite: the suggestion was taken.
        clock.set(Self.t0 + 2 * Self.day)
        try ws.write("touches/b.csv", "id,email,at,action,channel,side\nw1,ann@acme.example,\(Self.iso(Self.t0 + Self.day)),webinar.invited,email,marketing\n")
        _ = try await ws.ingest(sources, derivers: [deriver])
        let taken = try ws.strings("SELECT status_at || ' ' || touchpoint_id FROM next_action_log WHERE action = 'webinar_invite' AND status = 'taken'")
        let all = try ws.strings(log)
        #expect(taken == ["\(Self.iso(Self.t0 + Self.day)) touches:touches:w1"], "\(all)")
        #expect(try !ws.strings("SELECT action FROM next_actions").contains("webinar_invite"), "in its cooldown now")

        // Three weeks on, nobody took the content offer: ignored at two weeks, then suppressed.
        clock.set(Self.t0 + 21 * Self.day)
        try ws.write("touches/c.csv", "id,email,at,action,channel,side\nv2,ann@acme.example,\(Self.iso(Self.t0 + 20 * Self.day)),web.visit,web,marketing\n")
        _ = try await ws.ingest(sources, derivers: [deriver])
        #expect(try ws.strings("SELECT status || ' ' || status_at FROM next_action_log WHERE action = 'content_offer' ORDER BY suggested_at")
            == ["ignored \(Self.iso(Self.t0 + 14 * Self.day))"])
        let now = try ws.strings("SELECT action FROM next_actions ORDER BY rank")
        #expect(!now.contains("content_offer") && !now.contains("event_invite"), "\(now)")
        #expect(now.contains("webinar_invite"), "its 14-day cooldown is over: \(now)")

        // Past the 30 days of suppression it may be suggested again, as a new suggestion.
        clock.set(Self.t0 + 50 * Self.day)
        try ws.write("touches/d.csv", "id,email,at,action,channel,side\nv3,ann@acme.example,\(Self.iso(Self.t0 + 49 * Self.day)),web.visit,web,marketing\n")
        _ = try await ws.ingest(sources, derivers: [deriver])
        #expect(try ws.count("SELECT count(*) FROM next_action_log WHERE action = 'content_offer' AND status = 'open'") == 1)
    }
}
