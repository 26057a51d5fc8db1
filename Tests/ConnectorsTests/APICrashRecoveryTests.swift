import Foundation
import JourneyTesting
import Testing

/// The real binary reading HubSpot, killed with SIGKILL at random moments (mid-page, mid-commit,
/// between pages) and restarted, ends with the store of an uninterrupted run.
@Suite struct APICrashRecoveryTests {
    static let soak = ProcessInfo.processInfo.environment["JOURNEYLAKE_SOAK"] == "1"

    func workspace(server: ReplayServer) throws -> (Workspace, String) {
        let ws = try Workspace()
        try ws.write("secrets/hubspot-token", "pat-test-token\n")
        let config = try ws.write("journeylake.yaml", """
            store:
              path: journey.sqlite
            sources:
              - name: hubspot
                type: hubspot
                base_url: \(server.baseURL.absoluteString)
                token: { file: secrets/hubspot-token }
                page_size: 25
                streams: [contacts, companies, deals, contacts:archived]
                retry: { max_attempts: 3, base_delay: 10ms, max_delay: 100ms }

            """)
        return (ws, config.path)
    }

    @Test(.timeLimit(.minutes(30))) func killedAtAnyPageBoundaryThenRestartedEqualsACleanRun() async throws {
        let emulator = HubSpotEmulator()
        try await emulator.seedFromFixtures()
        try await emulator.seedAssociationsFromFixture()
        let contacts = Self.soak ? 6_000 : 1_500
        for i in 0..<contacts {
            await emulator.add("contacts", .init(
                id: 70_000_000_000 + Int64(i), properties: ["email": "crash.\(i)@example.com", "firstname": "Crash", "jobtitle": "T\(i % 7)"],
                createdAt: "2025-04-01T00:00:00Z", updatedMs: 1_743_465_600_000 + Int64(i % 40) * 1000))
        }
        let server = try await ReplayServer { request in await emulator.handle(request) }
        defer { Task { await server.stop() } }

        let (clean, cleanConfig) = try workspace(server: server)
        let cleanRun = try await CLIRunner.run(["ingest", "--config", cleanConfig])
        #expect(cleanRun.status == 0, "\(cleanRun.stderr)")

        let (crashed, config) = try workspace(server: server)
        var rng = SystemRandomNumberGenerator()
        let (kills, _) = try await CLIRunner.killRepeatedly(
            ["ingest", "--config", config], times: Self.soak ? 30 : 8, delays: 20...350, using: &rng)
        let last = try await CLIRunner.run(["ingest", "--config", config])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(kills >= 2)
        #expect(try crashed.count("SELECT count(*) FROM persons WHERE first_name = 'Crash'") == contacts)
        #expect(try crashed.dump(includingOrigins: false) == clean.dump(includingOrigins: false))
    }
}
