import Foundation
import JourneyTesting
import Testing

/// `journeylake reprocess`: stored raw versions mapped again with today's mappings, without
/// fetching, through the write path ingest uses; quarantined rows retried.
@Suite struct ReprocessTests {
    /// Rows of the reprocess table, keyed `source/stream`, each the numbers after the stream.
    static func table(_ stdout: String) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for line in stdout.split(separator: "\n").dropFirst(2) where !line.hasPrefix("(") {
            let cells = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard cells.count == 10 else { continue }
            out["\(cells[0])/\(cells[1])"] = cells[2...].compactMap { Int($0) }
        }
        return out
    }

    @Test(.timeLimit(.minutes(30))) func anUnchangedStoreStaysAsItIsAndRowsAnOlderReleaseWroteAreRepaired() async throws {
        let (ws, config) = try CLITests().sampleWorkspace()
        defer { withExtendedLifetime(ws) {} }
        let store = ws.root.appendingPathComponent("data/journey.sqlite").path
        #expect(try await CLIRunner.run(["ingest", "--config", config]).status == 0)
        let clean = try StoreDump.dump(path: store)

        let first = try await CLIRunner.run(["reprocess", "--config", config])
        #expect(first.status == 0, "\(first.stderr)")
        let rows = Self.table(first.stdout)
        #expect(rows["mkto/activities"] == [31, 0, 31, 0, 0, 0, 0, 0], "\(first.stdout)")
        #expect(rows["sf/OpportunityHistory"] == [9, 0, 9, 0, 0, 0, 0, 0], "\(first.stdout)")
        #expect(rows.values.allSatisfy { $0[1] == 0 }, "\(first.stdout)")
        #expect(try StoreDump.dump(path: store) == clean)

        // What an older release wrote: an opportunity created twice, a campaign named by its id,
        // Marketo attributes as REST pairs. Only the live rows are wrong; the raw zone is right.
        try Workspace.execute("""
            UPDATE touchpoints SET action = 'opportunity.created' WHERE external_id = '0085g00000Zk1AbAAJ';
            UPDATE touchpoints SET campaign = '7015g000000Wb1QAAS', campaign_id = NULL WHERE stream = 'CampaignMember';
            DELETE FROM campaigns;
            UPDATE touchpoints SET attributes = '[{"name":"x","value":1}]' WHERE external_id = '900212';
            """, path: store)
        // Only what was asked for: one stream of one source; the file drops are gone (nothing is read).
        try FileManager.default.removeItem(at: ws.root.appendingPathComponent("sf"))
        let history = try await CLIRunner.run(["reprocess", "--config", config, "--source", "sf", "--stream", "OpportunityHistory"])
        #expect(Self.table(history.stdout) == ["sf/OpportunityHistory": [9, 1, 8, 0, 0, 0, 0, 0]], "\(history.stdout)")
        let all = try await CLIRunner.run(["reprocess", "--config", config, "--format", "json"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains(#""source": "sf", "stream": "Campaign", "replayed": 1, "changed": 1"#), "\(all.stdout)")
        #expect(all.stdout.contains(#""source": "mkto", "stream": "activities", "replayed": 31, "changed": 1"#), "\(all.stdout)")
        #expect(try StoreDump.dump(path: store) == clean)

        let unknown = try await CLIRunner.run(["reprocess", "--config", config, "--source", "nope"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no source named nope"))
    }

    /// `sides`: which export team names are which side; a row naming another is quarantined.
    static func webinarConfig(
        _ ws: Workspace, sides: String, channel: String, id: String = "Registration ID", version: String? = nil,
        file: String = "journeylake.yaml"
    ) throws -> String {
        try ws.write(file, """
            store: { path: journey.sqlite, batch_size: 2 }
            sources:
              - name: webinars
                type: files
                path: drops
                format: csv
                settle: 0s
                mapping:
                  record: touchpoint
                  system: webinarco
                  stream: attendance
                  id: \(id)\(version.map { "\n      version: \($0)" } ?? "")
                  fields: { email: Email, occurred_at: Joined At, action: Status, campaign: Webinar, side: Team }
                  constants: { channel: \(channel) }
                  values:
                    action: { Attended: webinar.attended, Registered: webinar.registered }
                    side: { \(sides) }
            """).path
    }

    @Test(.timeLimit(.minutes(30))) func aChangedMappingReachesStoredRecordsAndQuarantinedRowsWithoutTheFiles() async throws {
        let ws = try Workspace()
        try ws.write("drops/attendance.csv", """
            Registration ID,Email,Joined At,Status,Webinar,Team
            r1,ana@example.com,2025-03-12T16:00:00Z,Attended,Freight Analytics,Demand Gen
            r2,ben@example.com,2025-03-12T16:05:00Z,Attended,Freight Analytics,Demand Gen
            r3,cleo@example.com,2025-03-12T16:07:00Z,Attended,Freight Analytics,Field Marketing
            r4,dan@example.com,2025-03-12T16:09:00Z,Registered,Freight Analytics,SDR

            """)
        var config = try Self.webinarConfig(ws, sides: "Demand Gen: marketing, SDR: sales", channel: "webinar")
        let ingest = try await CLIRunner.run(["ingest", "--config", config])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 3)
        #expect(try ws.count("SELECT count(*) FROM quarantine") == 1)
        // A rejected row keeps its column names, so it can be mapped again without its file.
        #expect(try ws.strings("SELECT json_extract(payload, '$.\"Registration ID\"') FROM quarantine") == ["r3"])

        // The operator fixes the mapping (another marketing team; the channel was wrong) after
        // the export is gone.
        try FileManager.default.removeItem(at: ws.root.appendingPathComponent("drops/attendance.csv"))
        let fixed = "Demand Gen: marketing, Field Marketing: marketing, SDR: sales"
        config = try Self.webinarConfig(ws, sides: fixed, channel: "event")
        let r = try await CLIRunner.run(["reprocess", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.table(r.stdout) == ["webinars/attendance": [3, 3, 0, 0, 0, 1, 1, 0]], "\(r.stdout)")
        #expect(try ws.count("SELECT count(*) FROM quarantine") == 0)
        #expect(try ws.strings("SELECT external_id || ' ' || channel || ' ' || action || ' ' || side FROM touchpoints ORDER BY 1") == [
            "r1 event webinar.attended marketing", "r2 event webinar.attended marketing", "r3 event webinar.attended marketing",
            "r4 event webinar.registered sales",
        ])
        #expect(try ws.count("SELECT count(*) FROM persons") == 4)

        // A stricter mapping takes a stored record out of the live tables into quarantine, and
        // back once it is relaxed again; its raw version never goes.
        config = try Self.webinarConfig(ws, sides: "Demand Gen: marketing, Field Marketing: marketing", channel: "event")
        let strict = try await CLIRunner.run(["reprocess", "--config", config])
        #expect(Self.table(strict.stdout) == ["webinars/attendance": [4, 0, 3, 0, 1, 0, 0, 0]], "\(strict.stdout)")
        #expect(try ws.strings("SELECT external_id FROM touchpoints ORDER BY 1") == ["r1", "r2", "r3"])
        #expect(try ws.strings("SELECT external_id FROM quarantine") == ["r4"])
        #expect(try ws.count("SELECT count(*) FROM persons") == 3)
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 4)
        config = try Self.webinarConfig(ws, sides: fixed, channel: "event")
        let relaxed = try await CLIRunner.run(["reprocess", "--config", config])
        #expect(Self.table(relaxed.stdout) == ["webinars/attendance": [3, 0, 3, 0, 0, 1, 1, 0]], "\(relaxed.stdout)")
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 4)
        #expect(try ws.count("SELECT count(*) FROM quarantine") == 0)
    }

    /// `reprocess --derive` recomputes every person in one transaction: when it fails part-way,
    /// nothing of it stays, and the exit status and message say so.
    @Test(.timeLimit(.minutes(30))) func aFailingDeriveRollsBackWholeAndExits74() async throws {
        let (ws, config) = try CLITests().sampleWorkspace()
        defer { withExtendedLifetime(ws) {} }
        let store = ws.root.appendingPathComponent("data/journey.sqlite").path
        #expect(try await CLIRunner.run(["ingest", "--config", config]).status == 0)
        let ok = try await CLIRunner.run(["reprocess", "--derive", "--config", config, "--format", "csv"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let line = ok.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(line.first == ["persons", "stage_changed", "with_suggestions"] && line.last?[1] == "0", "\(ok.stdout)")
        // The store refuses the last person's score, as a full disk or a corrupt page would, after
        // earlier persons were already written in the same transaction.
        try Workspace.execute("""
            UPDATE stage_history SET reason = 'before';
            CREATE TRIGGER refuse BEFORE INSERT ON lead_scores WHEN NEW.person_id = (SELECT max(person_id) FROM persons)
              BEGIN SELECT RAISE(ABORT, 'disk I/O refused'); END;
            """, path: store)
        let before = try StoreDump.dump(path: store)
        let failed = try await CLIRunner.run(["reprocess", "--derive", "--config", config])
        #expect(failed.status == 74, "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stderr.contains("rolled back whole") && failed.stderr.contains("disk I/O refused"), "\(failed.stderr)")
        #expect(try StoreDump.dump(path: store) == before, "a failed derive left part of its work")
    }
}
