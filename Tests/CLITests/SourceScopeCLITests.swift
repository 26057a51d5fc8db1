import Foundation
import JourneyTesting
import Testing

/// `journeylake sources` shows the source as a whole as stream `*`, before and after a failure.
@Suite struct SourceScopeCLITests {
    @Test func aSourceNeverRunAndAFailedSourceShowAsTheStarStream() throws {
        let ws = try Workspace()
        let config = try ws.write("journeylake.yaml", """
            store:
              path: data/journey.sqlite
            sources:
              - {name: gone, type: files, path: missing-folder, format: marketo-export}

            """)
        let before = try CLIRunner.run(["sources", "--config", config.path, "--format", "json"])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains(#""source": "gone", "stream": "*", "status": "never_run""#), "\(before.stdout)")
        #expect(try CLIRunner.run(["ingest", "--config", config.path]).status == 1)
        let after = try CLIRunner.run(["sources", "--config", config.path, "--format", "json"])
        #expect(after.stdout.contains(#""source": "gone", "stream": "*", "status": "failed""#), "\(after.stdout)")
    }
}
