import Foundation

/// Runs the built `journeylake` binary as a child process, as an operator or a script would.
public enum CLIRunner {
    /// What a run printed and how it ended.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the process was killed by a signal rather than exiting.
        public var signaled: Bool
    }

    /// The binary next to the test bundle (`swift build` puts both in `.build/<config>/`), or
    /// `$JOURNEYLAKE_BIN`.
    public static var binary: URL {
        if let env = ProcessInfo.processInfo.environment["JOURNEYLAKE_BIN"] { return URL(fileURLWithPath: env) }
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for config in ["debug", "release"] {
            candidates.append(Fixtures.repositoryRoot.appendingPathComponent(".build/\(config)"))
        }
        for dir in candidates {
            var d = dir
            for _ in 0..<4 {
                let url = d.appendingPathComponent("journeylake")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue { return url }
                d = d.deletingLastPathComponent()
            }
        }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/journeylake")
    }

    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Starts the command `times` times and SIGKILLs each run after a random delay from `delays`
    /// (milliseconds); stops early when a run finishes on its own. Returns how many runs were
    /// killed mid-way and whether one finished (with its exit status).
    public static func killRepeatedly(
        _ arguments: [String], times: Int, delays: ClosedRange<Int>, using rng: inout some RandomNumberGenerator
    ) async throws -> (killed: Int, finishedStatus: Int32?) {
        var killed = 0
        for _ in 0..<times {
            let (process, out, err) = try start(arguments)
            try await Task.sleep(for: .milliseconds(Int.random(in: delays, using: &rng)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed += 1
            }
            process.waitUntilExit()
            _ = out.fileHandleForReading.readDataToEndOfFile()
            _ = err.fileHandleForReading.readDataToEndOfFile()
            if process.terminationReason == .exit { return (killed, process.terminationStatus) }
        }
        return (killed, nil)
    }

    /// Runs to completion without holding a thread of Swift's cooperative pool while the child
    /// works: output goes to files and the wait is a sleep loop. Tests that run long commands use
    /// it, so servers other tests host in-process (vendor emulators) keep being served.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jl-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let process = try launch(arguments, environment: environment, stdout: out, stderr: err)
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return Result(
            status: process.terminationStatus, stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "", signaled: process.terminationReason == .uncaughtSignal)
    }

    /// Starts the binary with `environment` added to this process's, output to the given files.
    static func launch(_ arguments: [String], environment: [String: String], stdout: FileHandle, stderr: FileHandle) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs to completion and collects the output.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment)
        // Read before waiting so a chatty child cannot block on a full pipe.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), signaled: process.terminationReason == .uncaughtSignal)
    }
}
