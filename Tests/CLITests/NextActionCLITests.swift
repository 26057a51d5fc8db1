import Foundation
import JourneyTesting
import Testing

/// `journeylake next-actions`, `backtest`, `feedback` and `report suggestions` through the real
/// binary, on a small generated history loaded through generic CSV mappings.
@Suite struct NextActionCLITests {
    /// A deterministic history of `people` prospects over 26 weeks ending 2025-06-30: web visits,
    /// downloads, a random policy of marketing and sales actions, hand-raises and deals.
    static func history(people: Int = 160, seed: UInt64 = 7) -> (people: [[String]], touches: [[String]]) {
        var rng = SplitMix64(seed: seed)
        let start = 1_735_689_600.0  // 2025-01-01
        let week = 7 * 86_400.0
        func iso(_ t: Double) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
            return f.string(from: Date(timeIntervalSince1970: t))
        }
        var persons: [[String]] = [], touches: [[String]] = []
        var n = 0
        func touch(_ t: Double, _ email: String, _ channel: String, _ action: String, _ side: String, content: String = "", owner: String = "",
                   attributes: String = "") {
            n += 1
            touches.append([String(format: "T%06d", n), email, iso(t), channel, action, side, content, owner, attributes])
        }
        for i in 0..<people {
            let email = "p\(i)@company\(i / 2).example", owner = "rep\(i % 3)"
            let startWeek = rng.below(20)
            let created = start + Double(startWeek) * week + Double(rng.below(86_400))
            persons.append(["N\(i)", email, i % 2 == 0 ? "VP Sales" : "Analyst", owner, iso(created)])
            var stage = 0  // lead, mql, sql, opportunity, customer
            for w in startWeek..<26 {
                let t = max(start + Double(w) * week, created) + Double(rng.below(40_000))
                if rng.chance(40) { touch(t, email, "web", "web.visit", "marketing") }
                if rng.chance(10) { touch(t + 60, email, "content", "content.downloaded", "marketing", content: "Report") }
                if rng.chance(40) {
                    let menu: [(String, String, String)] = stage == 0
                        ? [("email", "email.sent", "marketing"), ("email", "webinar.invited", "marketing"), ("email", "content.offered", "marketing")]
                        : [("phone", "call.outbound", "sales"), ("email", "email.sent", "sales"), ("meeting", "meeting.held", "sales")]
                    let (c, a, s) = rng.pick(menu)
                    touch(t + 120, email, c, a, s, owner: s == "sales" ? owner : "")
                    if stage == 1, s == "sales" { stage = 2 }
                }
                if stage == 0, rng.chance(6) {
                    touch(t + 3_600, email, "form", "form.submitted", "marketing", content: "Request a demo")
                    stage = 1
                } else if stage == 2, rng.chance(8) {
                    touch(t + 7_200, email, "crm", "opportunity.created", "sales", owner: owner, attributes: "{\"opportunity_id\":\"O\(i)\"}")
                    stage = 3
                } else if stage == 3, rng.chance(10) {
                    touch(t + 7_200, email, "crm", "opportunity.won", "sales", owner: owner, attributes: "{\"opportunity_id\":\"O\(i)\"}")
                    break
                }
            }
        }
        return (persons, touches.sorted { $0[2] < $1[2] })
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map { $0.contains(",") || $0.contains("\"") ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
            .joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static let config = """
        store:
          path: journey.sqlite
        definitions:
          mql: { fit: { titles: ["^VP"] } }
        sources:
          - name: people
            type: files
            path: people
            format: csv
            settle: 0s
            mapping: { record: person, system: crm, id: person_id, fields: { email: email, title: title, owner: owner, created_at: created_at } }
          - name: touchpoints
            type: files
            path: touchpoints
            format: csv
            settle: 0s
            mapping:
              record: touchpoint
              system: crm
              stream: touchpoints
              id: touchpoint_id
              fields: { email: email, occurred_at: occurred_at, channel: channel, action: action, side: side, content: content, owner: owner, attributes: attributes }
        """

    /// A workspace holding the history, or only what happened before `cut`.
    static func workspace(before cut: String? = nil) async throws -> (Workspace, String) {
        let (people, touches) = history()
        let ws = try Workspace()
        try ws.write("people/people.csv", csv(["person_id", "email", "title", "owner", "created_at"], people.filter { cut == nil || $0[4] < cut! }))
        try ws.write("touchpoints/touchpoints.csv", csv(
            ["touchpoint_id", "email", "occurred_at", "channel", "action", "side", "content", "owner", "attributes"],
            touches.filter { cut == nil || $0[2] < cut! }))
        let config = try ws.write("journeylake.yaml", Self.config).path
        let ingest = try await CLIRunner.run(["ingest", "--config", config])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return (ws, config)
    }

    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// What a store holding only the data before a date says as of that date is what the whole
    /// store says as of it: no later touch, stage, deal or snapshot leaks into the past.
    @Test(.timeLimit(.minutes(30))) func asOfAndTheBacktestSeeOnlyWhatHappenedBeforeTheDate() async throws {
        let cut = "2025-05-01"
        let (whole, wholeConfig) = try await Self.workspace()
        let (past, pastConfig) = try await Self.workspace(before: cut + "T00:00:00Z")
        defer { withExtendedLifetime((whole, past)) {} }
        let a = try await CLIRunner.run(["next-actions", "--config", wholeConfig, "--as-of", cut, "--format", "json"])
        let b = try await CLIRunner.run(["next-actions", "--config", pastConfig, "--as-of", cut, "--format", "json"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        let rows = try #require(try Self.json(a.stdout) as? [[String: Any]])
        #expect(rows.count > 20, "the history should give suggestions: \(a.stdout.prefix(300))")
        #expect(a.stdout == b.stdout, "as-of on the whole store differs from a store holding only the past")
        for row in rows {
            for key in ["person_id", "rank", "action", "channel", "side", "score", "reason", "evidence", "computed_at"] {
                #expect(row.keys.contains(key), "\(key) missing: \(row)")
            }
            #expect(row["computed_at"] as? String == "2025-05-01T00:00:00.000Z")
            #expect(row["evidence"] is [String: Any])
        }
        // The backtest's suggestions are the as-of ones: the same prospects and coverage either way.
        let ba = try await CLIRunner.run(["backtest", "--config", wholeConfig, "--as-of", cut, "--horizon", "30d", "--format", "json"])
        let bb = try await CLIRunner.run(["backtest", "--config", pastConfig, "--as-of", cut, "--horizon", "30d", "--format", "json"])
        let ra = try #require(try Self.json(ba.stdout) as? [String: Any]), rb = try #require(try Self.json(bb.stdout) as? [String: Any])
        #expect(ra["prospects"] as? Int == rb["prospects"] as? Int)
        let sa = try #require(ra["strategies"] as? [[String: Any]]), sb = try #require(rb["strategies"] as? [[String: Any]])
        #expect(sa.map { $0["coverage"] as? Double } == sb.map { $0["coverage"] as? Double })
        // The past store has no future: nothing converted after the date.
        #expect(sb.allSatisfy { ($0["converted_followed"] as? Int) == 0 && ($0["converted_not_followed"] as? Int) == 0 })
    }

    @Test(.timeLimit(.minutes(30))) func theBacktestReportsEveryStrategyWithConsistentNumbers() async throws {
        let (ws, config) = try await Self.workspace()
        defer { withExtendedLifetime(ws) {} }
        let r = try await CLIRunner.run(["backtest", "--config", config, "--as-of", "2025-05-01", "--horizon", "30d", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try Self.json(r.stdout) as? [String: Any])
        #expect(report["as_of"] as? String == "2025-05-01T00:00:00.000Z")
        #expect(report["horizon_days"] as? Int == 30)
        #expect(report["goal"] as? String == "next_stage")
        let prospects = try #require(report["prospects"] as? Int)
        #expect(prospects > 20)
        let strategies = try #require(report["strategies"] as? [[String: Any]])
        #expect(strategies.map { $0["strategy"] as? String } == ["journeylake", "random", "most_popular", "guardrails_only"])
        for s in strategies {
            let followed = try #require(s["followed"] as? Int), notFollowed = try #require(s["not_followed"] as? Int)
            #expect(followed + notFollowed == prospects && s["prospects"] as? Int == prospects)
            let cf = try #require(s["converted_followed"] as? Int), cn = try #require(s["converted_not_followed"] as? Int)
            if followed > 0 { #expect(abs((s["rate_followed"] as? Double ?? -1) - Double(cf) / Double(followed)) < 1e-4) }
            if let lift = s["lift"] as? Double, let rf = s["rate_followed"] as? Double, let rn = s["rate_not_followed"] as? Double {
                #expect(abs(lift - rf / rn) < 1e-3)
                #expect((s["lift_ci_low"] as? Double ?? .infinity) <= lift && lift <= (s["lift_ci_high"] as? Double ?? 0))
            }
            _ = cn
            let coverage = try #require(s["coverage"] as? Double)
            #expect((0...1).contains(coverage))
            for key in ["precision_at_k", "lift", "lift_ci_low", "lift_ci_high", "rate_not_followed"] { #expect(s.keys.contains(key)) }
        }
        #expect(try await CLIRunner.run(["backtest", "--config", config, "--as-of", "May"]).status == 64)
        #expect(try await CLIRunner.run(["backtest", "--config", config, "--as-of", "2025-05-01", "--goal", "revenue"]).status == 64)
    }

    @Test(.timeLimit(.minutes(30))) func feedbackSuppressesADismissedSuggestionAndTheReportCountsIt() async throws {
        let (ws, config) = try await Self.workspace()
        defer { withExtendedLifetime(ws) {} }
        let list = try await CLIRunner.run(["next-actions", "--config", config, "--format", "json"])
        #expect(list.status == 0, "\(list.stderr)")
        let rows = try #require(try Self.json(list.stdout) as? [[String: Any]])
        let row = try #require(rows.first { ($0["action"] as? String).map { $0 != "hold" && $0 != "sales_call" } ?? false })
        let person = try #require(row["person_id"] as? String), action = try #require(row["action"] as? String)

        let marked = try await CLIRunner.run(["feedback", "--config", config, "dismissed", person, action])
        #expect(marked.status == 0, "\(marked.stderr)")
        let after = try #require(try Self.json(try await CLIRunner.run(["next-actions", "--config", config, "--format", "json"]).stdout) as? [[String: Any]])
        #expect(!after.contains { $0["person_id"] as? String == person && $0["action"] as? String == action })
        #expect(try ws.count("SELECT count(*) FROM next_action_log WHERE person_id = '\(person)' AND action = '\(action)' AND status = 'dismissed'") == 1)
        // Not open any more: marking it again is refused, as is an action never suggested.
        let again = try await CLIRunner.run(["feedback", "--config", config, "dismissed", person, action])
        #expect(again.status == 65 && again.stderr.contains("no open suggestion"), "\(again.stderr)")
        #expect(try await CLIRunner.run(["feedback", "--config", config, "maybe", person, action]).status == 64)

        let report = try #require(try Self.json(try await CLIRunner.run(["report", "suggestions", "--config", config, "--format", "json"]).stdout)
            as? [String: Any])
        #expect(report["dismissed"] as? Int == 1)
        for key in ["suggestions", "taken", "take_rate", "rate_taken", "rate_not_taken", "treated", "holdout", "by_action"] {
            #expect(report.keys.contains(key), "\(key) missing")
        }
        // The person's journey shows their suggestions.
        let journey = try await CLIRunner.run(["journey", "--config", config, person])
        #expect(journey.status == 0 && journey.stdout.contains("next actions"), "\(journey.stdout)")
    }

    @Test(.timeLimit(.minutes(30))) func filtersAndLimitsShapeTheList() async throws {
        let (ws, config) = try await Self.workspace()
        defer { withExtendedLifetime(ws) {} }
        let all = try #require(try Self.json(try await CLIRunner.run(["next-actions", "--config", config, "--format", "json"]).stdout) as? [[String: Any]])
        let owner = try await CLIRunner.run(["next-actions", "--config", config, "--owner", "rep1", "--format", "json"])
        let mine = try #require(try Self.json(owner.stdout) as? [[String: Any]])
        let rep1 = Set(try ws.strings("SELECT person_id FROM persons WHERE owner = 'rep1'"))
        #expect(!mine.isEmpty && mine.allSatisfy { rep1.contains($0["person_id"] as? String ?? "") })
        #expect(mine.count == all.filter { rep1.contains($0["person_id"] as? String ?? "") }.count)
        let three = try #require(try Self.json(try await CLIRunner.run(["next-actions", "--config", config, "--limit", "3", "--format", "json"]).stdout)
            as? [[String: Any]])
        #expect(three.count == 3)
        #expect(three.map { $0["person_id"] as? String } == all.prefix(3).map { $0["person_id"] as? String })
        let leads = try await CLIRunner.run(["next-actions", "--config", config, "--stage", "lead", "--format", "csv"])
        #expect(leads.stdout.hasPrefix("person_id,rank,action,channel,side,score,reason,evidence,computed_at\n"))
        #expect(try await CLIRunner.run(["next-actions", "--config", config, "--stage", "hot"]).status == 64)
    }
}
