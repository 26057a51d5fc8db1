import Foundation
import JourneyTesting
import Testing

/// What each command needs from the config: readers the store only, writers every source, and a
/// disabled source nothing at all.
extension CLITests {
    @Test func readingTheStoreNeedsNoVendorCredentials() throws {
        let (ws, _) = try ingestedSample()
        defer { withExtendedLifetime(ws) {} }
        // The same store, now also configured with an API source whose secrets are not set.
        let withAPI = try ws.write("with-api.yaml", """
            store:
              path: data/journey.sqlite
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
              - name: crm
                type: hubspot
                token: { env: JOURNEYLAKE_TEST_UNSET_TOKEN }
            """)
        let q = try CLIRunner.run(["query", "--config", withAPI.path, "--format", "csv", "SELECT count(*) AS n FROM persons"])
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout == "n\n8\n")
        #expect(try CLIRunner.run(["journey", "--config", withAPI.path, "maya.chen@brightwave.io"]).status == 0)
        let s = try CLIRunner.run(["sources", "--config", withAPI.path, "--format", "csv"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stdout.contains("crm,*,never_run"), "\(s.stdout)")
        #expect(try CLIRunner.run(["identity", "merges", "--config", withAPI.path]).status == 0)
        // Fetching still needs them, and says which.
        let ingest = try CLIRunner.run(["ingest", "--config", withAPI.path])
        #expect(ingest.status == 78)
        #expect(ingest.stderr.contains("JOURNEYLAKE_TEST_UNSET_TOKEN"), "\(ingest.stderr)")
    }

    @Test func aDisabledSourceIsSkippedUnlessNamed() throws {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("hubspot", to: "hs")
        let config = try ws.write("journeylake.yaml", """
            store:
              path: journey.sqlite
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
              - {name: hs, type: files, path: hs, format: hubspot-export, settle: 0s, enabled: false}
            """).path
        let r = try CLIRunner.run(["ingest", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("source hs is disabled (enabled: false); skipped"), "\(r.stderr)")
        #expect(try ws.count("SELECT count(*) FROM sync_state WHERE source = 'hs'") == 0)
        #expect(try ws.count("SELECT count(*) FROM raw_records WHERE source = 'sf'") > 0)
        let check = try CLIRunner.run(["config", "check", "--config", config])
        #expect(check.stdout.split(separator: "\n").contains { $0.hasPrefix("source hs:") && $0.hasSuffix("(disabled)") }, "\(check.stdout)")
        let named = try CLIRunner.run(["ingest", "--config", config, "--source", "hs"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(try ws.count("SELECT count(*) FROM raw_records WHERE source = 'hs'") > 0)
    }

    @Test func configCheckFailsForAStoreThatCannotBeWritten() throws {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        _ = try ws.write("blocker", "a file where the store's folder would go")
        let config = try ws.write("journeylake.yaml", """
            store:
              path: blocker/data/journey.sqlite
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
            """).path
        let check = try CLIRunner.run(["config", "check", "--config", config])
        #expect(check.status == 78)
        #expect(check.stderr.contains("store.path") && check.stderr.contains("blocker is a file"), "\(check.stderr)")
        // What config check refuses, ingest cannot do either.
        #expect(try CLIRunner.run(["ingest", "--config", config]).status != 0)
    }

    @Test(.enabled(if: geteuid() != 0, "root may write a read-only folder"))
    func configCheckFailsForAReadOnlyStoreFolder() throws {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        let folder = ws.root.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path) }
        let config = try ws.write("journeylake.yaml", """
            store:
              path: ro/journey.sqlite
            sources:
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
            """).path
        let check = try CLIRunner.run(["config", "check", "--config", config])
        #expect(check.status == 78)
        #expect(check.stderr.contains("not writable"), "\(check.stderr)")
    }

    @Test func sqlThatStartsWithACommentIsNotTakenForAnOption() throws {
        let (ws, config) = try ingestedSample()
        defer { withExtendedLifetime(ws) {} }
        let r = try CLIRunner.run(["query", "--config", config, "--format", "csv", "-- persons, counted\nSELECT count(*) AS n FROM persons WHERE 1 = 1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "n\n8\n")
        let typo = try CLIRunner.run(["query", "--config", config, "--fromat", "csv", "SELECT 1"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("mistyped option"), "\(typo.stderr)")
    }
}

extension CLITests {
    @Test func aYAMLErrorNamesLineAndColumnButNeverEchoesTheLine() throws {
        let ws = try Workspace()
        let config = try ws.write("journeylake.yaml", "store:\n  path: journey.sqlite\nsources:\n  - name: m\n    client_secret: \u{01}s3cr3tVALUE\n").path
        let r = try CLIRunner.run(["config", "check", "--config", config])
        #expect(r.status == 78)
        #expect(r.stderr.contains("journeylake.yaml:5:20"), "\(r.stderr)")
        #expect(!r.stderr.contains("s3cr3t") && !r.stdout.contains("s3cr3t"), "\(r.stderr)")
    }
}
