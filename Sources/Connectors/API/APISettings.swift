import Foundation
import JourneyConfig

/// Keys every API source has: which streams, how patiently and how much it may call the vendor.
public struct APISettings: Sendable {
    public static let keys = ["streams", "timeout", "retry", "requests_per_minute", "requests_per_day"]

    public var streams: [String]
    public var timeout: Duration
    public var retry: RetryPolicy
    public var requestsPerMinute: Int?
    public var requestsPerDay: Int?

    init(_ keyed: KeyedConfig, vendor: String, supportedStreams: [String], defaultStreams: [String], defaultTimeout: Duration) throws {
        if let node = keyed["streams"] {
            streams = try node.stringList()
            for s in streams where !supportedStreams.contains(s) {
                throw node.error("unknown \(vendor) stream '\(s)'", hint: "streams: \(supportedStreams.joined(separator: ", "))")
            }
        } else {
            streams = defaultStreams
        }
        timeout = try keyed["timeout"]?.duration() ?? defaultTimeout
        retry = try RetryPolicy(keyed["retry"])
        requestsPerMinute = try keyed["requests_per_minute"]?.int(in: 1...1_000_000)
        requestsPerDay = try keyed["requests_per_day"]?.int(in: 1...100_000_000)
    }

    /// The request loop for this source: its retries, its budget, the vendor's error semantics.
    func client(
        source: String, classify: @escaping @Sendable (HTTPResponse) -> ResponseVerdict,
        pace: @escaping @Sendable (HTTPResponse) -> Duration? = { _ in nil },
        quota: @escaping @Sendable (HTTPResponse) -> Int? = { _ in nil }
    ) -> APIClient {
        APIClient(
            source: source, policy: retry, budget: RequestBudget(perMinute: requestsPerMinute, perDay: requestsPerDay),
            timeout: timeout, classify: classify, pace: pace, quota: quota)
    }
}

extension KeyedConfig {
    /// An http(s) URL under `key`, or `fallback` when the key is absent.
    func httpURL(_ key: String, default fallback: String?) throws -> URL {
        let node = self[key]
        guard let text = try node?.nonEmptyString() ?? fallback else { throw owner.error("missing required key '\(key)'") }
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw (node ?? owner).error("'\(text)' is not an http(s) URL")
        }
        return url
    }
}

extension SourceSection {
    /// A secret's value; a missing one fails on the line of the key that names it, never printing it.
    func resolve(_ reference: SecretReference, key: String) throws -> String {
        do {
            return try reference.resolve().value
        } catch {
            throw (try node.entries().first { $0.key == key }?.value ?? node).error("\(error)")
        }
    }
}
