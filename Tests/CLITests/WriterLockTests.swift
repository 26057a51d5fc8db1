import Foundation
import JourneyTesting
import Testing

/// One writer at a time: two `ingest` processes started together on one store never race (no
/// `table raw_records already exists`, no `database is locked`, no input read twice).
@Suite struct WriterLockTests {
    /// The `new` column summed over the rows an ingest printed as JSON.
    static func newRows(_ stdout: String) throws -> Int {
        let rows = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [[String: Any]] ?? []
        return rows.reduce(0) { $0 + (($1["new"] as? Int) ?? 0) }
    }

    @Test func twoIngestsStartedTogetherOnAFreshStoreLoadOnceAndEqualOneRun() throws {
        let rounds = CrashRecoveryTests.soak ? 12 : 3
        let clean = try Workspace()
        try CrashRecoveryTests.writeExports(to: clean, activities: 3000)
        let single = try CLIRunner.run(["ingest", "--config", CrashRecoveryTests.config(clean, batchSize: 200)])
        #expect(single.status == 0, "\(single.stderr)")
        for round in 0..<rounds {
            let ws = try Workspace()
            try CrashRecoveryTests.writeExports(to: ws, activities: 3000)
            let config = try CrashRecoveryTests.config(ws, batchSize: 200)
            let arguments = ["ingest", "--config", config, "--format", "json"]
            let first = try CLIRunner.start(arguments), second = try CLIRunner.start(arguments)
            var results: [(status: Int32, stdout: String, stderr: String)] = []
            for (process, out, err) in [first, second] {
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                let stderr = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                results.append((process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)))
            }
            for r in results {
                #expect(r.status == 0, "round \(round): \(r.stderr)")
                #expect(!r.stderr.contains("already exists") && !r.stderr.contains("database is locked"), "round \(round): \(r.stderr)")
            }
            // Exactly one of them loaded the data; the other found nothing new once it got the store.
            let loaded = try results.map { try Self.newRows($0.stdout) }
            #expect(loaded.filter { $0 > 0 }.count == 1, "round \(round): new rows per process \(loaded)")
            // One that had to wait said so, naming the holder.
            for r in results where r.stderr.contains("waiting") {
                #expect(r.stderr.contains("another journeylake (pid "), "\(r.stderr)")
            }
            #expect(try ws.dump() == clean.dump(), "round \(round)")
        }
    }

    @Test func aWriterWaitsForTheHolderAndSaysSo() throws {
        let ws = try Workspace()
        try CrashRecoveryTests.writeExports(to: ws, activities: 50)
        let config = try CrashRecoveryTests.config(ws, batchSize: 200)
        // The daemon needs no HTTP API here (and must not take the default port).
        try (String(contentsOfFile: config, encoding: .utf8) + "server: { enabled: false }\n").write(toFile: config, atomically: true, encoding: .utf8)
        // A daemon holds the store; a one-shot ingest waits for it (and says who holds it).
        let (daemon, daemonOut, daemonErr) = try CLIRunner.start(["serve", "--config", config])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        // The daemon holds the lock once it has migrated the store: wait for its tables.
        while !FileManager.default.fileExists(atPath: ws.storePath)
            || (try? ws.count("SELECT count(*) FROM sqlite_master WHERE name = 'derive_state'")) != 1
        {
            #expect(daemon.isRunning)
            if !daemon.isRunning { return }
            usleep(50_000)
        }
        let (waiter, waiterOut, waiterErr) = try CLIRunner.start(["ingest", "--config", config])
        // Read stderr until the waiting message arrives: the ingest is blocked on the lock.
        var said = Data()
        while !String(decoding: said, as: UTF8.self).contains("waiting") {
            let chunk = waiterErr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said.append(chunk)
        }
        let message = String(decoding: said, as: UTF8.self)
        #expect(message.contains("another journeylake (pid \(daemon.processIdentifier)) holds the store"), "\(message)")
        #expect(waiter.isRunning)
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        _ = daemonOut.fileHandleForReading.readDataToEndOfFile()
        _ = daemonErr.fileHandleForReading.readDataToEndOfFile()
        _ = waiterOut.fileHandleForReading.readDataToEndOfFile()
        _ = waiterErr.fileHandleForReading.readDataToEndOfFile()
        waiter.waitUntilExit()
        #expect(waiter.terminationStatus == 0)
    }
}
