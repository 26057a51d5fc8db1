import Foundation
import GRDB
import Insights
import JourneyModel
@testable import JourneyStore
import JourneyTesting
import Testing

/// `next_actions` as a view over rows that keep their reason and evidence texts once
/// (migration 0023): it reads as the table did, upgrades keep every suggestion, and texts no row
/// uses any more do not pile up.
@Suite struct NextActionTextsTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_745_000_000_000)  // 2025-04-18
    /// Every column of the view, in its order, as text (NULL spelled out so it differs from '').
    static let everything = """
        SELECT person_id || '|' || rank || '|' || action || '|' || coalesce(channel, 'NULL') || '|' || coalesce(side, 'NULL') || '|'
          || coalesce(score, 'NULL') || '|' || reason || '|' || coalesce(evidence, 'NULL') || '|' || computed_at || '|'
          || coalesce(owner, 'NULL') || '|' || coalesce(stage, 'NULL') || '|' || priority
        FROM next_actions ORDER BY person_id, rank
        """
    static let unused = """
        SELECT count(*) FROM next_action_texts WHERE text_id NOT IN (SELECT reason_id FROM next_action_rows)
          AND text_id NOT IN (SELECT evidence_id FROM next_action_rows WHERE evidence_id IS NOT NULL)
        """

    static func derived() async throws -> Workspace {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("hubspot", to: "hs")
        try ws.copyFixtures("marketo", to: "mkto")
        let deriver = InsightsDeriver(definitions: Definitions(), now: { Self.now })
        for source in [
            "  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n",
            "  - {name: hs, type: files, path: hs, format: hubspot-export}\n",
            "  - {name: mkto, type: files, path: mkto, format: marketo-export}\n",
        ] { _ = try await ws.ingest(source, derivers: [deriver]) }
        // A full derive, which collects every text no row uses (incremental ones only when due).
        _ = try await deriver.recomputeAll(store: JourneyStore(path: ws.storePath), retrain: false)
        return ws
    }

    @Test(.timeLimit(.minutes(30))) func aDeriveKeepsEachTextOnceAndTheViewReadsEveryColumn() async throws {
        let ws = try await Self.derived()
        let rows = try ws.count("SELECT count(*) FROM next_action_rows")
        #expect(rows > 10, "the sample should give suggestions")
        #expect(try ws.count("SELECT count(*) FROM next_actions") == rows)
        // Prospects in one state share their texts: fewer texts than the rows' two each.
        let texts = try ws.count("SELECT count(*) FROM next_action_texts")
        #expect(texts < 2 * rows, "\(texts) texts for \(rows) rows")
        #expect(try ws.count("SELECT count(DISTINCT reason) + count(DISTINCT evidence) FROM next_actions") == texts)
        #expect(try ws.count(Self.unused) == 0)
        #expect(try ws.count("SELECT count(*) FROM next_actions WHERE reason IS NULL OR reason = '' OR evidence NOT LIKE '{%}'") == 0)
        // The list pages read the rows off their indexes, with the texts.
        let reader = try JourneyReader(path: ws.storePath)
        let page = try reader.nextActions(NextActionPageFilter(limit: 1_000))
        #expect(page.items.count == rows)
        let listed = Set(page.items.map { "\($0.personId)|\($0.rank)|\($0.reason)|\($0.evidence ?? "NULL")" })
        #expect(listed == Set(try ws.strings("SELECT person_id || '|' || rank || '|' || reason || '|' || evidence FROM next_actions")))
    }

    /// A store written before 0023 keeps every suggestion, each column as it was.
    @Test(.timeLimit(.minutes(30))) func anUpgradedStoreReadsTheSameSuggestions() async throws {
        let ws = try await Self.derived()
        let before = try ws.strings(Self.everything)
        #expect(before.count > 10)
        // A store as the releases of 0018–0022 wrote it (their migrations, their `next_actions`
        // table), holding the same persons and suggestions, one of them without evidence.
        let path = ws.root.appendingPathComponent("old.sqlite").path, derived = ws.storePath
        let old = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(old, upTo: M0022_Forget.identifier)
        try await old.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS derived", arguments: [derived])
            try db.execute(sql: """
                INSERT INTO accounts SELECT * FROM derived.accounts;
                INSERT INTO persons SELECT * FROM derived.persons;
                INSERT INTO next_actions SELECT * FROM derived.next_actions;
                UPDATE next_actions SET evidence = NULL WHERE rowid = (SELECT min(rowid) FROM next_actions);
                DETACH DATABASE derived;
                """)
        }
        let written = try await old.read { try String.fetchAll($0, sql: Self.everything) }
        #expect(written.count == before.count && written.filter { $0.contains("|NULL|") }.count == 1)
        try old.close()

        _ = try JourneyStore(path: path)
        let upgraded = try DatabaseQueue(path: path)
        func strings(_ sql: String) async throws -> [String] { try await upgraded.read { try String.fetchAll($0, sql: sql) } }
        func count(_ sql: String) async throws -> Int { try await upgraded.read { try Int.fetchOne($0, sql: sql) ?? -1 } }
        #expect(try await strings(Self.everything) == written)
        #expect(try await count("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'next_actions'") == 1)
        #expect(try await count("SELECT count(*) FROM next_action_rows WHERE evidence_id IS NULL") == 1)
        #expect(try await count("SELECT count(*) FROM next_action_texts") < before.count)
        #expect(try await count(Self.unused) == 0)
        // The list indexes kept their names, on the rows.
        #expect(try await strings("""
            SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'next_action_rows' AND name LIKE 'next_actions_%' ORDER BY 1
            """) == ["next_actions_by_action", "next_actions_by_owner", "next_actions_by_stage", "next_actions_in_order"])
    }

    /// What a tool or fixture writes through the view lands in the rows and reads back the same.
    @Test func theViewTakesInsertsAndDeletes() async throws {
        let ws = try await Self.derived()
        let person = try #require(try ws.strings("SELECT person_id FROM persons ORDER BY 1 LIMIT 1").first)
        try Workspace.execute("""
            DELETE FROM next_actions WHERE person_id = '\(person)';
            INSERT INTO next_actions VALUES ('\(person)', 1, 'call', 'phone', 'sales', 2.5, 'why ✓', '{"a":1}', '2025-03-01T00:00:00Z', 'rep', 'mql', 2.5);
            INSERT INTO next_actions (person_id, rank, action, reason, computed_at) VALUES ('\(person)', 2, 'email', 'why ✓', '2025-03-01T00:00:00Z');
            """, path: ws.storePath)
        #expect(try ws.strings(Self.everything.replacingOccurrences(of: "ORDER BY", with: "WHERE person_id = '\(person)' ORDER BY")) == [
            "\(person)|1|call|phone|sales|2.5|why ✓|{\"a\":1}|2025-03-01T00:00:00Z|rep|mql|2.5",
            "\(person)|2|email|NULL|NULL|NULL|why ✓|NULL|2025-03-01T00:00:00Z|NULL|NULL|0.0",
        ])
        #expect(try ws.count("SELECT count(*) FROM next_action_texts WHERE text = 'why ✓'") == 1)
        #expect(throws: (any Error).self) {
            try Workspace.execute(
                "INSERT INTO next_actions (person_id, rank, action, reason, computed_at) VALUES ('\(person)', 3, 'x', NULL, 'now')", path: ws.storePath)
        }
        try Workspace.execute("DELETE FROM next_actions WHERE person_id = '\(person)' AND rank = 2", path: ws.storePath)
        #expect(try ws.count("SELECT count(*) FROM next_action_rows WHERE person_id = '\(person)'") == 1)
    }

    /// Texts no row uses go: all of them on a full collection; on an incremental derive's only
    /// once more were added since the last collection than it left, and over 1,000.
    @Test func textsNoRowUsesAreCollectedOnceTheyCouldHaveDoubled() async throws {
        let ws = try await Self.derived()
        let store = try JourneyStore(path: ws.storePath)
        let live = try ws.count("SELECT count(*) FROM next_action_texts")
        #expect(try ws.count(Self.unused) == 0)
        func add(_ n: Int, from start: Int) throws {
            try store.pool.write { db in
                var texts = try NextActionTexts(db: db)
                for i in start..<(start + n) { _ = try texts.id(of: "stale reason \(i)") }
            }
        }
        // A text asked for twice is one text.
        try add(1, from: 0)
        try add(1, from: 0)
        #expect(try ws.count("SELECT count(*) FROM next_action_texts") == live + 1)
        try add(998, from: 1)
        try await store.pool.write { try NextActionTexts.collectIfDue($0) }
        #expect(try ws.count(Self.unused) == 999, "not due yet: 999 added")
        try add(2, from: 999)
        try await store.pool.write { try NextActionTexts.collectIfDue($0) }
        #expect(try ws.count(Self.unused) == 0, "due: 1,001 added since the last collection")
        #expect(try ws.count("SELECT count(*) FROM next_action_texts") == live)
        try add(5, from: 2_000)
        let collected = try await store.pool.write { try NextActionTexts.collect($0) }
        #expect(collected == 5)
        #expect(try ws.count("SELECT count(*) FROM next_action_texts") == live)
        #expect(try ws.count("SELECT top_id >= (SELECT max(text_id) FROM next_action_texts) AND live = \(live) FROM next_action_text_collection") == 1)
    }
}

/// The lists of next actions read prospects off an entry each (migration 0024) and their rows by
/// key, in page order: no list sorts more than one prospect's rows.
@Suite struct ProspectListIndexTests {
    @Test(.timeLimit(.minutes(30))) func everyListReadsOffItsIndexInPageOrder() async throws {
        let ws = try await NextActionTextsTests.derived()
        let prospects = try ws.count("SELECT count(DISTINCT person_id) FROM next_action_rows")
        #expect(prospects > 3)
        for index in ["next_actions_in_order", "next_actions_by_owner", "next_actions_by_stage"] {
            #expect(try ws.count("SELECT count(*) FROM next_action_rows INDEXED BY \(index) WHERE rank = 1") == prospects, "\(index)")
        }
        let cursor = PageCursor(["1.5", "p_0", "2"])
        let cases: [(NextActionPageFilter, String)] = [
            (NextActionPageFilter(limit: 10), "next_actions_in_order"),
            (NextActionPageFilter(limit: 10, after: cursor), "next_actions_in_order"),
            (NextActionPageFilter(owner: "rep", limit: 10, after: cursor), "next_actions_by_owner"),
            (NextActionPageFilter(stage: "mql", limit: 10), "next_actions_by_stage"),
            (NextActionPageFilter(stage: "mql", action: "sales_call", limit: 10, after: cursor), "next_actions_by_stage"),
            (NextActionPageFilter(action: "sales_call", limit: 10, after: cursor), "next_actions_by_action"),
        ]
        let db = try DatabaseQueue(path: ws.storePath)
        for (filter, index) in cases {
            let query = JourneyReader.nextActionPage(filter)
            let plan: [String] = try await db.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments).map { $0["detail"] }
            }
            // The walk (`f`) reads its own index (covering or not, from the start or a cursor).
            let walk = plan.first { $0.hasPrefix("SCAN f ") || $0.hasPrefix("SEARCH f ") } ?? ""
            #expect(walk.hasSuffix("INDEX \(index)") || walk.contains("INDEX \(index) "), "\(filter): \(plan)")
            // Sorting a prospect's own rows by rank is all that is left to sort.
            #expect(!plan.contains { $0.contains("TEMP B-TREE") && !$0.contains("RIGHT PART") }, "\(filter): \(plan)")
            _ = try await db.read { try Row.fetchAll($0, sql: query.sql, arguments: query.arguments) }
        }
    }
}
