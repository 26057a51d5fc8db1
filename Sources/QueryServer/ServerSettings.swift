import Foundation
public import JourneyConfig

/// `server:` — where the HTTP API listens, whose tokens it accepts and how far a query may go.
///
/// Keys: `listen` (host:port, default `127.0.0.1:8086`; port 0 picks a free one), `tokens`
/// (`{ file: PATH }`, lines of `scope:sha256hex`), `query_timeout` (default 30s), `query_max_rows`
/// (default 100000), `enabled` (default true).
public struct ServerSettings: Sendable, Equatable {
    /// Host or address to bind: loopback unless an operator says otherwise.
    public var host: String
    public var port: Int
    /// The tokens file; nil: no token is valid, so only the open routes answer.
    public var tokensFile: String?
    /// Time SQLite may spend on one `POST /v1/query` statement.
    public var queryTimeout: Duration
    /// Rows one `POST /v1/query` returns at most; the answer says when it was cut.
    public var queryMaxRows: Int
    /// False turns the HTTP API off (`serve` then only polls).
    public var enabled: Bool

    public static let keys = ["listen", "tokens", "query_timeout", "query_max_rows", "enabled"]

    public init(host: String = "127.0.0.1", port: Int = 8086, tokensFile: String? = nil, queryTimeout: Duration = .seconds(30),
                queryMaxRows: Int = 100_000, enabled: Bool = true) {
        self.host = host
        self.port = port
        self.tokensFile = tokensFile
        self.queryTimeout = queryTimeout
        self.queryMaxRows = queryMaxRows
        self.enabled = enabled
    }

    /// Reads `server:` (nil: every default); relative paths resolve against `baseDirectory`.
    public init(node: ConfigNode?, baseDirectory: URL) throws {
        self.init()
        guard let node else { return }
        let keyed = try node.keyed(allowed: Self.keys)
        if let listen = keyed["listen"] {
            let text = try listen.nonEmptyString()
            guard let (host, port) = Self.parseListen(text) else {
                throw listen.error("'\(text)' is not host:port", hint: "e.g. 127.0.0.1:8086, [::1]:8086, 0.0.0.0:8086")
            }
            self.host = host
            self.port = port
        }
        if let tokens = keyed["tokens"] {
            let file = try tokens.keyed(allowed: ["file"]).required("file").nonEmptyString()
            tokensFile = file.hasPrefix("/") ? file : baseDirectory.appendingPathComponent(file).standardizedFileURL.path
        }
        if let timeout = keyed["query_timeout"] {
            queryTimeout = try timeout.duration()
            if queryTimeout <= .zero { throw timeout.error("must be more than 0s") }
        }
        queryMaxRows = try keyed["query_max_rows"]?.int(in: 1...100_000_000) ?? queryMaxRows
        enabled = try keyed["enabled"]?.bool() ?? true
    }

    /// `host:port` or `[v6]:port`.
    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    /// What `listen` says, as an operator writes it.
    public var listen: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
