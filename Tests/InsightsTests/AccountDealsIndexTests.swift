import Foundation
import GRDB
@testable import Insights
import JourneyModel
import JourneyStore
import JourneyTesting
import Testing

/// `touchpoints_account_deals` (migration 0020) is a partial index: SQLite uses it only for a
/// query whose conditions contain the index's own, so the deriver's deal queries and the
/// migration must spell them alike. This holds them together on a store with real deals.
@Suite struct AccountDealsIndexTests {
    @Test(.timeLimit(.minutes(30))) func theDealQueriesReadThePartialIndexWhichHoldsOnlyDeals() async throws {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("marketo", to: "mkto")
        _ = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        _ = try await ws.ingest("  - {name: mkto, type: files, path: mkto, format: marketo-export}\n")
        let deals = try ws.count("SELECT count(*) FROM touchpoints WHERE account_id IS NOT NULL AND action LIKE 'opportunity.%' AND action <> 'opportunity.stage_changed'")
        let others = try ws.count("SELECT count(*) FROM touchpoints WHERE account_id IS NOT NULL AND action NOT LIKE 'opportunity.%'")
        #expect(deals > 0 && others > deals, "the sample should have deals among many other touchpoints (\(deals), \(others))")

        let queue = try DatabaseQueue(path: ws.storePath)
        try await queue.read { db in
            for where_ in ["account_id = 'a_1'", "account_id IS NOT NULL"] {
                let detail = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT \(DealMilestones.touchColumns) FROM touchpoints WHERE \(where_) AND \(DealMilestones.actions)")
                    .map { $0["detail"] as String }.joined(separator: " | ")
                #expect(detail.contains("USING INDEX touchpoints_account_deals"), "\(where_): \(detail)")
            }
            // Its condition costs no temporary table per inserted row (as an `IN` list would).
            let insert = try Row.fetchAll(db, sql: """
                EXPLAIN INSERT OR REPLACE INTO touchpoints (touchpoint_id, person_id, account_id, occurred_at, channel, action, side, source, stream, external_id)
                VALUES ('t', 'p', 'a', '2025-01-01T00:00:00.000Z', 'email', 'email.opened', 'marketing', 's', 'st', 'x')
                """).map { $0["opcode"] as String }
            #expect(insert.contains("IdxInsert") && !insert.contains("OpenEphemeral"), "\(insert)")
            // The index holds the deal touchpoints and nothing else.
            let entries = try Int.fetchOne(db, sql: "SELECT count(*) FROM touchpoints INDEXED BY touchpoints_account_deals WHERE account_id IS NOT NULL AND \(DealMilestones.actions)") ?? -1
            #expect(entries == deals)
            let stat = try Int.fetchOne(db, sql: "SELECT sum(ncell) FROM dbstat WHERE name = 'touchpoints_account_deals' AND pagetype = 'leaf'") ?? -1
            #expect(stat == deals)
        }
    }
}
