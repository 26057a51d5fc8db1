import Foundation
import JourneyTesting
import Testing

/// The dashboard in a real headless Chromium against `journeylake serve` (the real daemon, on
/// 127.0.0.1:0) over the bundled sample exports: each page shows its data with the numbers the
/// API and the CLI print, login and logout work, a page without a session goes to the login, and
/// marks feed the feedback loop. Skipped, saying why, only where no chromium is installed
/// (`.ci/run` installs it).
@Suite(.enabled(if: HeadlessChromium.executable != nil, "no chromium on PATH: apt-get install chromium"))
struct DashboardTests {
    /// The sample exports (Salesforce, HubSpot, Marketo) ingested by the CLI, a tokens file with a
    /// read, a write and an admin token made by `journeylake token create`, and `serve` on a free port.
    final class Served {
        let ws: Workspace
        let config: String
        let tokens: [String: String]
        let serve: ServeProcess
        let base: URL

        init(environment: [String: String] = [:]) async throws {
            ws = try Workspace()
            for (vendor, folder) in [("salesforce", "sf"), ("hubspot", "hs"), ("marketo", "mkto")] { try ws.copyFixtures(vendor, to: folder) }
            var tokens: [String: String] = [:]
            var lines = ["# made by journeylake token create"]
            for scope in ["read", "write", "admin"] {
                let made = try await CLIRunner.run(["token", "create", "--scope", scope])
                let out = made.stdout.split(separator: "\n").map(String.init)
                try #require(made.status == 0 && out.count == 2, "\(made.stderr)")
                tokens[scope] = String(out[0].dropFirst("token: ".count))
                lines.append(out[1])
            }
            self.tokens = tokens
            try ws.write("secrets/tokens", lines.joined(separator: "\n") + "\n")
            config = try ws.write("journeylake.yaml", """
                store:
                  path: journey.sqlite
                sources:
                  - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s, poll_interval: 1h}
                  - {name: hs, type: files, path: hs, format: hubspot-export, settle: 0s, poll_interval: 1h}
                  - {name: mkto, type: files, path: mkto, format: marketo-export, settle: 0s, poll_interval: 1h}
                server:
                  listen: 127.0.0.1:0
                  tokens: { file: secrets/tokens }

                """).path
            let ingest = try await CLIRunner.run(["ingest", "--config", config])
            try #require(ingest.status == 0, "\(ingest.stderr)")
            serve = try ServeProcess(config: config, environment: environment)
            base = try #require(try await serve.baseURL(), "\(serve.output)")
            // A pass of each source (nothing new) is done before any page is compared.
            for source in ["sf", "hs", "mkto"] {
                let pass = try await HTTPTestClient(baseURL: base, token: tokens["admin"]).post("/v1/sources/\(source)/sync?wait=true")
                try #require(pass.status == 200, "\(pass.body)")
            }
        }

        func api(_ scope: String) -> HTTPTestClient { HTTPTestClient(baseURL: base, token: tokens[scope]) }

        func json(_ path: String) async throws -> Any {
            let reply = try await api("read").get(path)
            try #require(reply.status == 200, "\(path): \(reply.body)")
            return try reply.json()
        }

        func cli(_ arguments: [String]) async throws -> Any {
            let run = try await CLIRunner.run(arguments + ["--config", config, "--format", "json"])
            try #require(run.status == 0, "\(run.stderr)")
            return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        }

        /// A logged-in tab.
        func page(_ browser: HeadlessChromium, scope: String, width: Int = 1280) async throws -> HeadlessChromium.Page {
            let page = try await browser.newPage(width: width)
            try await page.go(url("/ui/login?token=\(tokens[scope]!)"))
            try #require(try await page.url == url("/ui/"), "the login did not land on the overview")
            return page
        }

        func url(_ path: String) -> String { base.absoluteString + path }

        func stop() async throws {
            serve.signal(SIGTERM)
            #expect(try await serve.waitForExit() == 0, "\(serve.output)")
        }
    }

    /// `data-value` against a JSON number (or null).
    static func same(_ shown: String?, _ json: Any?) -> Bool {
        switch json {
        case nil, is NSNull: return shown == ""
        case let n as NSNumber: return shown.flatMap(Double.init) == n.doubleValue
        default: return false
        }
    }

    @Test(.timeLimit(.minutes(30))) func everyPageShowsItsDataWithTheAPIsAndCLIsNumbersAtLaptopAndPhoneWidths() async throws {
        let served = try await Served()
        let browser = try HeadlessChromium()
        let page = try await served.page(browser, scope: "read")
        var shots: [(String, Data)] = []

        // Overview: of the weeks with MQLs, the one whose 13 weeks hold the most stage entries.
        let weeks = try #require(try await served.api("read").post("/v1/query", json: """
            {"sql": "SELECT w.week, (SELECT count(*) FROM funnel_entries f WHERE f.week BETWEEN date(w.week, '-84 days') AND w.week) AS n \
            FROM (SELECT DISTINCT week FROM funnel_entries WHERE stage = 'mql') w ORDER BY n DESC, w.week DESC LIMIT 1"}
            """).json() as? [String: Any])
        let week = try #require((weeks["rows"] as? [[String: Any]])?.first?["week"] as? String)
        func day(_ text: String, plus days: Int) -> String {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withFullDate]
            return f.string(from: f.date(from: text)!.addingTimeInterval(Double(days) * 86_400))
        }
        let sunday = day(week, plus: 6)
        try await page.go(served.url("/ui/?week=\(day(week, plus: 3))"))
        #expect(try await page.texts("h1") == ["Overview"])
        var shown = try await page.metrics()
        let kpis = try #require(try await served.json("/v1/reports/kpis?since=\(week)&until=\(sunday)") as? [String: Any])
        let lastKPIs = try #require(try await served.json("/v1/reports/kpis?since=\(day(week, plus: -7))&until=\(day(week, plus: -1))") as? [String: Any])
        let cliKPIs = try #require(try await served.cli(["report", "kpis", "--since", week, "--until", sunday]) as? [String: Any])
        #expect(kpis as NSDictionary == cliKPIs as NSDictionary)
        #expect((kpis["mqls"] as? Int ?? 0) > 0, "the week chosen has MQLs")
        for key in ["mqls", "sqls", "mql_to_sql_rate", "pipeline_created", "won_revenue"] {
            #expect(Self.same(shown["kpis.this.\(key)"], kpis[key]), "this week's \(key): page \(shown["kpis.this.\(key)"] ?? "none"), API \(kpis[key] ?? "none")")
            #expect(Self.same(shown["kpis.last.\(key)"], lastKPIs[key]), "last week's \(key)")
        }
        let quarter = "since=\(day(week, plus: -84))&until=\(sunday)"
        let funnel = try #require(try await served.json("/v1/reports/funnel?\(quarter)") as? [String: Any])
        let stages = try #require(funnel["stages"] as? [[String: Any]])
        for stage in stages {
            let name = stage["stage"] as! String
            #expect(Self.same(shown["funnel.\(name).entries"], stage["entries"]), "\(name) entries")
            #expect(Self.same(shown["funnel.\(name).conversion"], stage["conversion"]), "\(name) conversion")
        }
        #expect(Self.same(shown["funnel.never_followed_up"], funnel["never_followed_up"]))
        for stalled in funnel["stalled"] as? [[String: Any]] ?? [] where (stalled["persons"] as? Int ?? 0) > 0 {
            #expect(Self.same(shown["funnel.stalled.\(stalled["stage"]!)"], stalled["persons"]))
        }
        let sla = try #require(try await served.json("/v1/reports/sla?\(quarter)") as? [String: Any])
        for key in ["compliance", "breached", "met", "pending", "mqls", "median_response_hours"] {
            #expect(Self.same(shown["sla.\(key)"], sla[key]), "SLA \(key)")
        }
        #expect(try await page.evaluate("document.querySelectorAll('svg.funnel rect').length") as? Int == stages.count)
        #expect(try await page.texts("table.last-sync tbody th") == ["hs", "mkto", "sf"])
        shots.append(("overview", try await page.screenshot()))
        // The keyboard's first stop is the skip link.
        try await page.press("Tab", code: 9)
        #expect(try await page.evaluate("document.activeElement.textContent") as? String == "Skip to content")

        // Next actions: the CLI's rows, reasons and order (per owner), with evidence.
        try await page.go(served.url("/ui/next-actions?limit=1000"))
        let rows = try #require(try await page.evaluate("""
            [...document.querySelectorAll('tr.suggestion')].map(r => [r.dataset.person, r.dataset.action, r.querySelector('td.reason div').textContent])
            """) as? [[String]])
        let cliRows = try #require(try await served.cli(["next-actions", "--limit", "1000"]) as? [[String: Any]])
        #expect(!rows.isEmpty && rows.allSatisfy { !$0[2].isEmpty })
        #expect(Set(rows.map { $0.joined(separator: "|") })
            == Set(cliRows.map { "\($0["person_id"]!)|\($0["action"]!)|\($0["reason"]!)" }))
        #expect(try await page.evaluate("document.querySelectorAll('tr.suggestion details dl.facts').length") as? Int ?? 0 > 0)
        #expect(try await page.evaluate("document.querySelectorAll('button.mark-done').length") as? Int == 0, "read scope marks nothing")
        let api = try #require(try await served.json("/v1/next-actions?limit=1000") as? [String: Any])
        let owner = try #require((api["items"] as? [[String: Any]])?.compactMap { $0["owner"] as? String }.first)
        // Filters apply on change (the page's script), and give the CLI's list in the CLI's order.
        try await page.navigating("""
            const s = document.querySelector('select[name=owner]'); s.value = \(HeadlessChromium.Page.quoted(owner)); s.dispatchEvent(new Event('change'))
            """)

        let filteredURL = try await page.url
        let ownerRows = try await page.evaluate("[...document.querySelectorAll('tr.suggestion')].map(r => r.dataset.person + '|' + r.dataset.action)") as? [String]
        #expect(filteredURL.contains("owner="), "\(filteredURL)")
        let cliOwner = try #require(try await served.cli(["next-actions", "--owner", owner, "--limit", "100"]) as? [[String: Any]])
        #expect(ownerRows == cliOwner.map { "\($0["person_id"]!)|\($0["action"]!)" } && !(ownerRows ?? []).isEmpty,
                "owner \(owner): \(ownerRows ?? []) vs \(cliOwner.map { "\($0["person_id"]!)|\($0["action"]!)" })")
        try await page.go(served.url("/ui/next-actions"))
        try await page.evaluate("document.querySelector('tr.suggestion details').open = true")
        shots.append(("next-actions", try await page.screenshot()))

        // Journey: found through the search box by email in any case.
        try await page.navigating("""
            document.querySelector('#q').value = 'Maya.Chen@BRIGHTWAVE.io'; document.querySelector('form.search').requestSubmit()
            """)
        let personURL = try await page.url
        #expect(personURL.hasPrefix(served.url("/ui/persons/p_")), "\(personURL)")
        let id = String(personURL.split(separator: "/").last!)
        let journey = try #require(try await served.json("/v1/persons/\(id)/journey?limit=5000") as? [String: Any])
        let timeline = try #require(journey["timeline"] as? [[String: Any]])
        let shownTimeline = try #require(try await page.evaluate("""
            [...document.querySelectorAll('table.timeline tbody tr')].map(r => [...r.cells].map(c => c.textContent))
            """) as? [[String]])
        #expect(shownTimeline.map { $0[3] } == timeline.map { $0["action"] as! String } && timeline.count > 2)
        #expect(shownTimeline.map { $0[6] } == timeline.map { $0["source"] as! String })
        #expect(Set(shownTimeline.map { $0[6] }).count > 1, "touches from more than one system")
        #expect(try await page.evaluate("document.querySelectorAll('table.identifiers tbody tr').length") as? Int
            == (journey["identifiers"] as? [Any])?.count)
        #expect(try await page.evaluate("document.querySelectorAll('table.stages tbody tr').length") as? Int ?? 0 >= 1)
        #expect(try await page.texts("table.stages tbody td:nth-child(3)").allSatisfy { !$0.isEmpty })
        #expect(try await page.texts("dd.consent").count == 1)
        #expect(try await page.texts("h1") == ["Maya Chen"])
        shots.append(("journey", try await page.screenshot()))

        // Attribution: the chosen model's chart, every model's numbers.
        try await page.go(served.url("/ui/attribution?model=linear&by=channel"))
        shown = try await page.metrics()
        let credit = try #require(try await served.json("/v1/reports/attribution?model=all&by=channel&window=90d&half-life=7d") as? [[String: Any]])
        #expect(!credit.isEmpty)
        for row in credit {
            #expect(Self.same(shown["attribution.\(row["model"]!).\(row["channel"]!)"], row["conversions"]), "\(row)")
        }
        #expect(shown.keys.filter { $0.hasPrefix("attribution.") }.count == credit.count)
        #expect(try await page.evaluate("document.querySelectorAll('svg.attribution rect').length") as? Int
            == credit.filter { $0["model"] as? String == "linear" }.count)
        shots.append(("attribution", try await page.screenshot()))

        // Sources: each stream's counts as the API lists them.
        try await page.go(served.url("/ui/sources"))
        shown = try await page.metrics()
        let streams = try #require(try await served.json("/v1/sources") as? [[String: Any]])
        for s in streams {
            #expect(Self.same(shown["sources.\(s["source"]!).\(s["stream"]!).records_total"], s["records_total"]), "\(s)")
            #expect(Self.same(shown["sources.\(s["source"]!).\(s["stream"]!).quarantined_total"], s["quarantined_total"]), "\(s)")
        }
        shots.append(("sources", try await page.screenshot()))

        // A phone's width: nothing wider than the screen (tables scroll inside their own box).
        let phone = try await served.page(browser, scope: "read", width: 390)
        for path in ["/ui/?week=\(week)", "/ui/next-actions", "/ui/persons/\(id)", "/ui/attribution", "/ui/sources"] {
            try await phone.go(served.url(path))
            let overflow = try await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") as? Int
            #expect(overflow == 0, "\(path) is wider than a phone by \(overflow ?? -1)px")
        }
        try await phone.go(served.url("/ui/?week=\(week)"))
        shots.append(("overview-phone", try await phone.screenshot()))
        let login = try await browser.newPage()
        try await login.go(served.url("/ui/login"))
        shots.append(("login", try await login.screenshot()))
        await browser.quit()
        try await served.stop()

        // The README's pictures come from here: JOURNEYLAKE_SCREENSHOTS=docs writes them to docs/screenshots.
        let folder = ProcessInfo.processInfo.environment["JOURNEYLAKE_SCREENSHOTS"] == "docs"
            ? Fixtures.repositoryRoot.appendingPathComponent("docs/screenshots") : served.ws.root.appendingPathComponent("screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, png) in shots {
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(name) is not a picture")
            try png.write(to: folder.appendingPathComponent("\(name).png"))
        }
    }

    @Test(.timeLimit(.minutes(30))) func loginLogoutSessionsRedirectsAndCSRFAndNoTokenReachesTheLog() async throws {
        let served = try await Served(environment: ["JOURNEYLAKE_LOG_LEVEL": "trace"])
        let browser = try HeadlessChromium()
        let page = try await browser.newPage()
        // No session: the login form, which returns to the page asked for.
        try await page.go(served.url("/ui/sources?x=1"))
        #expect(try await page.url == served.url("/ui/login?next=%2Fui%2Fsources%3Fx%3D1"))
        #expect(try await page.evaluate("document.querySelectorAll('form#login input[name=token]').length") as? Int == 1)
        try await page.navigating("document.querySelector('#token').value = 'jl_not-a-token'; document.querySelector('form#login').requestSubmit()")
        #expect(try await page.texts("p.error").first?.contains("not valid") == true)
        try await page.go(served.url("/ui/login?token=jl_not-a-token&next=%2Fui%2Fsources"))
        #expect(try await page.url == served.url("/ui/login?notice=invalid-token&next=%2Fui%2Fsources"), "the token leaves the address bar")
        try await page.go(served.url("/ui/sources?x=1"))
        try await page.navigating("""
            document.querySelector('#token').value = \(HeadlessChromium.Page.quoted(served.tokens["read"]!)); document.querySelector('form#login').requestSubmit()
            """)
        #expect(try await page.url == served.url("/ui/sources?x=1"))
        let cookie = try #require(try await page.cookies()["jl_session"])
        #expect(cookie["httpOnly"] as? Bool == true && cookie["sameSite"] as? String == "Strict" && cookie["path"] as? String == "/ui")
        let session = try #require(cookie["value"] as? String)
        let csrf = try #require(try await page.evaluate("document.querySelector('form.logout input[name=csrf]').value") as? String)

        // `next` stays on this dashboard whatever it says.
        for (next, landing) in [("https://evil.example/x", "/ui/"), ("//evil.example/x", "/ui/"), ("/ui/../v1/sources", "/ui/"),
                                ("/ui/%2e%2e/v1/sources", "/ui/"), ("/v1/sources", "/ui/"), ("/ui/attribution?by=campaign", "/ui/attribution?by=campaign")] {
            let probe = try await browser.newPage()
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await probe.go(served.url("/ui/login?token=\(served.tokens["read"]!)&next=\(encoded)"))
            #expect(try await probe.url == served.url(landing), "next=\(next)")
        }

        // Posts need the session's CSRF token, from this origin, and write scope to mark.
        let client = HTTPTestClient(baseURL: served.base)
        let form = ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "jl_session=\(session)"]
        let body = { (csrf: String) in Data("csrf=\(csrf)&person=p_x&action=sales_call&status=dismissed".utf8) }
        #expect(try await client.send("POST", "/ui/next-actions/feedback", body: body("wrong"), headers: form).status == 403)
        #expect(try await client.send("POST", "/ui/next-actions/feedback", body: body(csrf),
                                      headers: form.merging(["Origin": "http://evil.example"]) { $1 }).status == 403)
        let readOnly = try await client.send("POST", "/ui/next-actions/feedback", body: body(csrf), headers: form)
        #expect(readOnly.status == 403 && readOnly.body.contains("scope write"))
        let noLoginCookie = try await client.send(
            "POST", "/ui/login", body: Data("csrf=x&token=\(served.tokens["read"]!)".utf8), headers: ["Content-Type": form["Content-Type"]!])
        #expect(noLoginCookie.status == 403 && !(noLoginCookie.headers["set-cookie"] ?? "").contains("jl_session"))
        let pageReply = try await client.get("/ui/sources", headers: ["Cookie": "jl_session=\(session)"])
        #expect(pageReply.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(pageReply.headers["referrer-policy"] == "same-origin" && pageReply.headers["x-frame-options"] == "DENY")

        // Logout ends the session on the server, not only in this browser. (The probes' logins
        // replaced this browser's cookie: the page is loaded again to post with that session.)
        try await page.go(served.url("/ui/sources"))
        let current = try #require(try await page.cookies()["jl_session"]?["value"] as? String)
        try await page.click("form.logout button")
        #expect(try await page.url == served.url("/ui/login?notice=logged-out"))
        #expect(try await page.texts("p.notice") == ["You are logged out."])
        try await page.go(served.url("/ui/"))
        #expect(try await page.url == served.url("/ui/login?next=%2Fui%2F"))
        let replayed = try await client.get("/ui/sources", headers: ["Cookie": "jl_session=\(current)"])
        #expect(replayed.body.contains("id=\"login\"") && !replayed.body.contains("table class=\"streams\""))
        await browser.quit()
        try await served.stop()
        let log = served.serve.output
        #expect(log.contains("http request"), "the test must see the request lines")
        for (scope, token) in served.tokens { #expect(!log.contains(token), "the \(scope) token reached the log") }
    }

    @Test(.timeLimit(.minutes(30))) func writeScopeMarksSuggestionsDoneOrDismissedThroughTheDaemonAndTheFeedbackLoopSeesIt() async throws {
        let served = try await Served()
        let browser = try HeadlessChromium()
        let page = try await served.page(browser, scope: "write")
        try await page.go(served.url("/ui/next-actions"))
        let marked = try #require(try await page.evaluate("""
            [...document.querySelectorAll('tr.suggestion')].filter(r => r.querySelector('button.mark-done')).slice(0, 2)
              .map(r => [r.dataset.person, r.dataset.action])
            """) as? [[String]])
        try #require(marked.count == 2 && marked[0] != marked[1])
        func status(_ pair: [String]) async throws -> String? {
            let sql = "SELECT status FROM next_action_log WHERE person_id = '\(pair[0])' AND action = '\(pair[1])' ORDER BY suggested_at DESC LIMIT 1"
            let reply = try #require(try await served.api("read").post("/v1/query", json: "{\"sql\": \"\(sql)\"}").json() as? [String: Any])
            return (reply["rows"] as? [[String: Any]])?.first?["status"] as? String
        }
        #expect(try await status(marked[0]) == "open")
        let row = { (pair: [String]) in "tr.suggestion[data-person=\"\(pair[0])\"][data-action=\"\(pair[1])\"]" }
        try await page.click(row(marked[0]) + " button.mark-dismissed")
        #expect(try await page.url == served.url("/ui/next-actions?notice=marked-dismissed"))
        #expect(try await page.texts("p.notice").first?.hasPrefix("Dismissed") == true)
        #expect(try await status(marked[0]) == "dismissed")
        // Dismissed is not suggested again (the daemon derived the person at once).
        #expect(try await page.evaluate("document.querySelectorAll(\(HeadlessChromium.Page.quoted(row(marked[0])))).length") as? Int == 0)

        // From the journey page too, back to the journey.
        try await page.go(served.url("/ui/persons/\(marked[1][0])"))
        try await page.click(row(marked[1]) + " button.mark-done")
        #expect(try await page.url == served.url("/ui/persons/\(marked[1][0])?notice=marked-done"))
        #expect(try await status(marked[1]) == "done")

        // A mark on a suggestion no longer open (the dismissed one, posted again) says so.
        try await page.navigating("""
            const f = document.createElement('form'); f.method = 'post'; f.action = '/ui/next-actions/feedback';
            for (const [k, v] of [['csrf', document.querySelector('form.logout input[name=csrf]').value], ['person', \(HeadlessChromium.Page.quoted(marked[0][0]))],
                                  ['action', \(HeadlessChromium.Page.quoted(marked[0][1]))], ['status', 'done'], ['back', '/ui/next-actions']]) {
              const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.append(i);
            }
            document.body.append(f); f.submit()
            """)
        #expect(try await page.url == served.url("/ui/next-actions?notice=not-open"))
        #expect(try await page.texts("p.notice").first?.contains("no longer open") == true)
        await browser.quit()
        try await served.stop()
    }
}
