import Foundation
import Insights
import JourneyConfig
import JourneyStore
import JourneyTesting
import Logging
@testable import QueryServer
import Testing

/// The HTTP API against a real store, over real HTTP on 127.0.0.1.
@Suite struct QueryServerTests {
    @Test func openRoutesNeedNoTokenAndEveryOtherRouteAnswers401Or403ByScope() async throws {
        try await APIFixture.with { api in
            for path in ["/healthz", "/readyz", "/metrics", "/openapi.yaml"] {
                #expect(try await api.anonymous.get(path).status == 200, "\(path)")
            }
            let none = try await api.anonymous.get("/v1/sources")
            #expect(none.status == 401 && none.errorCode == "unauthorized")
            #expect(none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            let wrong = try await api.client.with(token: "jl_not-a-token").get("/v1/sources")
            #expect(wrong.status == 401 && wrong.errorCode == "invalid_token")
            let basic = try await api.anonymous.get("/v1/sources", headers: ["Authorization": "Basic dXNlcjpwYXNz"])
            #expect(basic.status == 401)
            for scope in TokenScope.allCases {
                #expect(try await api.client(scope).get("/v1/sources").status == 200, "\(scope)")
            }
            for scope in [TokenScope.read, .write] {
                let refused = try await api.client(scope).post("/v1/sources/sf/sync")
                #expect(refused.status == 403 && refused.errorCode == "insufficient_scope", "\(scope)")
            }
            #expect(try await api.client(.admin).post("/v1/sources/sf/sync").status == 202)
            #expect(try await api.client(.admin).post("/v1/sources/nope/sync").status == 404)
            let missing = try await api.client(.read).get("/v1/nothing-here")
            #expect(missing.status == 404 && missing.errorCode == "not_found")
        }
    }

    @Test func personsJourneysAndNextActionsPageWithCursorsThatNeitherRepeatNorSkip() async throws {
        try await APIFixture.with(prepare: { ws in
            // Suggestions with tied priorities and NULL scores on purpose: ties page by person and rank.
            let persons = try ws.strings("SELECT person_id || ' ' || coalesce(owner, '') || ' ' || coalesce(lifecycle_stage, '') FROM persons ORDER BY person_id")
            var rows: [String] = []
            for (i, line) in persons.enumerated() {
                let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                for rank in 1...2 {
                    let score = i % 4 == 3 ? "NULL" : "\(Double(i % 3))"
                    rows.append("""
                        ('\(parts[0])', \(rank), '\(rank == 1 ? "call" : "email")', 'phone', 'sales', \(score), 'why', '{}', '2025-03-01T00:00:00Z',
                         '\(parts[1])', '\(parts[2])', \(Double(i % 3)))
                        """)
                }
            }
            // The deriver's own suggestions give way to these.
            try Workspace.execute("DELETE FROM next_actions; INSERT INTO next_actions VALUES " + rows.joined(separator: ","), path: ws.storePath)
        }) { api in
            let read = api.client(.read)
            // Every filter pages the same way, in the one list order.
            for (query, condition) in [("", "1"), ("&action=call", "n.action = 'call'"), ("&stage=customer", "n.stage = 'customer'"),
                                       ("&stage=customer&action=email", "n.stage = 'customer' AND n.action = 'email'")] {
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await read.get("/v1/next-actions?limit=3" + query + (cursor.map { "&cursor=\($0)" } ?? ""))
                    #expect(page.status == 200)
                    let body = try #require(try page.json() as? [String: Any])
                    let items = try #require(body["items"] as? [[String: Any]])
                    seen += items.map { "\($0["person_id"]!)/\($0["rank"]!)" }
                    cursor = body["next_cursor"] as? String
                } while cursor != nil
                let all = try api.workspace.strings("""
                    SELECT n.person_id || '/' || n.rank FROM next_actions n JOIN persons p USING (person_id) WHERE \(condition)
                    ORDER BY n.priority DESC, n.person_id, n.rank
                    """)
                #expect(seen == all && !all.isEmpty, "\(query)")
            }
            var cursor: String?
            let calls = try #require(try await read.get("/v1/next-actions?action=call&stage=customer").json() as? [String: Any])
            let callItems = try #require(calls["items"] as? [[String: Any]])
            #expect(!callItems.isEmpty && callItems.allSatisfy { $0["action"] as? String == "call" && $0["lifecycle_stage"] as? String == "customer" })
            // Each item is the CLI's next-actions object (evidence embedded), with whom it is for.
            #expect(callItems.allSatisfy { $0["evidence"] is [String: Any] && $0["primary_email"] is String && $0["computed_at"] is String })
            #expect(try await read.get("/v1/next-actions?limit=0").status == 400)
            #expect(try await read.get("/v1/next-actions?cursor=%%%").status == 400)

            let found = try #require(try await read.get("/v1/persons?email=Maya.Chen@BRIGHTWAVE.io").json() as? [String: Any])
            let people = try #require(found["items"] as? [[String: Any]])
            #expect(people.count == 1 && found["next_cursor"] is NSNull)
            let id = try #require(people.first?["person_id"] as? String)
            let person = try #require(try await read.get("/v1/persons/\(id)").json() as? [String: Any])
            #expect(person["primary_email"] as? String == "maya.chen@brightwave.io" && person["account_name"] as? String == "Brightwave Logistics")
            #expect(try await read.get("/v1/persons/p_nobody").status == 404)

            let expected = try api.workspace.strings("SELECT touchpoint_id FROM touchpoints WHERE person_id = '\(id)' ORDER BY occurred_at, touchpoint_id")
            var timeline: [String] = []
            cursor = nil
            repeat {
                let page = try #require(try await read.get("/v1/persons/\(id)/journey?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).json()
                    as? [String: Any])
                #expect((page["identifiers"] as? [Any])?.count == 5)
                timeline += try #require(page["timeline"] as? [[String: Any]]).map { $0["touchpoint_id"] as! String }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            #expect(timeline == expected && expected.count > 2)
        }
    }

    @Test func reportsAnswerWhatTheCLIReportCodeRendersAndRefuseBadParameters() async throws {
        try await APIFixture.with { api in
            let read = api.client(.read)
            let reports = try ReportReader(path: api.workspace.storePath, definitions: Definitions())
            #expect(try await read.get("/v1/reports/kpis").body == (try reports.kpis(ReportPeriod()).json()) + "\n")
            let period = ReportPeriod(since: ReportPeriod.parse("2025-01-01", endOfDay: false))
            #expect(try await read.get("/v1/reports/sla?since=2025-01-01").body == (try reports.sla(period).json()) + "\n")
            #expect(try await read.get("/v1/reports/funnel?by=month").body == (try reports.funnel(ReportPeriod(), by: .month).json()) + "\n")
            let request = try AttributionRequest(model: "linear", by: .campaign)
            #expect(try await read.get("/v1/reports/attribution?model=linear&by=campaign").body
                == AttributionJSON.render(try reports.attribution(ReportPeriod(), request), by: .campaign) + "\n")
            for bad in ["/v1/reports/attribution?model=magic", "/v1/reports/attribution?window=soon", "/v1/reports/attribution?markov-order=3",
                        "/v1/reports/funnel?by=year", "/v1/reports/kpis?since=yesterday"] {
                let reply = try await read.get(bad)
                #expect(reply.status == 400 && reply.errorCode == "invalid_parameter", "\(bad): \(reply.body)")
            }
        }
    }

    @Test func readOnlySQLCannotWriteAttachChangePragmasOrLoadExtensionsAndTheStoreIsUntouched() async throws {
        try await APIFixture.with { api in
            let read = api.client(.read)
            let before = try api.workspace.dump()
            let refused = [
                "DELETE FROM persons", "UPDATE persons SET score = 0", "DROP TABLE touchpoints", "INSERT INTO persons (person_id) VALUES ('x')",
                "ATTACH DATABASE '\(api.workspace.root.path)/other.sqlite' AS other", "/* c */ ATTACH ':memory:' AS m", "-- c\nDETACH main",
                "PRAGMA journal_mode = DELETE", "PRAGMA cache_size = 1", "PRAGMA query_only = 0", "PRAGMA busy_timeout(0)",
                "VACUUM INTO '\(api.workspace.root.path)/copy.sqlite'", "VACUUM", "BEGIN IMMEDIATE", "REINDEX", "ANALYZE",
                "CREATE TEMP TABLE t (x)", "WITH x AS (SELECT 1) DELETE FROM persons",
            ]
            for sql in refused {
                let reply = try await read.post("/v1/query", json: try Self.json(["sql": sql]))
                #expect(reply.status == 403 || reply.status == 400, "\(sql): \(reply.status) \(reply.body)")
                #expect(reply.errorCode == "read_only" || reply.errorCode == "sql_error", "\(sql): \(reply.body)")
            }
            let extensionLoad = try await read.post("/v1/query", json: try Self.json(["sql": "SELECT load_extension('/tmp/evil.so')"]))
            #expect(extensionLoad.status == 400 && extensionLoad.body.contains("not authorized"), "\(extensionLoad.body)")
            let twoStatements = try await read.post("/v1/query", json: try Self.json(["sql": "SELECT 1; DELETE FROM persons"]))
            #expect(twoStatements.status == 400)
            #expect(try api.workspace.dump() == before)
            #expect(!FileManager.default.fileExists(atPath: api.workspace.root.appendingPathComponent("copy.sqlite").path))
            #expect(!FileManager.default.fileExists(atPath: api.workspace.root.appendingPathComponent("other.sqlite").path))
            // What may run does: a query, an introspection pragma, an explained plan.
            for sql in ["SELECT count(*) AS n FROM persons", "PRAGMA table_info(persons)", "EXPLAIN QUERY PLAN SELECT * FROM touchpoints"] {
                #expect(try await read.post("/v1/query", json: try Self.json(["sql": sql])).status == 200, "\(sql)")
            }
            #expect(try await read.post("/v1/query", json: "not json").errorCode == "invalid_body")
        }
    }

    @Test func rowsStreamAsJSONOrCSVAndStopAtTheRowLimit() async throws {
        try await APIFixture.with(settings: ServerSettings(host: "127.0.0.1", port: 0, queryMaxRows: 50_000)) { api in
            let read = api.client(.read)
            let many = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 60000) SELECT x, 'row ' || x AS label FROM c"
            let json = try await read.post("/v1/query", json: try Self.json(["sql": many]))
            #expect(json.status == 200 && json.headers["content-type"] == "application/json")
            let doc = try #require(try json.json() as? [String: Any])
            #expect(doc["columns"] as? [String] == ["x", "label"])
            #expect((doc["rows"] as? [[String: Any]])?.count == 50_000 && doc["row_count"] as? Int == 50_000 && doc["truncated"] as? Bool == true)
            #expect((doc["rows"] as? [[String: Any]])?.last?["label"] as? String == "row 50000")
            let csv = try await read.post("/v1/query", json: try Self.json(["sql": many, "max_rows": 3]), headers: ["Accept": "text/csv"])
            #expect(csv.status == 200 && csv.body == "x,label\r\n1,row 1\r\n2,row 2\r\n3,row 3\r\n")
            let quoted = try await read.post("/v1/query", json: try Self.json(["sql": "SELECT 'a,b' AS v, NULL AS n", "format": "csv"]))
            #expect(quoted.body == "v,n\r\n\"a,b\",\r\n")
            #expect(try await read.post("/v1/query", json: try Self.json(["sql": "SELECT 1", "format": "xml"])).status == 400)
        }
    }

    @Test func aRunawayQueryIsStoppedByTheTimeLimit() async throws {
        try await APIFixture.with(settings: ServerSettings(host: "127.0.0.1", port: 0, queryTimeout: .milliseconds(300))) { api in
            let runaway = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
            let reply = try await api.client(.read).post("/v1/query", json: try Self.json(["sql": runaway]))
            #expect(reply.status == 400 && reply.errorCode == "time_limit_exceeded", "\(reply.body)")
            // The server goes on serving.
            #expect(try await api.client(.read).post("/v1/query", json: try Self.json(["sql": "SELECT 1 AS one"])).status == 200)
        }
    }

    @Test func everyRouteIsInTheOpenAPIDocumentWithItsScopeAndTheRepositoryCopyMatches() async throws {
        let documented = Self.documentedRoutes(OpenAPIDocument.yaml)
        try await APIFixture.with { api in
            let served = try API(
                reader: JourneyReader(path: api.workspace.storePath), storePath: api.workspace.storePath,
                state: ServerState(ServerConfiguration(settings: ServerSettings(), tokens: .empty, definitions: Definitions(), sources: [])),
                sources: NoSources(), metrics: NoMetrics(), logger: .init(label: "t")
            ).routes().entries
            #expect(Set(served) == documented)
            #expect(served.count == documented.count)
            // Each documented route is served: an admin token never meets "no such route".
            for route in documented {
                let path = route.path.replacingOccurrences(of: "{id}", with: "p_x").replacingOccurrences(of: "{name}", with: "sf")
                let reply = try await api.client(.admin).send(route.method.uppercased(), path, body: route.method == "post" ? Data("{\"sql\":\"SELECT 1\"}".utf8) : nil)
                #expect(!(reply.status == 404 && reply.body.contains("no such route")), "\(route.method) \(route.path)")
            }
        }
        let copy = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        #expect(copy == OpenAPIDocument.yaml, "docs/openapi.yaml and Sources/QueryServer/OpenAPIDocument.swift differ")
    }

    @Test func tokensFileKeepsHashesOnlyAndRefusesMalformedLinesWithoutEchoingThem() throws {
        let token = TokenFile.generateToken()
        #expect(token.hasPrefix("jl_") && token.count >= 40 && token != TokenFile.generateToken())
        let line = TokenFile.line(for: token, scope: .write)
        #expect(line.hasPrefix("write:") && line.count == "write:".count + 64 && !line.contains(token))
        let file = try TokenFile.parse("# analysts\n\n\(line)\nadmin:\(String(repeating: "0", count: 64))\n", file: "t")
        #expect(file.scope(of: token) == .write && file.scope(of: "jl_other") == nil && file.count == 2)
        #expect(TokenScope.admin > .write && TokenScope.write > .read)
        do {
            _ = try TokenFile.parse("read:\(token)\n", file: "tokens")
            Issue.record("a pasted token was accepted")
        } catch {
            #expect(error.line == 1 && !error.description.contains(token))
        }
        #expect(throws: TokenFile.Invalid.self) { try TokenFile.parse("owner:\(String(repeating: "a", count: 64))", file: "t") }
    }

    @Test func serverSettingsReadListenTokensAndLimits() throws {
        let ws = try Workspace()
        let (config, _) = try ws.sources("  - {name: a, type: files, path: drop, format: salesforce-data-export}\n")
        #expect(try ServerSettings(node: config.server, baseDirectory: ws.root) == ServerSettings())
        let yaml = """
            store: { path: journey.sqlite }
            sources: [{name: a, type: files, path: drop, format: salesforce-data-export}]
            server: { listen: "[::1]:9000", tokens: { file: secrets/tokens }, query_timeout: 5s, query_max_rows: 10 }
            """
        let file = try ws.write("server.yaml", yaml)
        let parsed = try JourneyLakeConfig.load(path: file.path)
        let settings = try ServerSettings(node: parsed.server, baseDirectory: ws.root)
        #expect(settings.host == "::1" && settings.port == 9000 && settings.listen == "[::1]:9000")
        #expect(settings.tokensFile == ws.root.appendingPathComponent("secrets/tokens").path)
        #expect(settings.queryTimeout == .seconds(5) && settings.queryMaxRows == 10)
        let bad = try ws.write("bad.yaml", yaml.replacingOccurrences(of: "[::1]:9000", with: "localhost"))
        #expect(throws: (any Error).self) { try ServerSettings(node: try JourneyLakeConfig.load(path: bad.path).server, baseDirectory: ws.root) }
    }

    /// Method, path and scope of every operation in the document (`security: []`: open).
    static func documentedRoutes(_ yaml: String) -> Set<RouteEntry> {
        var routes: Set<RouteEntry> = []
        var path: String?
        var method: String?
        var scope: TokenScope?
        func flush() {
            if let path, let method { routes.insert(RouteEntry(method: method, path: path, scope: scope)) }
            method = nil
            scope = nil
        }
        var inPaths = false
        for line in yaml.split(separator: "\n") {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" ") { flush(); break }
            guard inPaths else { continue }
            if line.hasPrefix("  /") {
                flush()
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                flush()
                method = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "")
            } else if let range = line.range(of: "x-scope: ") {
                scope = TokenScope(rawValue: String(line[range.upperBound...]))
            }
        }
        return routes
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

/// Route listing needs an API value; these serve no request.
struct NoSources: SourceSyncing {
    func requestSync(of source: String, wait: Bool) async -> SyncRequestResult { .unknownSource }
}

struct NoMetrics: MetricsExporting {
    func exposition() async -> String { "" }
}
