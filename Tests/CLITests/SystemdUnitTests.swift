import Foundation
import JourneyTesting
import Testing

/// `systemd/journeylake.service`: the directives the daemon relies on, `systemd-analyze verify`
/// clean and `systemd-analyze security` exposure 2.0 or lower (where systemd-analyze exists).
@Suite struct SystemdUnitTests {
    static let unit = Fixtures.repositoryRoot.appendingPathComponent("systemd/journeylake.service")
    static let analyze = "/usr/bin/systemd-analyze"

    @Test func unitDeclaresNotifyReadinessWatchdogReloadRestartPolicyAndSandbox() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        let lines = Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
        for required in [
            "Type=notify", "RestartPreventExitStatus=78", "Restart=on-failure", "DynamicUser=yes", "StateDirectory=journeylake",
            "ConfigurationDirectory=journeylake", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
            "CapabilityBoundingSet=", "SystemCallFilter=@system-service", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
            "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            #expect(lines.contains(required), "missing \(required)")
        }
        #expect(lines.contains { $0.hasPrefix("WatchdogSec=") })
        #expect(lines.contains { $0.hasPrefix("ExecStartPre=") && $0.contains("config check") })
        #expect(lines.contains { $0.hasPrefix("ExecReload=") && $0.contains("config check") })
        #expect(text.contains("LoadCredential="))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is not installed"))
    func systemdAnalyzeVerifiesTheUnitAndRatesItsExposureAtMost2() async throws {
        // verify wants the binaries to exist: the same unit, pointing at the built one.
        let ws = try Workspace()
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/journeylake", with: CLIRunner.binary.path)
        let copy = try ws.write("journeylake.service", text)
        let verify = try Self.run(["verify", copy.path])
        #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")
        let security = try Self.run(["security", "--offline=yes", copy.path])
        let range = try #require(security.output.range(of: #"Overall exposure level for journeylake.service: [0-9.]+"#, options: .regularExpression))
        let score = try #require(Double(security.output[range].split(separator: " ").last!))
        #expect(score <= 2.0, "\(security.output)")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: analyze)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
