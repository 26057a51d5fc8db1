import Foundation
public import JourneyConfig
import JourneyModel

/// Salesforce objects read incrementally with `queryAll` (deleted and merged rows included).
///
/// A window is `SystemModstamp` in `[since, until]`, `until` from Salesforce's clock (the `Date`
/// header) when it opens; inside it, pages are keyset queries `Id > last` ordered by `Id`, so
/// rows changed mid-scan cannot shift a boundary and many rows sharing one timestamp are all read.
public struct SalesforceConnector: APIConnector {
    public let config: SalesforceConfig
    public let auth: SalesforceAuth
    public let mapping: any RecordMapping = Self.recordMapping
    static let recordMapping = SalesforceMapping(formatName: "salesforce-api")
    public var streams: [String] { config.api.streams }

    public init(config: SalesforceConfig, auth: SalesforceAuth) {
        self.config = config
        self.auth = auth
    }

    public static func source(_ section: SourceSection) throws -> APISource {
        let config = try SalesforceConfig(section: section)
        var form = [("grant_type", config.grant.rawValue), ("client_id", try section.resolve(config.clientId, key: "client_id")),
                    ("client_secret", try section.resolve(config.clientSecret, key: "client_secret"))]
        if let refresh = config.refreshToken { form.append(("refresh_token", try section.resolve(refresh, key: "refresh_token"))) }
        let auth = SalesforceAuth(loginURL: config.loginURL, form: form, timeout: config.api.timeout)
        let client = config.api.client(source: section.name, classify: Self.classify, quota: Self.quota)
        return APISource(
            name: section.name, type: "salesforce", pollInterval: section.pollInterval,
            connector: SalesforceConnector(config: config, auth: auth), client: client)
    }

    /// Salesforce's error semantics (FORMATS §1.7): error bodies are JSON arrays of {message, errorCode}.
    /// The org's API requests left in its 24-hour allocation (`Sforce-Limit-Info: api-usage=used/max`).
    static func quota(_ r: HTTPResponse) -> Int? {
        guard let info = r.headers["sforce-limit-info"], let range = info.range(of: "api-usage=") else { return nil }
        let parts = info[range.upperBound...].prefix { $0 != "," && $0 != ";" }.split(separator: "/")
        guard parts.count == 2, let used = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let max = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        return Swift.max(0, max - used)
    }

    static func classify(_ r: HTTPResponse) -> ResponseVerdict {
        let body = r.bodyText
        switch r.status {
        case 200..<300: return .success
        case 401: return .refreshAuth(reason: "Salesforce answered 401: \(body)")
        case 403 where body.contains("REQUEST_LIMIT_EXCEEDED"):
            return .fail(reason: "Salesforce's API request limit is used up (REQUEST_LIMIT_EXCEEDED); the stream resumes on a later pass")
        case 429, 420, 503, 500..<600:
            return .retry(after: APIClient.retryAfter(r), reason: "Salesforce answered \(r.status): \(body.prefix(200))")
        default: return .fail(reason: "Salesforce answered \(r.status): \(body.prefix(500))")
        }
    }

    public func readPage(stream: String, state: StreamState?, client: APIClient) async throws -> Page {
        let session = try await auth.session()
        let base = session.instanceURL.appendingPathComponent("services/data/\(config.apiVersion)")
        // A first read in bulk mode is a Bulk API job over everything up to now.
        let bulk = state == nil && config.bulkBackfill
        let window = try await window.current(state, pageToken: bulk ? "bulk" : nil) { try await serverNow(base: base, client: client) }
        if let token = window.pageToken, token.hasPrefix("bulk") {
            return try await readBulk(stream: stream, window: window, base: base, client: client)
        }
        let url: URL
        if let next = window.pageToken, let u = URL(string: next, relativeTo: session.instanceURL) {
            url = u.absoluteURL
        } else {
            let fields = config.fields(for: stream).joined(separator: ",")
            var soql = "SELECT \(fields) FROM \(stream) WHERE SystemModstamp >= \(window.since!) AND SystemModstamp <= \(window.until!)"
            if let lastId = window.lastId { soql += " AND Id > '\(lastId)'" }
            soql += " ORDER BY Id ASC LIMIT \(config.pageSize)"
            var components = URLComponents(url: base.appendingPathComponent("queryAll"), resolvingAgainstBaseURL: false)!
            components.queryItems = [URLQueryItem(name: "q", value: soql)]
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            url = components.url!
        }
        let (_, result) = try await client.send(auth: auth, { token in
            HTTPRequest(url: url, headers: [
                "Authorization": "Bearer \(token)", "Accept": "application/json",
                "Sforce-Query-Options": "batchSize=\(max(200, config.pageSize))",
            ])
        }, decode: { try Self.page(of: $0) })
        var next = window
        if let more = result.nextRecordsUrl {
            // The query's rows arrive in batches: follow them before the next keyset query.
            next.pageToken = more
            next.lastId = result.lastId ?? window.lastId
            return Page(records: result.records, next: next, caughtUp: false, origin: url.absoluteString, object: stream)
        }
        next.pageToken = nil
        // The window is read only when Salesforce says so, never because a batch was short (a
        // batch may hold fewer rows than asked with more to come): a keyset query that matched
        // nothing, or a single-batch query whose `totalSize` (the rows the query matched) is below
        // its LIMIT and arrived whole. Otherwise the next keyset query after the last Id asks.
        let exhausted = window.pageToken == nil
            && (result.records.isEmpty || result.totalSize.map { $0 < config.pageSize && $0 == result.records.count } == true)
        if exhausted {
            return Page(records: result.records, next: self.window.closed(window), caughtUp: true, origin: url.absoluteString, object: stream)
        }
        next.lastId = result.lastId ?? window.lastId
        return Page(records: result.records, next: next, caughtUp: false, origin: url.absoluteString, object: stream)
    }

    /// SOQL datetime literal, second precision, UTC.
    static func soql(_ t: Timestamp) -> String { WindowTimeFormat.soqlDateTime.text(t) }

    /// `SystemModstamp` windows on Salesforce's clock.
    var window: VendorWindow { VendorWindow(format: .soqlDateTime, lookback: config.lookback) }

    private func serverNow(base: URL, client: APIClient) async throws -> Timestamp {
        let url = base.appendingPathComponent("limits")
        let response = try await client.send(auth: auth) { token in HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"]) }
        guard let date = response.serverDate else {
            throw MalformedPage(url: url.absoluteString, reason: "no Date header: the window's upper bound must come from Salesforce's clock")
        }
        return Timestamp(date)
    }

    struct QueryPage {
        var records: [(text: String, object: [String: JSONValue])]
        var nextRecordsUrl: String?
        var lastId: String?
        /// The rows the whole query matched (Salesforce's `totalSize`), not this batch's.
        var totalSize: Int?
    }

    static func page(of response: HTTPResponse) throws -> QueryPage {
        guard case .object(let top) = try JSONDecoder().decode(JSONValue.self, from: response.body),
            case .array(let items)? = top["records"]
        else { throw MalformedPage(url: "", reason: "no `records` array in \(response.bodyText.prefix(200))") }
        var records: [(text: String, object: [String: JSONValue])] = []
        var lastId: String?
        for item in items {
            guard case .object(var o) = item, let id = o["Id"]?.text else { throw MalformedPage(url: "", reason: "a record without an Id") }
            o["attributes"] = nil
            records.append((item.jsonText, o))
            lastId = id
        }
        var next: String?
        if top["done"] == .bool(false), let url = top["nextRecordsUrl"]?.text { next = url }
        let totalSize = top["totalSize"]?.text.flatMap { Int($0) }
        return QueryPage(records: records, nextRecordsUrl: next, lastId: lastId, totalSize: totalSize)
    }

    public func check(client: APIClient) async throws {
        let session = try await auth.session()
        _ = try await serverNow(base: session.instanceURL.appendingPathComponent("services/data/\(config.apiVersion)"), client: client)
    }
}
