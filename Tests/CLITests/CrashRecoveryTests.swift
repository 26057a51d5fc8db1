import Foundation
import JourneyTesting
import Testing

/// A process killed with SIGKILL at any moment and restarted ends with exactly the store an
/// uninterrupted run produces: nothing lost, nothing counted twice.
@Suite struct CrashRecoveryTests {
    /// `JOURNEYLAKE_SOAK=1` (set by `.ci/run`) runs the long version: more rows, more kills.
    static let soak = ProcessInfo.processInfo.environment["JOURNEYLAKE_SOAK"] == "1"

    /// Deterministic Marketo bulk exports in the real columns: leads, then activities with ~2%
    /// exact repeats, a few malformed rows and a Delete Lead.
    static func writeExports(to ws: Workspace, activities: Int) throws {
        var leads = ["id,firstName,lastName,email,company,title,leadSource,leadScore,unsubscribed,sfdcLeadId,sfdcContactId,createdAt,updatedAt"]
        let leadCount = max(10, activities / 20)
        for i in 1...leadCount {
            let email = i % 17 == 0 ? "  PERSON\(i)@Company\(i % 97).example " : "person\(i)@company\(i % 97).example"
            leads.append("\(i),First\(i),Last\(i),\(email),Company \(i % 97),Manager,Web,\(i % 120),false,null,null,2025-01-01T00:00:00Z,2025-01-0\(1 + i % 9)T00:00:00Z")
        }
        try ws.write("drop/leads/leads.csv", leads.joined(separator: "\n") + "\n")
        var rows = ["marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes"]
        var rng = SplitMix(seed: 42)
        let types = [1, 2, 6, 7, 10, 11, 104]
        for i in 0..<activities {
            if i > 10, rng.next() % 50 == 0 { rows.append(rows[1 + Int(rng.next() % UInt64(rows.count - 1))]); continue }
            if i % 997 == 500 { rows.append("\(5_000_000 + i),\(1 + i % leadCount),not-a-date,10,null,1,Broken,null"); continue }
            let type = types[Int(rng.next() % UInt64(types.count))]
            let seconds = i * 37
            let attributes = type == 104
                ? #""{""New Status"":""Attended"",""Program Member ID"":\#(i)}""#
                : #""{""Campaign Run ID"":\#(i % 13),""Client IP Address"":""198.51.100.\#(i % 250)""}""#
            rows.append("\(5_000_000 + i),\(1 + Int(rng.next() % UInt64(leadCount))),2025-02-01T\(String(format: "%02d:%02d:%02d", (seconds / 3600) % 24, (seconds / 60) % 60, seconds % 60))Z,\(type),\(1000 + i % 7),\(i % 300),Asset \(i % 300),\(attributes)")
        }
        rows.append("9999999,3,2025-03-01T00:00:00Z,37,null,3,Lead 3,null")
        try ws.write("drop/activities/activities.csv", rows.joined(separator: "\n") + "\n")
    }

    static func config(_ ws: Workspace, batchSize: Int) throws -> String {
        try ws.write("journeylake.yaml", """
            store:
              path: journey.sqlite
              batch_size: \(batchSize)
            sources:
              - {name: mkto-leads, type: files, path: drop/leads, format: marketo-leads-export, settle: 0s}
              - {name: mkto-activities, type: files, path: drop/activities, format: marketo-activities-export, settle: 0s}

            """).path
    }

    @Test(.timeLimit(.minutes(30))) func sigkillAtManyPointsThenRestartEqualsACleanRun() async throws {
        let activities = Self.soak ? 120_000 : 40_000
        let kills = Self.soak ? 40 : 12
        let batchSize = 300

        let clean = try Workspace()
        try Self.writeExports(to: clean, activities: activities)
        let cleanRun = try await CLIRunner.run(["ingest", "--config", Self.config(clean, batchSize: batchSize)])
        #expect(cleanRun.status == 0, "\(cleanRun.stderr)")

        let crashed = try Workspace()
        try Self.writeExports(to: crashed, activities: activities)
        let config = try Self.config(crashed, batchSize: batchSize)
        // Kill at random moments: before the store exists, mid-batch, mid-commit, between files.
        var rng = SplitMix(seed: 7)
        let (killedMidRun, finishedStatus) = try await CLIRunner.killRepeatedly(
            ["ingest", "--config", config], times: kills, delays: 5...404, using: &rng)
        if let finishedStatus { #expect(finishedStatus == 0) } else {
            let last = try await CLIRunner.run(["ingest", "--config", config])
            #expect(last.status == 0, "\(last.stderr)")
        }
        #expect(killedMidRun >= 3, "the ingest finished before it could be killed often enough; raise the row count")
        #expect(try crashed.dump() == clean.dump())
        // One more pass over the same files adds nothing.
        _ = try await CLIRunner.run(["ingest", "--config", config])
        #expect(try crashed.dump() == clean.dump())
        #expect(try crashed.count("SELECT count(*) FROM quarantine") == clean.count("SELECT count(*) FROM quarantine"))
        #expect(try crashed.count("SELECT count(*) FROM deleted_records") == 1)
    }
}

/// `reprocess` killed at any moment and run again ends where an uninterrupted run ends, and
/// re-mapping after a mapping change gives the live rows a fresh ingest with that mapping gives.
extension CrashRecoveryTests {
    static func signupsConfig(_ ws: Workspace, channel: String, batchSize: Int) throws -> String {
        try ws.write("journeylake.yaml", """
            store: { path: journey.sqlite, batch_size: \(batchSize) }
            sources:
              - name: signups
                type: files
                path: drop
                format: csv
                settle: 0s
                mapping:
                  record: touchpoint
                  system: formco
                  stream: signups
                  id: id
                  fields: { email: email, occurred_at: at, action: action, side: side }
                  constants: { channel: \(channel) }
            """).path
    }

    static func writeSignups(to ws: Workspace, rows: Int) throws {
        var lines = ["id,email,at,action,side"]
        for i in 0..<rows {
            // A bad side every so often: quarantined with either mapping.
            let side = i % 401 == 7 ? "partner" : i % 3 == 0 ? "sales" : "marketing"
            lines.append("s\(i),person\(i % (rows / 4))@example\(i % 29).com,2025-02-01T00:00:\(String(format: "%02d", i % 60))Z,form.submitted,\(side)")
        }
        try ws.write("drop/signups.csv", lines.joined(separator: "\n") + "\n")
    }

    @Test(.timeLimit(.minutes(30))) func reprocessKilledAtManyPointsThenRunAgainEqualsAnUninterruptedRun() async throws {
        let rows = Self.soak ? 20_000 : 4_000
        let kills = Self.soak ? 25 : 10
        let batchSize = 100
        func ingested() async throws -> (Workspace, String) {
            let ws = try Workspace()
            try Self.writeSignups(to: ws, rows: rows)
            let config = try Self.signupsConfig(ws, channel: "form", batchSize: batchSize)
            let r = try await CLIRunner.run(["ingest", "--config", config])
            #expect(r.status == 0, "\(r.stderr)")
            return (ws, try Self.signupsConfig(ws, channel: "web", batchSize: batchSize))
        }
        let (clean, cleanConfig) = try await ingested()
        let cleanRun = try await CLIRunner.run(["reprocess", "--config", cleanConfig])
        #expect(cleanRun.status == 0, "\(cleanRun.stderr)")
        #expect(try clean.count("SELECT count(*) FROM touchpoints WHERE channel = 'form'") == 0)

        let (crashed, config) = try await ingested()
        var rng = SplitMix(seed: 11)
        let (killedMidRun, finishedStatus) = try await CLIRunner.killRepeatedly(
            ["reprocess", "--config", config], times: kills, delays: 10...300, using: &rng)
        if let finishedStatus { #expect(finishedStatus == 0) } else {
            let last = try await CLIRunner.run(["reprocess", "--config", config])
            #expect(last.status == 0, "\(last.stderr)")
        }
        #expect(killedMidRun >= 3, "reprocess finished before it could be killed often enough; raise the row count")
        #expect(try crashed.dump() == clean.dump())
        #expect(try crashed.count("SELECT count(*) FROM reprocess_progress") == 0)

        // The live rows are those a fresh ingest with today's mapping makes.
        let fresh = try Workspace()
        try Self.writeSignups(to: fresh, rows: rows)
        #expect(try await CLIRunner.run(["ingest", "--config", Self.signupsConfig(fresh, channel: "web", batchSize: batchSize)]).status == 0)
        for q in [
            "SELECT touchpoint_id || '|' || coalesce(person_id, '') || '|' || occurred_at || '|' || channel || '|' || action || '|' || side FROM touchpoints",
            "SELECT person_id || '|' || coalesce(primary_email, '') FROM persons",
            "SELECT kind || '|' || value || '|' || person_id FROM identifiers",
            "SELECT stream || '|' || coalesce(external_id, '') || '|' || reason_code || '|' || payload FROM quarantine",
        ] {
            #expect(try crashed.strings(q + " ORDER BY 1") == fresh.strings(q + " ORDER BY 1"), "\(q)")
        }
        #expect(try fresh.count("SELECT count(*) FROM quarantine") > 0)

        // SIGTERM stops a run between batches (exit 1, saying so); the next run resumes there.
        let eventConfig = try Self.signupsConfig(crashed, channel: "event", batchSize: batchSize)
        _ = try Self.signupsConfig(clean, channel: "event", batchSize: batchSize)
        #expect(try await CLIRunner.run(["reprocess", "--config", cleanConfig]).status == 0)
        var stopped: (status: Int32, stderr: String)?
        for _ in 1...5 where stopped == nil {
            let (process, out, err) = try CLIRunner.start(["reprocess", "--config", eventConfig])
            // Once a batch has committed (the run's position is stored), ask it to stop.
            while process.isRunning, (try? crashed.count("SELECT count(*) FROM reprocess_progress")) ?? 0 == 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
            _ = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if process.terminationReason == .exit, process.terminationStatus == 1 { stopped = (1, stderr) }
        }
        #expect(stopped?.status == 1, "\(stopped?.stderr ?? "never stopped by SIGTERM")")
        #expect(stopped?.stderr.contains("stopped before the end; run reprocess again to resume") == true)
        let resumed = try await CLIRunner.run(["reprocess", "--config", eventConfig])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed the run an earlier reprocess left unfinished"), "\(resumed.stderr)")
        #expect(try crashed.dump() == clean.dump())
        #expect(try crashed.count("SELECT count(*) FROM touchpoints WHERE channel <> 'event'") == 0)
    }
}

/// A small deterministic generator (SplitMix64), so test data is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
