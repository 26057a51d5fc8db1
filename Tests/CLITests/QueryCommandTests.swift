import Foundation
import JourneyTesting
import Testing

/// `journeylake query`: the time limit, and rows that stream instead of piling up.
extension CLITests {
    /// A result with no end: rows can only reach stdout if they stream.
    static let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c"

    /// An ingested sample workspace and its config path.
    func ingestedSample() throws -> (Workspace, String) {
        let (ws, config) = try sampleWorkspace()
        let r = try CLIRunner.run(["ingest", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        return (ws, config)
    }

    /// Starts `query` and reads its stdout until `bytes` have arrived (or it ends); then kills it.
    /// Returns what arrived and whether the process was still running by then.
    func firstOutput(of arguments: [String], bytes: Int) throws -> (output: String, wasRunning: Bool, stderr: String) {
        let (process, out, err) = try CLIRunner.start(arguments)
        var received = Data()
        while received.count < bytes {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
        }
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (String(decoding: received, as: UTF8.self), wasRunning, stderr)
    }

    @Test(.timeLimit(.minutes(30))) func queryTimeoutStopsARunawayStatementWithExit65AndSaysHowToRaiseIt() throws {
        let (ws, config) = try ingestedSample()
        defer { withExtendedLifetime(ws) {} }
        let runaway = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
        let r = try CLIRunner.run(["query", "--config", config, "--timeout", "1s", runaway])
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("time limit of 1s"), "\(r.stderr)")
        #expect(r.stderr.contains("--timeout"), "\(r.stderr)")
        // Within its limit, or with none, a query runs as before.
        for limit in ["500ms", "0", "2m"] {
            let ok = try CLIRunner.run(["query", "--config", config, "--format", "csv", "--timeout", limit, "SELECT count(*) AS n FROM persons"])
            #expect(ok.stdout == "n\n8\n", "\(limit): \(ok.stderr)")
        }
        let bad = try CLIRunner.run(["query", "--config", config, "--timeout", "soon", "SELECT 1"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--timeout"))
        #expect(try CLIRunner.run(["query", "--help"]).stdout.contains("--timeout <duration>"))
    }

    @Test(.timeLimit(.minutes(30))) func csvAndJSONRowsArriveWhileTheQueryIsStillRunning() throws {
        let (ws, config) = try ingestedSample()
        defer { withExtendedLifetime(ws) {} }
        let csv = try firstOutput(of: ["query", "--config", config, "--format", "csv", "--timeout", "30s", Self.endless], bytes: 1 << 20)
        #expect(csv.wasRunning, "\(csv.stderr)")
        let lines = csv.output.split(separator: "\n").prefix(4)
        #expect(lines == ["x", "1", "2", "3"])
        let json = try firstOutput(of: ["query", "--config", config, "--format", "json", "--timeout", "30s", Self.endless], bytes: 1 << 20)
        #expect(json.wasRunning, "\(json.stderr)")
        #expect(json.output.hasPrefix("[\n  {\"x\": 1},\n  {\"x\": 2},\n"))
    }

    @Test func largeResultsPrintEveryRowInEachFormat() throws {
        let (ws, config) = try ingestedSample()
        defer { withExtendedLifetime(ws) {} }
        let rows = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100000) SELECT x, 'row ' || x AS label FROM c"
        let csv = try CLIRunner.run(["query", "--config", config, "--format", "csv", rows])
        #expect(csv.status == 0)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 100_001 && lines.first == "x,label" && lines.last == "100000,row 100000")
        let json = try CLIRunner.run(["query", "--config", config, "--format", "json", rows])
        let objects = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(objects?.count == 100_000 && objects?.last?["label"] as? String == "row 100000")
        #expect(try CLIRunner.run(["query", "--config", config, "--format", "json", "SELECT 1 WHERE 0"]).stdout == "[]\n")

        // A table sizes its columns from the first 1000 rows; a wider value later is printed whole.
        let wide = """
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 1500)
            SELECT x, CASE WHEN x = 1200 THEN 'wider than anything before' ELSE 'v' END AS label FROM c
            """
        let table = try CLIRunner.run(["query", "--config", config, wide]).stdout.split(separator: "\n")
        #expect(table.prefix(3) == ["x     label", "----  -----", "1     v"])
        #expect(table.contains("1200  wider than anything before"))
        #expect(table.last == "(1500 rows)")
    }
}
