import Foundation
import Metrics
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request, as a value.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response; header names are lower-cased.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var bodyText: String { String(decoding: body.prefix(2000), as: UTF8.self) }

    /// The server's clock (`Date` header): incremental windows are bounded by it, never by ours.
    public var serverDate: Date? {
        guard let text = headers["date"] else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: text)
    }
}

/// What a vendor's response means for the request loop; each connector classifies its own.
public enum ResponseVerdict: Sendable, Equatable {
    case success
    /// Transient (429, 5xx, vendor rate codes): wait and send again.
    case retry(after: Duration?, reason: String)
    /// The token expired or was revoked: refresh once, then send again.
    case refreshAuth(reason: String)
    /// Not worth repeating (bad request, forbidden, daily quota): the stream stops with this reason.
    case fail(reason: String)
}

/// Why a request finally failed, after its retries.
///
/// The URL and reason are scrubbed on the way in (`Redaction`): they reach logs and `last_error`.
public struct HTTPFailure: Error, CustomStringConvertible, Sendable {
    public var url: String
    public var attempts: Int
    public var reason: String

    public init(url: String, attempts: Int, reason: String) {
        self.url = Redaction.url(url)
        self.attempts = attempts
        self.reason = Redaction.message(reason)
    }

    public var description: String { "\(reason) (\(url), after \(attempts) attempt\(attempts == 1 ? "" : "s"))" }
}

/// Sends requests with retries, exponential backoff with jitter, `Retry-After`, one token refresh
/// on an auth failure, and an operator-set request budget. Written once for every connector.
public struct APIClient: Sendable {
    public let policy: RetryPolicy
    public let budget: RequestBudget
    let session: URLSession
    let classify: @Sendable (HTTPResponse) -> ResponseVerdict
    /// How long to wait after a successful response before the next request (a vendor's
    /// rate-limit headers saying the window is nearly used up); nil: no wait.
    let pace: @Sendable (HTTPResponse) -> Duration?
    /// What is left of the vendor's API allocation, when its answers say (a metric).
    let quota: @Sendable (HTTPResponse) -> Int?

    /// The source name, a dimension of the request metrics.
    public let source: String

    public init(source: String, policy: RetryPolicy, budget: RequestBudget, timeout: Duration,
                classify: @escaping @Sendable (HTTPResponse) -> ResponseVerdict,
                pace: @escaping @Sendable (HTTPResponse) -> Duration? = { _ in nil },
                quota: @escaping @Sendable (HTTPResponse) -> Int? = { _ in nil }) {
        self.source = source
        self.pace = pace
        self.quota = quota
        self.policy = policy
        self.budget = budget
        self.classify = classify
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(timeout.components.seconds)
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration)
    }

    /// Sends `build(token)` until the vendor accepts it and `decode` can read the body (a
    /// truncated or malformed body is retried like a 5xx), or the retries run out.
    public func send<T>(
        auth: any AuthProvider, _ build: @Sendable (String) -> HTTPRequest, decode: (HTTPResponse) throws -> T
    ) async throws -> (HTTPResponse, T) {
        var attempt = 0
        while true {
            attempt += 1
            let response = try await send(auth: auth, build)
            do {
                return (response, try decode(response))
            } catch {
                guard attempt < policy.maxAttempts else {
                    throw MalformedPage(url: build("").url.absoluteString, reason: "\(error) (after \(attempt) attempts)")
                }
                try await Task.sleep(for: policy.delay(attempt: attempt, retryAfter: nil))
            }
        }
    }

    /// Sends `build(token)` until the vendor accepts it or the retries run out.
    public func send(auth: any AuthProvider, _ build: @Sendable (String) -> HTTPRequest) async throws -> HTTPResponse {
        var attempt = 0
        var refreshed = false
        var forceRefresh = false
        while true {
            attempt += 1
            let token = try await auth.token(forceRefresh: forceRefresh)
            forceRefresh = false
            let request = build(token)
            try await budget.acquire()
            let verdict: ResponseVerdict
            var response: HTTPResponse?
            do {
                let r = try await perform(request)
                response = r
                verdict = classify(r)
            } catch {
                verdict = .retry(after: nil, reason: "transport error: \(error.localizedDescription)")
            }
            Counter(label: "journeylake_http_requests_total", dimensions: [
                ("source", source), ("status", response.map { String($0.status) } ?? "transport_error"),
            ]).increment()
            if let response, let remaining = quota(response) {
                Gauge(label: "journeylake_api_quota_remaining", dimensions: [("source", source)]).record(remaining)
            }
            switch verdict {
            case .success:
                if let wait = pace(response!), wait > .zero {
                    Counter(label: "journeylake_http_paced_total", dimensions: [("source", source)]).increment()
                    try await Task.sleep(for: min(wait, policy.maxDelay))
                }
                return response!
            case .refreshAuth(let reason):
                if refreshed {
                    throw HTTPFailure(url: request.url.absoluteString, attempts: attempt, reason: "authentication failed after a token refresh: \(reason)")
                }
                refreshed = true
                forceRefresh = true
            case .retry(let after, let reason):
                guard attempt < policy.maxAttempts else {
                    Counter(label: "journeylake_http_failures_total", dimensions: [("source", source)]).increment()
                    throw HTTPFailure(url: request.url.absoluteString, attempts: attempt, reason: reason)
                }
                Counter(label: "journeylake_http_retries_total", dimensions: [("source", source)]).increment()
                try await Task.sleep(for: policy.delay(attempt: attempt, retryAfter: after))
            case .fail(let reason):
                Counter(label: "journeylake_http_failures_total", dimensions: [("source", source)]).increment()
                throw HTTPFailure(url: request.url.absoluteString, attempts: attempt, reason: reason)
            }
        }
    }

    private func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        var r = URLRequest(url: request.url)
        r.httpMethod = request.method
        for (k, v) in request.headers { r.setValue(v, forHTTPHeaderField: k) }
        r.httpBody = request.body
        let (data, response) = try await session.data(for: r)
        guard let http = response as? HTTPURLResponse else {
            throw HTTPFailure(url: request.url.absoluteString, attempts: 1, reason: "not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// `Retry-After` as seconds or an HTTP date.
    public static func retryAfter(_ response: HTTPResponse) -> Duration? {
        guard let text = response.headers["retry-after"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return .milliseconds(Int64(min(seconds, 86_400) * 1000)) }
        let probe = HTTPResponse(status: 0, headers: ["date": text], body: Data())
        guard let date = probe.serverDate else { return nil }
        return .milliseconds(Int64(max(0, min(date.timeIntervalSinceNow, 86_400)) * 1000))
    }
}

/// A source of access tokens; implementations refresh one at a time.
public protocol AuthProvider: Sendable {
    func token(forceRefresh: Bool) async throws -> String
}

/// A token that never changes (HubSpot private apps).
public struct StaticToken: AuthProvider {
    let value: String
    public init(_ value: String) { self.value = value }
    public func token(forceRefresh: Bool) async throws -> String { value }
}
