import Foundation
import JourneyTesting
import Testing

/// `journeylake serve` as systemd runs it: a child process, signals, a notify socket, HTTP on
/// 127.0.0.1 (port 0, read from its log).
@Suite struct ServeTests {
    /// The sample exports, a tokens file with a read and an admin token made by
    /// `journeylake token create`, and the API on a free port.
    static func workspace(pollInterval: String = "1h", extra: String = "") throws -> (Workspace, String, read: String, admin: String) {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("hubspot", to: "hs")
        var tokens: [String] = []
        var lines = ["# made by journeylake token create"]
        for scope in ["read", "admin"] {
            let made = try CLIRunner.run(["token", "create", "--scope", scope])
            #expect(made.status == 0, "\(made.stderr)")
            let out = made.stdout.split(separator: "\n").map(String.init)
            #expect(out.count == 2 && out[0].hasPrefix("token: jl_") && out[1].hasPrefix("\(scope):"))
            tokens.append(String(out[0].dropFirst("token: ".count)))
            lines.append(out[1])
        }
        try ws.write("secrets/tokens", lines.joined(separator: "\n") + "\n")
        let config = try ws.write("journeylake.yaml", """
            store:
              path: journey.sqlite
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s, poll_interval: \(pollInterval)}
              - {name: hs, type: files, path: hs, format: hubspot-export, settle: 0s, poll_interval: \(pollInterval)}
            server:
              listen: 127.0.0.1:0
              tokens: { file: secrets/tokens }
            \(extra)
            """)
        return (ws, config.path, tokens[0], tokens[1])
    }

    @Test(.timeLimit(.minutes(30))) func tellsSystemdReadyStatusAndWatchdogThroughARealNotifySocket() async throws {
        let (ws, config, _, _) = try Self.workspace()
        defer { withExtendedLifetime(ws) {} }
        let notify = try NotifySocket()
        let serve = try ServeProcess(config: config, environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        #expect(try await notify.waitFor("READY=1"), "\(serve.output)")
        // READY=1 comes once the listener is bound: the API answers.
        let url = try #require(try await serve.baseURL())
        #expect(try await HTTPTestClient(baseURL: url).get("/readyz").status == 200)
        #expect(try await notify.waitFor("STATUS=last pass: "), "\(notify.lines)")
        #expect(try await notify.waitFor("WATCHDOG=1"), "\(notify.lines)")
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit() == 0, "\(serve.output)")
        notify.drain()
        #expect(notify.lines.contains("STOPPING=1"), "\(notify.lines)")
        // Nothing is said before start-up is done.
        let ready = try #require(notify.lines.firstIndex(of: "READY=1"))
        #expect(!notify.lines[..<ready].contains { $0.hasPrefix("STATUS=last pass") })
    }

    @Test(.timeLimit(.minutes(30))) func metricsAppearAfterAnIngestAndAdminSyncRunsASourceNow() async throws {
        let (ws, config, read, admin) = try Self.workspace()
        defer { withExtendedLifetime(ws) {} }
        let serve = try ServeProcess(config: config)
        let url = try #require(try await serve.baseURL(), "\(serve.output)")
        let api = HTTPTestClient(baseURL: url)
        #expect(try await api.with(token: read).post("/v1/sources/sf/sync").status == 403)
        let synced = try await api.with(token: admin).post("/v1/sources/hs/sync?wait=true")
        #expect(synced.status == 200, "\(synced.body)")
        #expect(try await serve.waitForLog("pass deleted=0 new=8 quarantined=0 read=8 source=hs stream=contacts"), "\(serve.output)")
        // Both sources ran their first pass at start-up (concurrently): wait for sf's too.
        #expect(try await serve.waitForLog("source=sf stream=Task"), "\(serve.output)")
        let metrics = try await api.get("/metrics")
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        for line in [#"journeylake_records_fetched_total{source="hs",stream="contacts"} 8"#,
                     #"journeylake_records_total{source="hs",stream="contacts",outcome="new"} 8"#,
                     #"journeylake_batch_duration_seconds_count{source="sf"}"#, "journeylake_store_size_bytes ",
                     #"journeylake_source_lag_seconds{source="hs",stream="contacts"}"#,
                     #"journeylake_server_requests_total{route="/v1/sources/{name}/sync",method="POST",status="403"} 1"#] {
            #expect(metrics.body.contains(line), "\(line)")
        }
        let sources = try await api.with(token: read).get("/v1/sources")
        #expect(sources.status == 200 && sources.body.contains(#""source":"hs""#))
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit() == 0, "\(serve.output)")
    }

    @Test(.timeLimit(.minutes(30))) func sighupWithABrokenConfigKeepsServingTheOldOneAndAGoodOneAppliesWithNewTokens() async throws {
        let (ws, config, read, admin) = try Self.workspace()
        defer { withExtendedLifetime(ws) {} }
        let serve = try ServeProcess(config: config)
        let url = try #require(try await serve.baseURL(), "\(serve.output)")
        let api = HTTPTestClient(baseURL: url)
        let good = try String(contentsOfFile: config, encoding: .utf8)
        try (good + "\nsurprise: 1\n").write(toFile: config, atomically: true, encoding: .utf8)
        serve.signal(SIGHUP)
        #expect(try await serve.waitForLog("reload failed; the running config stays in force"), "\(serve.output)")
        #expect(serve.output.contains("unknown key 'surprise'"))
        #expect(try await api.get("/readyz").status == 200)
        #expect(try await api.with(token: read).get("/v1/sources").status == 200)
        // A good config with the read token revoked and a third source: both take effect.
        try ws.copyFixtures("marketo", to: "mkto")
        let tokens = try String(contentsOf: ws.root.appendingPathComponent("secrets/tokens"), encoding: .utf8)
        try ws.write("secrets/tokens", tokens.split(separator: "\n").filter { !$0.hasPrefix("read:") }.joined(separator: "\n") + "\n")
        try good.replacingOccurrences(
            of: "server:", with: "  - {name: mkto, type: files, path: mkto, format: marketo-export, settle: 0s}\nserver:"
        ).write(toFile: config, atomically: true, encoding: .utf8)
        serve.signal(SIGHUP)
        #expect(try await serve.waitForLog("config reloaded"), "\(serve.output)")
        #expect(try await api.with(token: read).get("/v1/sources").status == 401)
        let mkto = try await api.with(token: admin).post("/v1/sources/mkto/sync?wait=true")
        #expect(mkto.status == 200 && mkto.body.contains(#""source":"mkto""#), "\(mkto.body)")
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit() == 0, "\(serve.output)")
    }

    @Test(.timeLimit(.minutes(30))) func sigtermMidBatchExits0AndLeavesAStoreThatResumesToACleanRunsState() async throws {
        let activities = 12_000
        let clean = try Workspace()
        try CrashRecoveryTests.writeExports(to: clean, activities: activities)
        let cleanRun = try await CLIRunner.run(["ingest", "--config", CrashRecoveryTests.config(clean, batchSize: 100)])
        #expect(cleanRun.status == 0, "\(cleanRun.stderr)")

        let cleanRows = try clean.count("SELECT count(*) FROM raw_records")

        // The whole pass takes about a second, so a stop can come too late to land part-way (a
        // loaded machine runs this test process late): try again with a fresh store, as the
        // crash loops do. Every attempt must exit 0 and resume to the clean run's store.
        var stoppedPartWay = false
        for _ in 1...5 where !stoppedPartWay {
            let ws = try Workspace()
            try CrashRecoveryTests.writeExports(to: ws, activities: activities)
            let config = try CrashRecoveryTests.config(ws, batchSize: 100)
            try (String(contentsOfFile: config, encoding: .utf8) + "server: { enabled: false }\n"
                // One source at a time, in config order, as `ingest` runs them: the stores compare row for row.
                + "daemon: { max_concurrent_sources: 1 }\n").write(toFile: config, atomically: true, encoding: .utf8)
            let serve = try ServeProcess(config: config, environment: ["JOURNEYLAKE_LOG_LEVEL": "debug"])
            // Once the activities' first batch has committed (read from the store, not the log, which
            // the test sees later), ask it to stop.
            let deadline = ContinuousClock.now + .seconds(120)
            while serve.process.isRunning, ContinuousClock.now < deadline,
                  !FileManager.default.fileExists(atPath: ws.storePath + "-wal")
                    || (try? ws.count("SELECT count(*) FROM raw_records WHERE source = 'mkto-activities'")) ?? 0 == 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            serve.signal(SIGTERM)
            #expect(try await serve.waitForExit(timeout: .seconds(60)) == 0, "\(serve.output)")
            #expect(serve.output.contains("stopping: no new pass starts"))
            // Stopped between batches: an intact file, and the next run resumes where it stopped.
            #expect(try ws.strings("PRAGMA integrity_check") == ["ok"])
            stoppedPartWay = try ws.count("SELECT count(*) FROM raw_records") < cleanRows
            let resumed = try await CLIRunner.run(["ingest", "--config", config])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try ws.dump() == (try clean.dump()))
        }
        #expect(stoppedPartWay, "five SIGTERMs sent after the first activities batch never stopped a pass part-way")
    }

    @Test(.timeLimit(.minutes(30))) func debugLogsHoldNoSecretOrPersonalData() async throws {
        let (ws, config, read, admin) = try Self.workspace(pollInterval: "1s")
        defer { withExtendedLifetime(ws) {} }
        let serve = try ServeProcess(config: config, environment: ["JOURNEYLAKE_LOG_LEVEL": "trace"])
        let url = try #require(try await serve.baseURL(), "\(serve.output)")
        let api = HTTPTestClient(baseURL: url, token: read)
        _ = try await api.with(token: admin).post("/v1/sources/sf/sync?wait=true")
        let found = try #require(try await api.get("/v1/persons?email=maya.chen@brightwave.io").json() as? [String: Any])
        let id = try #require((found["items"] as? [[String: Any]])?.first?["person_id"] as? String)
        _ = try await api.get("/v1/persons/\(id)/journey")
        _ = try await api.post("/v1/query", json: #"{"sql": "SELECT * FROM persons WHERE primary_email = 'maya.chen@brightwave.io'"}"#)
        _ = try await api.post("/v1/query", json: #"{"sql": "SELECT * FROM nowhere WHERE email = 'maya.chen@brightwave.io'"}"#)
        _ = try await api.with(token: "jl_wrong-\(read)").get("/v1/sources")
        try await Task.sleep(for: .seconds(2))
        serve.signal(SIGHUP)
        #expect(try await serve.waitForLog("config reloaded"))
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit() == 0)
        let log = serve.output
        #expect(log.contains("batch committed") && log.contains("http request"), "the test must see debug lines")
        let personal = try ws.strings("""
            SELECT value FROM identifiers WHERE kind = 'email'
            UNION SELECT first_name FROM persons UNION SELECT last_name FROM persons UNION SELECT title FROM persons
            """).filter { $0.count >= 4 }
        #expect(personal.count > 10)
        for secret in personal + [read, admin, id] { #expect(!log.contains(secret), "the log holds '\(secret)'") }
        #expect(!log.contains("@"), "an email-like value reached the log")
    }

    @Test(.timeLimit(.minutes(30))) func servePollsThenStopsOnSIGTERM() async throws {
        let ws = try Workspace()
        try ws.copyFixtures("marketo", to: "mkto")
        let config = try ws.write("journeylake.yaml", """
            store: {path: journey.sqlite}
            sources:
              - {name: mkto, type: files, path: mkto, format: marketo-export, settle: 0s, poll_interval: 1s}
            server: {listen: "127.0.0.1:0"}

            """)
        let (process, out, err) = try CLIRunner.start(["serve", "--config", config.path])
        // Wait until the first pass has committed.
        var loaded = 0
        for _ in 0..<100 where loaded < 31 {
            try await Task.sleep(for: .milliseconds(100))
            if FileManager.default.fileExists(atPath: ws.storePath) {
                loaded = (try? ws.count("SELECT count(*) FROM touchpoints")) ?? 0
            }
        }
        #expect(loaded == 31)
        // A file dropped while serving is picked up on the next poll.
        try ws.write("mkto/more.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            990100,3004,2025-04-01T10:00:00Z,10,null,1,April Newsletter,null

            """)
        for _ in 0..<50 where loaded < 32 {
            try await Task.sleep(for: .milliseconds(100))
            loaded = (try? ws.count("SELECT count(*) FROM touchpoints")) ?? 0
        }
        #expect(loaded == 32)
        kill(process.processIdentifier, SIGTERM)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        _ = stdout
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("stopped"))
    }
}
