import Foundation
import JourneyTesting
import Testing

/// The CLI contract scripts rely on: output, exit codes, read-only queries.
@Suite struct CLITests {
    /// A workspace with the three vendors' sample exports and a config pointing at them.
    func sampleWorkspace(extraSources: String = "", store: String = "") throws -> (Workspace, String) {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("hubspot", to: "hs")
        try ws.copyFixtures("marketo", to: "mkto")
        let config = try ws.write("journeylake.yaml", """
            store:
              path: data/journey.sqlite
              \(store)
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
              - {name: hs, type: files, path: hs, format: hubspot-export, settle: 0s}
              - {name: mkto, type: files, path: mkto, format: marketo-export, settle: 0s}
            \(extraSources)
            """)
        return (ws, config.path)
    }

    @Test func ingestPrintsPerSourceAndStreamCountsAndExitsZero() throws {
        let (ws, config) = try sampleWorkspace()
        defer { withExtendedLifetime(ws) {} }
        let r = try CLIRunner.run(["ingest", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["source", "stream", "read", "new", "updated", "unchanged", "deleted", "quarantined", "status"])
        #expect(lines.contains { $0.split(separator: " ", omittingEmptySubsequences: true) == ["mkto", "activities", "31", "31", "0", "0", "0", "0", "ok"] })
        // Quiet by default; JOURNEYLAKE_LOG_LEVEL turns the per-pass log lines on.
        #expect(!r.stderr.contains(" pass"))
        let (fresh, freshConfig) = try sampleWorkspace()
        defer { withExtendedLifetime(fresh) {} }
        let verbose = try CLIRunner.run(["ingest", "--config", freshConfig], environment: ["JOURNEYLAKE_LOG_LEVEL": "info"])
        #expect(verbose.stderr.contains("info journeylake.ingest"))
        #expect(verbose.stderr.contains("source=mkto stream=activities"))
        let again = try CLIRunner.run(["ingest", "--config", config, "--format", "json"])
        #expect(again.status == 0)
        #expect(!again.stdout.contains("\"new\": 1"))
    }

    @Test func ingestExitsNonZeroWhenASourceFailsButLoadsTheOthers() throws {
        let (ws, config) = try sampleWorkspace(extraSources: "  - {name: broken, type: files, path: missing-folder, format: csv, mapping: {record: person, id: id, fields: {email: email}}}")
        let r = try CLIRunner.run(["ingest", "--config", config])
        #expect(r.status == 1)
        #expect(r.stderr.contains("source broken: folder"))
        #expect(r.stderr.contains("missing-folder does not exist"))
        let q = try CLIRunner.run(["query", "--config", config, "--format", "csv", "SELECT count(*) AS persons FROM persons"])
        #expect(q.stdout == "persons\n8\n")
        let s = try CLIRunner.run(["sources", "--config", config, "--format", "json"])
        #expect(s.status == 0)
        #expect(s.stdout.contains(#""source": "broken", "stream": "*", "status": "failed""#))
        #expect(s.stdout.contains(#""source": "mkto", "stream": "activities", "status": "ok""#))
        withExtendedLifetime(ws) {}
    }

    @Test func queryPrintsJSONAndCSVAndRefusesWrites() throws {
        let (ws, config) = try sampleWorkspace()
        defer { withExtendedLifetime(ws) {} }
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        let json = try CLIRunner.run(["query", "--config", config, "--format", "json",
                                      "SELECT primary_email, lifecycle_stage FROM persons WHERE primary_email LIKE 'maya%'"])
        #expect(json.status == 0)
        #expect(json.stdout == "[\n  {\"primary_email\": \"maya.chen@brightwave.io\", \"lifecycle_stage\": \"customer\"}\n]\n")
        let csv = try CLIRunner.run(["query", "--config", config, "--format", "csv",
                                     "SELECT action, count(*) AS n FROM touchpoints WHERE action LIKE 'webinar.%' GROUP BY action ORDER BY action"])
        #expect(csv.stdout == "action,n\nwebinar.attended,4\nwebinar.no_show,2\nwebinar.registered,3\n")
        for write in ["DELETE FROM persons", "UPDATE persons SET score = 0", "DROP TABLE touchpoints",
                      "INSERT INTO quarantine (source, stream, reason, payload, seen_at, payload_hash) VALUES ('a','b','c','d','e','f')",
                      "PRAGMA journal_mode = DELETE", "ATTACH DATABASE '/tmp/x.sqlite' AS x"] {
            let r = try CLIRunner.run(["query", "--config", config, write])
            #expect(r.status == 65, "\(write)")
            #expect(r.stderr.contains("read-only") || r.stderr.contains("readonly"), "\(write): \(r.stderr)")
        }
        #expect(try CLIRunner.run(["query", "--config", config, "--format", "csv", "SELECT count(*) AS n FROM persons"]).stdout == "n\n8\n")
    }

    @Test func invalidConfigExits78WithFileLineAndKey() throws {
        let ws = try Workspace()
        let config = try ws.write("bad.yaml", """
            store:
              path: journey.sqlite
            sources:
              - name: exports
                type: files
                path: drop
                formt: salesforce-data-export

            """)
        let r = try CLIRunner.run(["config", "check", "--config", config.path])
        #expect(r.status == 78)
        #expect(r.stderr.contains("bad.yaml:7:"))
        #expect(r.stderr.contains("sources[0].formt: unknown key 'formt'"))
        #expect(r.stderr.contains("did you mean 'format'?"))
        // The same refusal from the daemon, so systemd does not restart-loop on it.
        #expect(try CLIRunner.run(["ingest", "--config", config.path]).status == 78)
        let good = try ws.write("good.yaml", "store: {path: journey.sqlite}\nsources:\n  - {name: exports, type: files, path: drop, format: marketo-export}\n")
        let ok = try CLIRunner.run(["config", "check", "--config", good.path])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("OK"))
    }

    @Test func journeyShowsOnePersonAcrossSystems() throws {
        let (ws, config) = try sampleWorkspace()
        defer { withExtendedLifetime(ws) {} }
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        let table = try CLIRunner.run(["journey", "--config", config, " Maya.Chen@BRIGHTWAVE.io "])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("Maya Chen <maya.chen@brightwave.io>"))
        #expect(table.stdout.contains("account: Brightwave Logistics (brightwave.io)"))
        // Found by a Salesforce 15-character id as well; the timeline spans both teams and systems.
        let json = try CLIRunner.run(["journey", "--config", config, "--format", "json", "00Q5g00000Hx2Ka"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect((object["person"] as! [String: Any])["primary_email"] as? String == "maya.chen@brightwave.io")
        #expect((object["identifiers"] as! [[String: Any]]).count == 5)
        let timeline = object["timeline"] as! [[String: Any]]
        #expect(Set(timeline.compactMap { $0["side"] as? String }) == ["marketing", "sales"])
        #expect(Set(timeline.compactMap { $0["source"] as? String }) == ["sf", "mkto"])
        let unknown = try CLIRunner.run(["journey", "--config", config, "nobody@nowhere.example"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no person found"))
    }

    @Test func twoContactsOfOneSystemSharingAnEmailStayTwoPersonsAndTheConflictIsListed() throws {
        let ws = try Workspace()
        try ws.write("hs/contacts.csv", """
            Record ID,First Name,Last Name,Email,Last Modified Date
            501,Maya,Chen,maya.chen@brightwave.io,2025-04-18 17:31
            777,M.,Chen (duplicate),MAYA.CHEN@brightwave.io,2025-04-19 09:00

            """)
        try ws.write("mkto/leads.csv", "id,email,sfdcLeadId,updatedAt\n3004,maya.chen@brightwave.io,00Q5g00000Hx2KaEAJ,2025-03-14T09:11:02Z\n")
        let config = try ws.write("journeylake.yaml", """
            store: {path: journey.sqlite}
            sources:
              - {name: hs, type: files, path: hs, format: hubspot-contacts-export, settle: 0s}
              - {name: mkto, type: files, path: mkto, format: marketo-leads-export, settle: 0s}

            """).path
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        // The Marketo lead joins the first contact through the email; the duplicate contact stays apart.
        #expect(try ws.count("SELECT count(*) FROM persons") == 2)
        let conflicts = try CLIRunner.run(["identity", "conflicts", "--config", config, "--format", "csv"])
        #expect(conflicts.status == 0)
        let lines = conflicts.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "kind,value,refused_for,already_on,held_by,detected_at")
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("email,maya.chen@brightwave.io,hubspot:contacts:777,hubspot:contacts:501,p_") == true)
        // Ingesting again re-records nothing.
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        #expect(try ws.count("SELECT count(*) FROM identity_conflicts") == 1)
    }

    @Test func configCheckConnectReportsAnUnreachableSourceAndExits1() throws {
        let ws = try Workspace()
        try ws.write("drop/.keep", "")
        let config = try ws.write("journeylake.yaml", """
            store: {path: journey.sqlite}
            sources:
              - {name: here, type: files, path: drop, format: marketo-export}
              - {name: gone, type: files, path: nowhere, format: marketo-export}

            """)
        let r = try CLIRunner.run(["config", "check", "--connect", "--config", config.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("source here: type files, every 300.0 seconds: connected"))
        #expect(r.stdout.contains("source gone: type files, every 300.0 seconds: CANNOT CONNECT: folder"))
        // Without --connect only the file is validated.
        #expect(try CLIRunner.run(["config", "check", "--config", config.path]).status == 0)
    }

    @Test func bundledExampleConfigChecks() throws {
        let example = Fixtures.repositoryRoot.appendingPathComponent("config/journeylake.example.yaml").path
        let r = try CLIRunner.run(["config", "check", "--config", example])
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// A run derives what its passes touched once, at its end (`derive_every` asks for more
    /// often in long passes; `0s` after every batch), and the stages, scores and suggestions come
    /// out the same either way.
    @Test func aRunDerivesOnceAtItsEndAndTheSameAsAfterEveryBatch() throws {
        func run(_ store: String) throws -> (derives: Int, derived: String) {
            let (ws, config) = try sampleWorkspace(store: store)
            defer { withExtendedLifetime(ws) {} }
            let r = try CLIRunner.run(["ingest", "--config", config], environment: ["JOURNEYLAKE_LOG_LEVEL": "info"])
            #expect(r.status == 0, "\(r.stderr)")
            let derives = r.stderr.split(separator: "\n").filter { $0.contains("deriver=insights") && $0.hasSuffix("derived") }.count
            let q = try CLIRunner.run(["query", "--config", config, "--format", "csv", """
                SELECT p.primary_email, p.lifecycle_stage, p.score, h.stage, h.entered_at, h.rule,
                  (SELECT group_concat(n.action || ':' || n.rank, ' ') FROM next_actions n WHERE n.person_id = p.person_id) AS suggestions
                FROM persons p LEFT JOIN stage_history h USING (person_id)
                ORDER BY p.primary_email, h.entered_at, h.stage
                """])
            #expect(q.status == 0, "\(q.stderr)")
            return (derives, q.stdout)
        }
        let atEnd = try run("batch_size: 4")
        let everyBatch = try run("batch_size: 4\n  derive_every: 0s")
        // Three sources, one pass each: what they touched is derived once, after the last.
        #expect(atEnd.derives == 1, "\(atEnd.derives) derives")
        #expect(everyBatch.derives > atEnd.derives + 5, "31 Marketo activities alone are 8 batches of 4")
        #expect(atEnd.derived == everyBatch.derived)
        #expect(atEnd.derived.split(separator: "\n").count > 8)
    }

}
