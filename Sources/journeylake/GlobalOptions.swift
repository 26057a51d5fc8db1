import ArgumentParser
import Foundation
import Insights
import JourneyModel
import JourneyStore
import JourneyConfig
import Logging
import Connectors
import Daemon

/// `--config`, shared by every command.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path of the YAML config file (default: $JOURNEYLAKE_CONFIG or /etc/journeylake/journeylake.yaml).")
    var config: String?

    var path: String {
        config ?? ProcessInfo.processInfo.environment["JOURNEYLAKE_CONFIG"] ?? "/etc/journeylake/journeylake.yaml"
    }

    /// Loads and checks the file's structure only: no connector is built and no secret resolved,
    /// so the commands that only read the store work without the vendors' credentials.
    func loadStructure() throws -> JourneyLakeConfig { try Self.loadStructure(path: path) }

    static func loadStructure(path: String) throws -> JourneyLakeConfig {
        do {
            return try JourneyLakeConfig.load(path: path)
        } catch let e as ConfigError {
            throw CLIError.config(e.description)
        } catch let e as ConfigErrors {
            throw CLIError.config(e.description)
        }
    }

    /// Loads and validates the whole config, every source built (disabled ones too, so enabling a
    /// source later cannot surprise anyone); exits 78 (EX_CONFIG) when invalid.
    func load() throws -> (JourneyLakeConfig, [any IngestSource]) { try Self.load(path: path) }

    static func load(path: String) throws -> (JourneyLakeConfig, [any IngestSource]) {
        let config = try loadStructure(path: path)
        var sources: [any IngestSource] = []
        var errors: [ConfigError] = []
        for section in config.sources {
            do {
                sources.append(try ConnectorRegistry.make(section))
            } catch let e as ConfigError {
                errors.append(e)
            } catch let e as ConfigErrors {
                errors.append(contentsOf: e.errors)
            }
        }
        if !errors.isEmpty { throw CLIError.config(ConfigErrors(errors).description) }
        return (config, sources)
    }
}

extension ConfigOption {
    /// The config and the store opened for writing, for the commands that change it without
    /// fetching (identity maintenance): they need no vendor credentials either.
    func loadStore(whileWaiting hint: String? = nil) throws -> (JourneyLakeConfig, JourneyStore) {
        let config = try catching { try loadStructure() }
        return (config, openWritableStore(config, whileWaiting: hint))
    }

    /// The config and a read-only reader on its store, for the commands that only report.
    func openReader() throws -> (JourneyLakeConfig, JourneyReader) {
        let config = try catching { try loadStructure() }
        return (config, reading { try JourneyReader(path: config.store.path) })
    }
}

/// The derivers the config's shared definitions make; an invalid `definitions:` exits 78.
func derivers(_ config: JourneyLakeConfig) -> [any Deriver] {
    [InsightsDeriver(definitions: definitions(config))]
}

/// The config's shared definitions; an invalid `definitions:` exits 78.
func definitions(_ config: JourneyLakeConfig) -> Definitions {
    do {
        return try Definitions(node: config.definitions)
    } catch let e as ConfigError {
        fail(.config(e.description))
    } catch let e as ConfigErrors {
        fail(.config(e.description))
    } catch {
        fail(.config("\(error)"))
    }
}

/// Opens the store as its one writing process: a second writer waits for the first to finish
/// (saying so on stderr) instead of racing it; readers never wait.
/// `hint` is added to the message said while another writer holds the store.
func openWritableStore(_ config: JourneyLakeConfig, whileWaiting hint: String? = nil) -> JourneyStore {
    let path = config.store.path
    do {
        return try JourneyStore.openForWriting(path: path, whenBusy: .wait { holder in
            let who = holder.map { "another journeylake (pid \($0))" } ?? "another journeylake"
            printErr("journeylake: \(who) holds the store \(path); waiting for it to finish\(hint.map { " (\($0))" } ?? "")")
        })
    } catch {
        fail(.store("\(error)"))
    }
}

/// Output formats for reports.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

/// Errors the CLI maps to exit codes (sysexits.h where one fits).
enum CLIError: Error, CustomStringConvertible {
    case config(String)
    case store(String)
    case query(String)
    case data(String)
    case usage(String)

    var description: String {
        switch self {
        case .config(let m): return "invalid config:\n\(m)"
        case .store(let m), .query(let m), .data(let m), .usage(let m): return m
        }
    }

    var exitCode: Int32 {
        switch self {
        case .config: return 78  // EX_CONFIG: systemd must not restart-loop on it
        case .store: return 74  // EX_IOERR
        case .query, .data: return 65  // EX_DATAERR
        case .usage: return 64  // EX_USAGE
        }
    }
}

extension CLIError {
    /// The exit a failed read maps to: 64 nobody found, 65 write refused or query failed, 74 the store.
    init(reading error: any Error) {
        switch error {
        case let e as CLIError: self = e
        case QueryError.noPersonFound: self = .usage("\(error)")
        case QueryError.timeLimitExceeded(let limit, _):
            self = .query("\(error) with --timeout, e.g. --timeout \(QueryLimits.describe(limit * 4))")
        case is QueryError: self = .query("\(error)")
        default: self = .store("\(error)")
        }
    }
}

/// Runs a read of the store; a failure prints its reason and exits with its code.
func reading<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch { fail(CLIError(reading: error)) }
}

/// Prints an error to stderr and exits with its code.
func fail(_ error: CLIError) -> Never {
    FileHandle.standardError.write(Data("journeylake: \(error.description)\n".utf8))
    exit(error.exitCode)
}

func printErr(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The daemon's logs: one event per line (`LineLogHandler`), journald priorities under systemd;
/// `JOURNEYLAKE_LOG_LEVEL` overrides the level.
func bootstrapDaemonLogging(default level: Logger.Level) {
    let configured = ProcessInfo.processInfo.environment["JOURNEYLAKE_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
    LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: configured ?? level) }
}

/// Logs go to stderr; `JOURNEYLAKE_LOG_LEVEL` (trace…critical) overrides the command's default,
/// so one-shot commands stay quiet and the daemon reports each pass.
func bootstrapLogging(default level: Logger.Level) {
    let configured = ProcessInfo.processInfo.environment["JOURNEYLAKE_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = configured ?? level
        return handler
    }
}
