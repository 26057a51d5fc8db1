import Foundation
import GRDB
import JourneyStore
import Testing

/// The analysts' contract (DESIGN.md, "The canonical model"; README, "What analysts can query"):
/// the public tables and their columns, pinned. A migration that renames, drops or adds a public
/// column fails here until this list and CHANGELOG.md say so.
@Suite struct SchemaContractTests {
    /// Every public table with its columns, in order.
    static let publicTables: [String: [String]] = [
        "persons": ["person_id", "primary_email", "first_name", "last_name", "title", "account_id", "lifecycle_stage", "score",
                    "owner", "consent_email", "created_at", "updated_at", "country"],
        "identifiers": ["kind", "value", "person_id", "source"],
        "accounts": ["account_id", "name", "domain", "industry", "employees", "annual_revenue", "source", "created_at", "updated_at",
                     "country", "sic_code"],
        "touchpoints": ["touchpoint_id", "person_id", "account_id", "occurred_at", "channel", "action", "side", "campaign", "content",
                        "owner", "value", "source", "stream", "external_id", "attributes", "person_ref", "campaign_id"],
        "opportunities": ["opportunity_id", "account_id", "name", "stage", "amount", "currency", "close_date", "is_won", "is_closed",
                          "source", "external_id", "updated_at"],
        "campaigns": ["campaign_id", "name", "type", "status", "start_date", "end_date", "parent_id", "source", "external_id",
                      "updated_at"],
        "stage_history": ["person_id", "stage", "entered_at", "reason", "rule", "touchpoint_id"],
        "next_actions": ["person_id", "rank", "action", "channel", "side", "score", "reason", "evidence", "computed_at", "owner", "stage",
                         "priority"],
        "lead_scores": ["person_id", "score", "fit", "engagement", "computed_at", "facts"],
        "score_facts": ["person_id", "kind", "fact", "points"],
        "follow_ups": ["person_id", "mql_at", "due_at", "owner", "answered_at", "answered_by", "response_hours", "status",
                       "sales_touches", "worked", "computed_at"],
        "funnel_entries": ["person_id", "stage", "entered_at", "rule", "touchpoint_id", "reason", "week", "owner", "current_stage"],
        "sla_follow_ups": ["person_id", "primary_email", "owner", "mql_at", "due_at", "answered_at", "answered_by", "response_hours",
                           "status", "sales_touches", "worked"],
        "quarantine": ["quarantine_id", "source", "stream", "external_id", "reason", "payload", "seen_at", "origin", "payload_hash",
                       "reason_code", "position"],
        "sync_state": ["source", "stream", "cursor", "status", "last_run_at", "last_success_at", "last_error", "records_total",
                       "read_total", "quarantined_total"],
        "deleted_records": ["record_key", "source", "stream", "external_id", "deleted_at", "reason"],
        "raw_records": ["source", "stream", "external_id", "content_hash", "payload", "fetched_at", "origin"],
        "identity_conflicts": ["kind", "value", "record_key", "existing_record", "detected_at"],
        "deleted_persons": ["person_id", "primary_email", "deleted_at", "reason"],
        "person_merges": ["merge_id", "merged_person", "into_person", "via_kind", "via_value", "record_key", "merged_at", "reason",
                          "kept_nodes", "merged_nodes", "undone_at"],
        "record_identifiers": ["record_key", "kind", "value"],
        "identity_aliases": ["record_key", "kind", "value"],
        "released_identifiers": ["kind", "value", "record_key", "released_at"],
        "identity_separations": ["separation_id", "side", "node"],
        "orphan_touchpoints": ["kind", "value", "touchpoint_id", "account_id", "occurred_at", "channel", "action", "side", "campaign",
                               "content", "owner", "touchpoint_value", "source", "stream", "external_id", "attributes", "person_ref",
                               "campaign_id"],
        "account_records": ["record_key", "account_id", "source", "version_at", "name", "domain", "industry", "employees",
                            "annual_revenue", "country", "sic_code"],
        "next_action_model": ["level", "state", "action", "observations", "converted"],
        "next_action_training": ["id", "trained_at", "goal", "horizon_days", "snapshots", "prospects", "touchpoints"],
        "next_action_log": ["person_id", "action", "suggested_at", "rank", "score", "stage", "goal_stage", "holdout", "status", "status_at",
                            "touchpoint_id"],
        "account_signals": ["account_id", "engaged_people", "computed_at"],
        "person_signals": ["person_id", "account_id", "last_response_at"],
    ]

    /// DESIGN.md's column lists, word for word: these may never go missing.
    static let designContract: [String: [String]] = [
        "persons": ["person_id", "primary_email", "first_name", "last_name", "title", "account_id", "lifecycle_stage", "score",
                    "owner", "consent_email", "created_at", "updated_at"],
        "identifiers": ["kind", "value", "person_id", "source"],
        "accounts": ["account_id", "name", "domain", "industry", "employees", "annual_revenue"],
        "touchpoints": ["touchpoint_id", "person_id", "account_id", "occurred_at", "channel", "action", "side", "campaign", "content",
                        "owner", "value", "source", "stream", "external_id", "attributes"],
        "opportunities": ["opportunity_id", "account_id", "name", "stage", "amount", "currency", "close_date", "is_won", "is_closed",
                          "source", "external_id"],
        "stage_history": ["person_id", "stage", "entered_at", "reason"],
        "next_actions": ["person_id", "rank", "action", "channel", "side", "score", "reason", "evidence", "computed_at"],
        "quarantine": ["source", "stream", "external_id", "reason", "payload", "seen_at"],
        "sync_state": ["source", "stream", "cursor", "last_success_at", "last_error", "records_total"],
        "deleted_records": ["source", "stream", "external_id", "deleted_at", "reason"],
    ]

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func freshStore() throws -> (DatabaseQueue, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)")
        let path = folder.appendingPathComponent("journey.sqlite").path
        _ = try JourneyStore(path: path)
        return (try DatabaseQueue(path: path), folder)
    }

    func columns(_ db: DatabaseQueue) throws -> [String: [String]] {
        try db.read { db in
            var out: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                WHERE m.type IN ('table', 'view') ORDER BY m.name, p.cid
                """) {
                out[row[0], default: []].append(row[1])
            }
            return out
        }
    }

    @Test func thePublicTablesHaveExactlyTheirPinnedColumns() throws {
        let (db, folder) = try freshStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let actual = try columns(db)
        for (table, pinned) in Self.publicTables.sorted(by: { $0.key < $1.key }) {
            #expect(actual[table] == pinned, "\(table): the store has \(actual[table] ?? []); a change to a public table needs a migration, this list and a CHANGELOG.md entry")
        }
    }

    @Test func everyColumnDesignMDNamesExists() throws {
        let (db, folder) = try freshStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let actual = try columns(db)
        for (table, contract) in Self.designContract.sorted(by: { $0.key < $1.key }) {
            let missing = contract.filter { !(actual[table] ?? []).contains($0) }
            #expect(missing.isEmpty, "\(table) lacks \(missing), which DESIGN.md promises analysts")
        }
    }

    @Test func everyMigrationIsInTheChangelog() throws {
        let (db, folder) = try freshStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let migrations = try db.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(migrations.count >= 5)
        let changelog = try String(contentsOf: Self.repository.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        for m in migrations {
            #expect(changelog.contains("`\(m)`"), "CHANGELOG.md does not mention migration `\(m)`")
        }
    }
}
