import Foundation

/// `journeylake serve` as a child process, as systemd would run it: its stderr goes to a file
/// the test reads, and it is stopped with signals.
public final class ServeProcess {
    public let process: Process
    public let logURL: URL
    private let log: FileHandle

    /// Starts `serve --config config` with `environment` added.
    public init(config: String, environment: [String: String] = [:]) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("jl-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        log = try FileHandle(forWritingTo: logURL)
        process = try CLIRunner.launch(["serve", "--config", config], environment: environment, stdout: log, stderr: log)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? log.close()
        try? FileManager.default.removeItem(at: logURL)
    }

    /// Everything logged so far.
    public var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits until the log has a line containing `text` (or the process ends, or `timeout`).
    @discardableResult
    public func waitForLog(_ text: String, timeout: Duration = .seconds(120)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The API's address once it listens (from the `http listening listen=host:port` line).
    public func baseURL(timeout: Duration = .seconds(120)) async throws -> URL? {
        guard try await waitForLog("http listening listen=", timeout: timeout) else { return nil }
        guard let range = output.range(of: #"http listening listen=[0-9.]+:[0-9]+"#, options: .regularExpression) else { return nil }
        let address = output[range].split(separator: "=").last!
        return URL(string: "http://\(address)")
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end (SIGKILL after `timeout`); its exit status, nil if killed.
    public func waitForExit(timeout: Duration = .seconds(120)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }
}
