import Foundation
public import Logging

/// The daemon's log lines: one event per line on stderr, `level message key=value …` with the
/// keys sorted, values quoted when they hold spaces and newlines escaped, so a line is one
/// event for journald, grep and log shippers alike. Under journald (`JOURNAL_STREAM` set) each
/// line starts with its syslog priority (`<6>`) so `journalctl -p` filters by level, and has no
/// timestamp (journald stamps it); elsewhere it starts with an ISO-8601 time.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let journald: Bool

    public init(label: String, level: Logger.Level, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.label = label
        self.logLevel = level
        self.journald = environment["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit { all.merge(explicit) { $1 } }
        var text = journald ? "<\(Self.priority(level))>" : Date().formatted(.iso8601) + " "
        text += "\(level) \(Self.escape(message.description))"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(Self.quote("\(value)"))"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// syslog priorities (sd-daemon.h): what journald files the line under.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }

    static func quote(_ s: String) -> String {
        let escaped = escape(s)
        guard escaped.isEmpty || escaped.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return escaped }
        return "\"" + escaped.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
