import Foundation
import GRDB
import JourneyTesting
import Testing

/// `journeylake forget` (R19): complete, audited, and the person cannot come back.
@Suite struct ForgetTests {
    /// Maya in HubSpot and Marketo (one person, linked by email), with two activities and a
    /// malformed lead row that spells her address; Mark in Salesforce and Ann in both HubSpot and
    /// Marketo, who must come through untouched.
    static func workspace() throws -> (Workspace, String) {
        let ws = try Workspace()
        try ws.write("hs/contacts.csv", """
            Record ID,First Name,Last Name,Email,Last Modified Date
            501,Maya,Chen,Maya.Chen@Brightwave.io,2025-04-18 17:31
            502,Ann,Lee,ann.lee@otherco.io,2025-04-18 17:31

            """)
        try ws.write("sf/Contact.csv", #""Id","FirstName","LastName","Email","IsDeleted","SystemModstamp""# + "\n"
            + #""0035g00000AbCdEAAV","Mark","Chen","mark.chen@brightwave.io","false","2025-04-01T00:00:00.000Z""# + "\n")
        try ws.write("mkto/leads.csv", """
            id,email,firstName,updatedAt
            3004,maya.chen@brightwave.io,Maya,2025-03-14T09:11:02Z
            3005,ann.lee@otherco.io,Ann,2025-03-14T09:11:02Z

            """)
        try ws.write("mkto/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            990001,3004,2025-03-15T10:00:00Z,10,null,1,Newsletter,null
            990002,3005,2025-03-15T10:00:00Z,10,null,1,Newsletter,null
            990003,3004,2025-03-16T10:00:00Z,2,null,7,Contact us,"{""Note"": ""asked for a demo""}"

            """)
        try ws.write("mkto/leads-bad.csv", "id,email,firstName,updatedAt\n3004,MAYA.CHEN@brightwave.io,Maya,not-a-time,surplus\n")
        // HubSpot, Salesforce and Marketo file drops, as the identity commands' tests use.
        return (ws, try ws.write("journeylake.yaml", IdentityCommandTests.config).path)
    }

    /// Every table and view column whose text holds `needle` (any case), as `table.column` — but
    /// the random salt and the hashes made with it, whose hex digits may spell a numeric needle
    /// (numbers are not text: a score's digits may too).
    static func mentions(of needle: String, in ws: Workspace) throws -> [String] {
        try ws.db().read { db in
            var out: [String] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name") {
                for column in try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]).map({ $0[0] as String })
                where !["suppression_salt.salt", "suppressed_identifiers.hash"].contains("\(table).\(column)") {
                    let n = try Int.fetchOne(db, sql: """
                        SELECT count(*) FROM "\(table)" WHERE typeof("\(column)") = 'text' AND instr(lower("\(column)"), ?) > 0
                        """, arguments: [needle.lowercased()]) ?? 0
                    if n > 0 { out.append("\(table).\(column)") }
                }
            }
            return out
        }
    }

    /// Whether the store's files (database and WAL) hold `needle` anywhere, free pages included.
    static func fileHolds(_ needle: String, _ ws: Workspace) throws -> Bool {
        let wanted = Data(needle.lowercased().utf8)
        for suffix in ["", "-wal"] {
            guard let data = FileManager.default.contents(atPath: ws.storePath + suffix) else { continue }
            let lowered = Data(data.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 })
            if lowered.range(of: wanted) != nil { return true }
        }
        return false
    }

    /// The other persons, everything about them that forgetting Maya must leave as it was.
    static func others(_ ws: Workspace) throws -> [String] {
        try ws.strings("""
            SELECT 'person ' || person_id || ' ' || coalesce(primary_email, '') || ' ' || coalesce(lifecycle_stage, '') FROM persons
              WHERE primary_email NOT LIKE 'maya%'
            UNION ALL SELECT 'identifier ' || kind || ':' || value || ' ' || person_id FROM identifiers
              WHERE person_id IN (SELECT person_id FROM persons WHERE primary_email NOT LIKE 'maya%')
            UNION ALL SELECT 'touchpoint ' || touchpoint_id || ' ' || person_id FROM touchpoints
              WHERE person_id IN (SELECT person_id FROM persons WHERE primary_email NOT LIKE 'maya%')
            UNION ALL SELECT 'raw ' || source || '/' || stream || '/' || external_id FROM raw_records
              WHERE external_id NOT IN ('501', '3004', '990001', '990003')
            ORDER BY 1
            """)
    }

    @Test func forgetRemovesEveryTraceAndNeitherIngestNorReprocessBringsThePersonBack() throws {
        let (ws, config) = try Self.workspace()
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        #expect(try ws.count("SELECT count(*) FROM persons") == 3)
        #expect(try ws.count("SELECT count(*) FROM quarantine WHERE lower(payload) LIKE '%maya%'") == 1)
        #expect(try !Self.mentions(of: "maya.chen", in: ws).isEmpty)
        let others = try Self.others(ws)

        let run = try CLIRunner.run(["forget", "--config", config, "Maya.Chen@BRIGHTWAVE.io", "--reason", "DSR-1042", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(report["persons"] as? Int == 1)
        #expect(report["mode"] as? String == "delete")
        #expect(report["reason"] as? String == "DSR-1042")
        // Her HubSpot contact, Marketo lead and two activities.
        #expect(report["records"] as? Int == 4)
        #expect(report["touchpoints_removed"] as? Int ?? 0 >= 2)
        #expect(report["quarantine_rows"] as? Int == 1)
        // Her stage history, score and signals at least (counted before identity's cascade removes them).
        #expect(report["derived_rows"] as? Int ?? 0 >= 3, "\(report)")

        for needle in ["maya", "3004", "990003", "demo"] {
            #expect(try Self.mentions(of: needle, in: ws) == [], "\(needle)")
        }
        #expect(try !Self.fileHolds("maya.chen", ws), "deleted content left in the file")
        let othersNow = try Self.others(ws)
        #expect(othersNow == others, "\(Set(othersNow).symmetricDifference(others).sorted())")
        #expect(try ws.count("SELECT count(*) FROM suppressed_identifiers") >= 3)
        #expect(try ws.count("SELECT count(*) FROM next_actions WHERE person_id NOT IN (SELECT person_id FROM persons)") == 0)

        // The same exports arrive again, under new names (a re-export), and a reprocess runs.
        for (from, to) in [("hs/contacts.csv", "hs/contacts-2.csv"), ("mkto/leads.csv", "mkto/leads-2.csv"),
                           ("mkto/activities.csv", "mkto/activities-2.csv"), ("mkto/leads-bad.csv", "mkto/leads-bad-2.csv")] {
            try FileManager.default.copyItem(atPath: ws.root.appendingPathComponent(from).path, toPath: ws.root.appendingPathComponent(to).path)
        }
        let again = try CLIRunner.run(["ingest", "--config", config, "--format", "json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("about forgotten persons refused"))
        #expect(try CLIRunner.run(["reprocess", "--config", config]).status == 0)
        #expect(try CLIRunner.run(["identity", "rebuild", "--config", config]).status == 0)
        for needle in ["maya", "3004", "990003"] {
            #expect(try Self.mentions(of: needle, in: ws) == [], "\(needle)")
        }
        let othersAtLast = try Self.others(ws)
        #expect(othersAtLast == others, "\(Set(othersAtLast).symmetricDifference(others).sorted())")
        #expect(try ws.count("SELECT count(*) FROM persons") == 2)

        // The audit log says what was done, never to whom.
        let list = try CLIRunner.run(["forget", "--config", config, "--list", "--format", "csv"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("DSR-1042") && !list.stdout.lowercased().contains("maya"))
    }

    @Test func anonymiseKeepsTheTouchpointsAsAnonymousEventsAndDropsThePersonFromFunnels() throws {
        let (ws, config) = try Self.workspace()
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        let touchpoints = try ws.count("SELECT count(*) FROM touchpoints")
        let byChannel = try ws.strings("SELECT channel || ' ' || action || ' ' || n FROM (SELECT channel, action, count(*) AS n FROM touchpoints GROUP BY 1, 2) ORDER BY 1")
        let funnelBefore = try CLIRunner.run(["report", "funnel", "--config", config, "--format", "json"])
        #expect(funnelBefore.status == 0, "\(funnelBefore.stderr)")

        let run = try CLIRunner.run(["forget", "--config", config, "marketo_lead:3004", "--anonymise", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(report["mode"] as? String == "anonymise")
        #expect(report["touchpoints_anonymised"] as? Int ?? 0 >= 2)

        // As many touchpoints per channel and action as before, hers with no person or details.
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == touchpoints)
        #expect(try ws.strings("SELECT channel || ' ' || action || ' ' || n FROM (SELECT channel, action, count(*) AS n FROM touchpoints GROUP BY 1, 2) ORDER BY 1") == byChannel)
        #expect(try ws.count("""
            SELECT count(*) FROM touchpoints WHERE touchpoint_id LIKE 'forgotten:%'
              AND person_id IS NULL AND person_ref IS NULL AND account_id IS NULL AND content IS NULL AND attributes IS NULL
            """) == report["touchpoints_anonymised"] as? Int)
        for needle in ["maya", "3004", "demo"] {
            #expect(try Self.mentions(of: needle, in: ws) == [], "\(needle)")
        }
        // Funnels count persons: one lead fewer entered it.
        let funnel = try CLIRunner.run(["report", "funnel", "--config", config, "--format", "json"])
        #expect(funnel.status == 0, "\(funnel.stderr)")
        func leads(_ text: String) throws -> Int {
            let report = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
            let stages = report["stages"] as? [[String: Any]] ?? []
            return stages.first { $0["stage"] as? String == "lead" }?["entries"] as? Int ?? -1
        }
        #expect(try leads(funnelBefore.stdout) == 3)
        #expect(try leads(funnel.stdout) == 2, "\(funnel.stdout)")
        // Reports and the journey of the others still work on the anonymous rows.
        #expect(try CLIRunner.run(["report", "attribution", "--config", config]).status == 0)
        #expect(try CLIRunner.run(["journey", "--config", config, "ann.lee@otherco.io"]).status == 0)
        #expect(try CLIRunner.run(["identity", "rebuild", "--config", config]).status == 0)
        #expect(try CLIRunner.run(["reprocess", "--config", config]).status == 0)
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == touchpoints)
        #expect(try ws.strings("SELECT channel || ' ' || action || ' ' || n FROM (SELECT channel, action, count(*) AS n FROM touchpoints GROUP BY 1, 2) ORDER BY 1") == byChannel)
    }

    @Test func aPersonForgottenBeforeTheirDataArrivesNeverLoadsAndNonsenseIsRefused() throws {
        let (ws, config) = try Self.workspace()
        let early = try CLIRunner.run(["forget", "--config", config, "maya.chen@brightwave.io"])
        #expect(early.status == 0, "\(early.stderr)")
        #expect(early.stderr.contains("nobody in the store matches"))
        let ingest = try CLIRunner.run(["ingest", "--config", config])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        // Her HubSpot contact and Marketo lead name her by email, and her activities by her lead
        // (refused with the lead, whose id is then known only as hers).
        #expect(try ws.count("SELECT count(*) FROM persons WHERE primary_email LIKE 'maya%'") == 0)
        #expect(try Self.mentions(of: "maya", in: ws) == [])
        #expect(try ws.count("SELECT count(*) FROM persons") == 2)

        let nonsense = try CLIRunner.run(["forget", "--config", config, "no-such-person"])
        #expect(nonsense.status == 64)
        #expect(nonsense.stderr.contains("no person matches"))
        // A bare id two systems gave two different persons names neither: refused, nothing removed.
        try ws.write("mkto/leads-more.csv", "id,email,firstName,updatedAt\n502,zed@zeta.example,Zed,2025-03-14T09:11:02Z\n")
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        let persons = try ws.count("SELECT count(*) FROM persons")
        let ambiguous = try CLIRunner.run(["forget", "--config", config, "502"])
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr.contains("hubspot_contact:502") && ambiguous.stderr.contains("marketo_lead:502"), "\(ambiguous.stderr)")
        #expect(try ws.count("SELECT count(*) FROM persons") == persons)
        #expect(try CLIRunner.run(["forget", "--config", config, "marketo_lead:502"]).status == 0)
        #expect(try ws.count("SELECT count(*) FROM persons") == persons - 1)
        #expect(try ws.count("SELECT count(*) FROM persons WHERE first_name = 'Ann'") == 1)
        #expect(try CLIRunner.run(["forget", "--config", config]).status == 64)
        #expect(try CLIRunner.run(["forget", "--config", config, "--list", "ann.lee@otherco.io"]).status == 64)
    }

    @Test func aSharedMailboxIsNeverSuppressed() throws {
        // The front desk's lead has the company's info@ address; forgetting it must not refuse
        // the next lead that uses the same shared mailbox.
        let ws = try Workspace()
        let header = #""Id","FirstName","LastName","Email","IsDeleted","SystemModstamp""# + "\n"
        try ws.write("sf/Lead.csv", header
            + #""00Q5g00000AAAAAEAA","Front","Desk","info@brightwave.io","false","2025-04-01T00:00:00.000Z""# + "\n")
        let config = try ws.write("journeylake.yaml", """
            store: {path: journey.sqlite}
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}

            """).path
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        let run = try CLIRunner.run(["forget", "--config", config, "salesforce_lead:00Q5g00000AAAAAEAA"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ws.count("SELECT count(*) FROM persons") == 0)
        #expect(try ws.strings("SELECT kind FROM suppressed_identifiers ORDER BY 1") == ["record", "salesforce_lead"])
        let mailbox = try CLIRunner.run(["forget", "--config", config, "info@brightwave.io"])
        #expect(mailbox.status == 0 && mailbox.stderr.contains("names no one person"), "\(mailbox.stderr)")
        #expect(try ws.count("SELECT count(*) FROM suppressed_identifiers WHERE kind = 'email'") == 0)
        try ws.write("sf/Lead-2.csv", header
            + #""00Q5g00000CCCCCEAA","Bob","Lee","info@brightwave.io","false","2025-05-01T00:00:00.000Z""# + "\n")
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        #expect(try ws.strings("SELECT first_name FROM persons") == ["Bob"])
    }

    @Test func anIdentifierAnotherPersonStillHasStaysTheirs() throws {
        // Two Salesforce leads with one address are two persons (records of one system object never merge).
        let ws = try Workspace()
        let header = #""Id","FirstName","LastName","Email","IsDeleted","SystemModstamp""# + "\n"
        try ws.write("sf/Lead.csv", header
            + #""00Q5g00000AAAAAEAA","Pat","Doe","pat.doe@brightwave.io","false","2025-04-01T00:00:00.000Z""# + "\n"
            + #""00Q5g00000BBBBBEAA","Maya","Chen","pat.doe@brightwave.io","false","2025-04-02T00:00:00.000Z""# + "\n")
        let config = try ws.write("journeylake.yaml", """
            store: {path: journey.sqlite}
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}

            """).path
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        #expect(try ws.count("SELECT count(*) FROM persons") == 2)
        let pat = try ws.strings("SELECT person_id FROM persons WHERE first_name = 'Pat'")

        let run = try CLIRunner.run(["forget", "--config", config, "salesforce_lead:00Q5g00000BBBBBEAA", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try ws.strings("SELECT person_id FROM persons") == pat)
        #expect(try Self.mentions(of: "maya", in: ws) == [])
        #expect(try ws.count("SELECT count(*) FROM suppressed_identifiers WHERE kind = 'email'") == 0)
        #expect(try ws.count("SELECT count(*) FROM suppressed_identifiers WHERE kind = 'salesforce_lead'") == 1)
        let patNow = try ws.strings("SELECT kind || ':' || value || ' ' || person_id FROM identifiers ORDER BY 1")
        #expect(patNow.contains("email:pat.doe@brightwave.io \(pat[0])"))
        // Pat's lead, re-exported beside Maya's, still loads, and a rebuild agrees.
        try ws.write("sf/Lead-2.csv", header
            + #""00Q5g00000AAAAAEAA","Pat","Doe","pat.doe@brightwave.io","false","2025-05-01T00:00:00.000Z""# + "\n"
            + #""00Q5g00000BBBBBEAA","Maya","Chen","pat.doe@brightwave.io","false","2025-05-02T00:00:00.000Z""# + "\n")
        let again = try CLIRunner.run(["ingest", "--config", config])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try ws.strings("SELECT first_name || ' ' || updated_at FROM persons") == ["Pat 2025-05-01T00:00:00.000Z"])
        #expect(try CLIRunner.run(["identity", "rebuild", "--config", config]).status == 0)
        #expect(try ws.strings("SELECT kind || ':' || value || ' ' || person_id FROM identifiers ORDER BY 1") == patNow)
        #expect(try Self.mentions(of: "maya", in: ws) == [])
    }
}

/// `POST /v1/forget`: the same erasure through a running daemon, which holds the store.
@Suite struct ForgetThroughTheAPITests {
    @Test(.timeLimit(.minutes(30))) func anAdminForgetsAPersonWhileTheDaemonRunsAndTheNextSyncKeepsThemOut() async throws {
        let (ws, config, read, admin) = try ServeTests.workspace()
        defer { withExtendedLifetime(ws) {} }
        let serve = try ServeProcess(config: config)
        let url = try #require(try await serve.baseURL(), "\(serve.output)")
        let api = HTTPTestClient(baseURL: url)
        for source in ["sf", "hs"] { _ = try await api.with(token: admin).post("/v1/sources/\(source)/sync?wait=true") }
        let found = try #require(try await api.with(token: read).get("/v1/persons?email=maya.chen@brightwave.io").json() as? [String: Any])
        #expect((found["items"] as? [Any])?.count == 1)

        let body = #"{"who": "Maya.Chen@Brightwave.io", "reason": "DSR-7"}"#
        #expect(try await api.with(token: read).post("/v1/forget", json: body).status == 403)
        let done = try await api.with(token: admin).post("/v1/forget", json: body)
        #expect(done.status == 200, "\(done.body)")
        let audit = try #require(try done.json() as? [String: Any])
        #expect(audit["persons"] as? Int == 1 && audit["reason"] as? String == "DSR-7" && audit["mode"] as? String == "delete")
        #expect(!done.body.lowercased().contains("maya"))
        let gone = try #require(try await api.with(token: read).get("/v1/persons?email=maya.chen@brightwave.io").json() as? [String: Any])
        #expect((gone["items"] as? [Any])?.isEmpty == true)

        // The sources' next passes read the same exports again (touched, so re-read whole).
        for file in try FileManager.default.contentsOfDirectory(atPath: ws.root.appendingPathComponent("sf").path) {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -600)], ofItemAtPath: ws.root.appendingPathComponent("sf/\(file)").path)
        }
        for source in ["sf", "hs"] {
            #expect(try await api.with(token: admin).post("/v1/sources/\(source)/sync?wait=true").status == 200)
        }
        #expect(try ForgetTests.mentions(of: "maya.chen", in: ws) == [])
        // Her rows were read again, and refused.
        #expect(serve.output.range(of: #"pass .*suppressed=[1-9]"#, options: .regularExpression) != nil, "\(serve.output)")

        #expect(try await api.with(token: admin).post("/v1/forget", json: #"{"who": "no-such-person"}"#).status == 404)
        #expect(try await api.with(token: admin).post("/v1/forget", json: #"{"sql": "SELECT 1"}"#).status == 400)
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit() == 0, "\(serve.output)")
        #expect(!serve.output.lowercased().contains("maya"), "the log names the person")
    }
}
