import Foundation
import JourneyTesting
import Testing

/// `journeylake report …` on the bundled sample exports: the JSON contracts, and numbers that
/// agree with the SQL views and with each other.
@Suite struct ReportTests {
    func json(_ args: [String]) async throws -> Any {
        let r = try await CLIRunner.run(args + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    @Test(.timeLimit(.minutes(30))) func reportsPrintTheirContractsAndAgreeWithTheViews() async throws {
        let (ws, config) = try CLITests().sampleWorkspace()
        defer { withExtendedLifetime(ws) {} }
        #expect(try await CLIRunner.run(["ingest", "--config", config]).status == 0)

        let sla = try #require(try await json(["report", "sla", "--config", config]) as? [String: Any])
        for key in ["mqls", "responded", "met", "breached", "pending", "compliance", "median_response_hours", "p90_response_hours", "by_owner"] {
            #expect(sla.keys.contains(key), "sla lacks \(key): \(sla)")
        }
        let mqls = try #require(sla["mqls"] as? Int), met = try #require(sla["met"] as? Int)
        let breached = try #require(sla["breached"] as? Int), pending = try #require(sla["pending"] as? Int)
        #expect(mqls > 0)
        #expect(met + breached + pending == mqls)
        if met + breached > 0 { #expect(abs((sla["compliance"] as? Double ?? -1) - Double(met) / Double(met + breached)) < 1e-9) }
        let owners = try #require(sla["by_owner"] as? [[String: Any]])
        #expect(owners.map { $0["mqls"] as? Int ?? 0 }.reduce(0, +) == mqls)
        let view = try await CLIRunner.run(["query", "--config", config, "--format", "csv", "SELECT count(*) AS n FROM sla_follow_ups"])
        #expect(view.stdout == "n\n\(mqls)\n")

        let kpis = try #require(try await json(["report", "kpis", "--config", config]) as? [String: Any])
        for key in ["mqls", "sqls", "mql_to_sql_rate", "opportunities", "pipeline_created", "won_revenue", "marketing_sourced_pipeline",
                    "sales_sourced_pipeline", "touches_per_converted_lead"] {
            #expect(kpis.keys.contains(key), "kpis lacks \(key): \(kpis)")
        }
        #expect(kpis["mqls"] as? Int == mqls)
        #expect(kpis["won_revenue"] as? Double == 84000)
        let pipeline = try #require(kpis["pipeline_created"] as? Double)
        #expect(abs(pipeline - ((kpis["marketing_sourced_pipeline"] as? Double ?? 0) + (kpis["sales_sourced_pipeline"] as? Double ?? 0)
                                + (kpis["unsourced_pipeline"] as? Double ?? 0))) < 1e-6)

        let funnel = try #require(try await json(["report", "funnel", "--config", config]) as? [String: Any])
        let stages = try #require(funnel["stages"] as? [[String: Any]])
        #expect(stages.map { $0["stage"] as? String ?? "" } == ["subscriber", "lead", "mql", "sql", "opportunity", "customer"])
        #expect(stages.first { $0["stage"] as? String == "mql" }?["entries"] as? Int == mqls)
        let entries = try await CLIRunner.run(["query", "--config", config, "--format", "csv", "SELECT count(*) AS n FROM funnel_entries WHERE stage = 'lead'"])
        #expect(entries.stdout == "n\n\(stages[1]["entries"] as? Int ?? -1)\n")
        // Stalled: no stage entry and no touch in the last 30 days (the default), asked person by person.
        let stalled = try #require(funnel["stalled"] as? [[String: Any]])
        #expect(stalled.map { $0["stage"] as? String ?? "" } == ["subscriber", "lead", "mql", "sql", "opportunity"])
        for row in stalled {
            let stage = try #require(row["stage"] as? String)
            let limit = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')"
            let asked = try await CLIRunner.run(["query", "--config", config, "--format", "csv", """
                SELECT count(*) AS n FROM persons p WHERE p.lifecycle_stage = '\(stage)'
                  AND coalesce((SELECT max(entered_at) FROM stage_history h WHERE h.person_id = p.person_id), '') < \(limit)
                  AND coalesce((SELECT max(occurred_at) FROM touchpoints t WHERE t.person_id = p.person_id), '') < \(limit)
                """])
            #expect(asked.stdout == "n\n\(row["persons"] as? Int ?? -1)\n", "\(stage)")
        }
        // Cohorts by the channel of each person's first touch (the earliest, then the smallest id).
        let byChannel = try #require(try await json(["report", "funnel", "--config", config, "--by", "channel"]) as? [String: Any])
        let cohorts = try #require(byChannel["cohorts"] as? [[String: Any]])
        let firstTouches = try await CLIRunner.run(["query", "--config", config, "--format", "csv", """
            SELECT coalesce((SELECT t.channel FROM touchpoints t WHERE t.person_id = p.person_id ORDER BY t.occurred_at, t.touchpoint_id LIMIT 1),
              '(none)') AS channel, count(*) AS n
            FROM persons p WHERE p.person_id IN (SELECT person_id FROM stage_history) GROUP BY 1 ORDER BY 1
            """])
        let shown = cohorts.map { "\($0["cohort"] as? String ?? ""),\($0["leads"] as? Int ?? -1)" }.sorted()
        #expect(!shown.isEmpty)
        #expect(shown == firstTouches.stdout.split(separator: "\n").dropFirst().map(String.init).sorted(), "\(firstTouches.stdout)")
        // While a bulk load has the person index set aside, the same reports (read another way).
        let store = ws.root.appendingPathComponent("data/journey.sqlite").path
        let withIndex = [try await CLIRunner.run(["report", "funnel", "--config", config, "--format", "json"]).stdout,
                         try await CLIRunner.run(["report", "funnel", "--config", config, "--format", "json", "--by", "channel"]).stdout]
        try Workspace.execute("DROP INDEX touchpoints_by_person", path: store)
        let without = [try await CLIRunner.run(["report", "funnel", "--config", config, "--format", "json"]).stdout,
                       try await CLIRunner.run(["report", "funnel", "--config", config, "--format", "json", "--by", "channel"]).stdout]
        #expect(without == withIndex)
        try Workspace.execute("CREATE INDEX touchpoints_by_person ON touchpoints (person_id, occurred_at)", path: store)

        // Every model hands out exactly the conversions and their value: one deal won, 84,000.
        let rows = try #require(try await json(["report", "attribution", "--config", config]) as? [[String: Any]])
        let models = Set(rows.compactMap { $0["model"] as? String })
        #expect(models == ["first_touch", "last_touch", "linear", "position_based", "w_shaped", "time_decay", "markov", "shapley"])
        for model in models {
            let mine = rows.filter { $0["model"] as? String == model }
            #expect(abs(mine.map { $0["conversions"] as? Double ?? 0 }.reduce(0, +) - 1) < 1e-5, "\(model)")
            #expect(abs(mine.map { $0["value"] as? Double ?? 0 }.reduce(0, +) - 84000) < 1e-2, "\(model)")
            #expect(mine.allSatisfy { $0["channel"] is String })
        }
        #expect(rows.filter { $0["model"] as? String == "markov" }.allSatisfy { $0["removal_effect"] is Double })
        let campaigns = try #require(try await json(["report", "attribution", "--config", config, "--model", "linear", "--by", "campaign"]) as? [[String: Any]])
        #expect(campaigns.allSatisfy { $0["campaign"] is String && $0["model"] as? String == "linear" })
        // A period before the deal was won credits nothing.
        let early = try #require(try await json(["report", "attribution", "--config", config, "--until", "2025-03-01"]) as? [[String: Any]])
        #expect(early.allSatisfy { ($0["conversions"] as? Double ?? 1) == 0 })

        let bad = try await CLIRunner.run(["report", "attribution", "--config", config, "--model", "magic"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("markov"))
        #expect(try await CLIRunner.run(["report", "kpis", "--config", config, "--since", "March"]).status == 64)
    }
}
