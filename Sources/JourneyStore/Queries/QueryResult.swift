import Foundation

/// One value of a query result, as SQLite stores it.
public enum QueryCell: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

extension QueryCell: Encodable {
    /// Encodes as the bare JSON value an HTTP client expects (a blob as base64 text). Not
    /// Decodable on purpose: the storage class cannot be told from JSON alone.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let i): try container.encode(i)
        case .real(let d): try container.encode(d)
        case .text(let s): try container.encode(s)
        case .blob(let b): try container.encode(b.base64EncodedString())
        }
    }
}

/// Receives a read-only query's result as SQLite produces it: the column names once, then each
/// row, so a result never has to fit in memory.
public protocol QueryResultSink {
    /// Called once, before any row (also when there are none).
    mutating func columns(_ names: [String]) throws
    /// Called per row; `cells` lines up with the column names. Time spent here does not count
    /// against the statement's time limit.
    mutating func row(_ cells: [QueryCell]) throws
}

/// Bounds on one read-only query.
public struct QueryLimits: Sendable, Equatable {
    /// What `journeylake query` allows unless told otherwise: long enough for any real report
    /// on one store, short enough that a runaway cross join does not hold a reader for hours.
    public static let defaultTime: Duration = .seconds(60)

    /// Time SQLite may spend executing the statement. Time the sink spends on rows is left out,
    /// so a slow consumer (a pager, a slow HTTP client) does not make a fast query fail. nil (or
    /// zero): no limit.
    public var time: Duration?
    /// Stop after this many rows; the summary then says the result was cut.
    public var rows: Int?

    /// `1s`, `1.5s`, `250ms`: how operators write durations in the config and on the command line.
    public static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return ms < 1000 ? "\(ms)ms" : "\(Double(ms) / 1000)s" }
        let s = ms / 1000
        if s >= 120, s % 60 == 0 { return s % 3600 == 0 ? "\(s / 3600)h" : "\(s / 60)m" }
        return "\(s)s"
    }

    public init(time: Duration? = QueryLimits.defaultTime, rows: Int? = nil) {
        self.time = time
        self.rows = rows
    }
}

/// What a streamed query produced, once the last row has gone to the sink.
public struct QuerySummary: Sendable, Equatable, Codable {
    public var columns: [String]
    public var rowCount: Int
    /// True when `QueryLimits.rows` stopped the result before its end.
    public var truncated: Bool

    public init(columns: [String], rowCount: Int, truncated: Bool) {
        self.columns = columns
        self.rowCount = rowCount
        self.truncated = truncated
    }
}

/// Why a read failed; every case says what to do about it.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The statement would modify the store or the connection (ATTACH, a PRAGMA setter, VACUUM).
    case writeRefused(sql: String)
    /// SQLite ran the statement for its whole time limit and was stopped.
    case timeLimitExceeded(limit: Duration, sql: String)
    /// SQLite refused or failed the statement (syntax, unknown table, …).
    case failed(sql: String, message: String)
    /// No person has this email, person id or identifier value.
    case noPersonFound(who: String, store: String)

    public var description: String {
        switch self {
        case .writeRefused(let sql):
            return "query is read-only: statement would modify the store or the connection: \(Self.excerpt(sql)); run one SELECT (or WITH … SELECT, VALUES, EXPLAIN, or a schema PRAGMA such as table_info) statement"
        case .timeLimitExceeded(let limit, let sql):
            return "query stopped: it ran longer than its time limit of \(QueryLimits.describe(limit)): \(Self.excerpt(sql)); narrow it (WHERE, LIMIT, fewer joins) or raise the limit"
        case .failed(let sql, let message):
            return "query failed: \(message): \(Self.excerpt(sql))"
        case .noPersonFound(let who, let store):
            return "no person found for '\(who)' in \(store): give an email address, a person id (p_…) or an identifier value (a Salesforce, HubSpot or Marketo id)"
        }
    }

    static func excerpt(_ sql: String) -> String {
        let oneLine = sql.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return oneLine.count > 80 ? oneLine.prefix(79) + "…" : oneLine
    }
}
