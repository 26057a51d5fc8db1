import Foundation
public import JourneyConfig

/// `type: hubspot` — a HubSpot portal read through a private app's token.
public struct HubSpotConfig: Sendable {
    public var baseURL: URL
    public var token: SecretReference
    public var streams: [String]
    /// How far each window reaches back before the last one ended; deduplication removes the overlap.
    public var lookback: Duration
    public var pageSize: Int
    public var timeout: Duration
    public var retry: RetryPolicy
    public var requestsPerMinute: Int?
    public var requestsPerDay: Int?
    /// Extra properties per object (custom properties): kept in the raw zone.
    public var extraProperties: [String: [String]]

    public static let supportedStreams = [
        "contacts", "companies", "deals", "calls", "meetings", "emails", "notes", "email_events",
        "contacts:archived", "companies:archived", "deals:archived",
    ]
    public static let keys = JourneyLakeConfig.commonSourceKeys + [
        "base_url", "token", "streams", "lookback", "page_size", "timeout", "retry", "requests_per_minute", "requests_per_day",
        "properties",
    ]

    public init(section: SourceSection) throws {
        let keyed = try section.node.keyed(allowed: Self.keys)
        let urlNode = keyed["base_url"]
        let urlText = try urlNode?.nonEmptyString() ?? "https://api.hubapi.com"
        guard let url = URL(string: urlText), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw (urlNode ?? section.node).error("'\(urlText)' is not an http(s) URL")
        }
        baseURL = url
        token = try SecretReference.parse(try keyed.required("token"), baseDirectory: section.baseDirectory)
        if let node = keyed["streams"] {
            streams = try node.stringList()
            for s in streams where !Self.supportedStreams.contains(s) {
                throw node.error("unknown HubSpot stream '\(s)'", hint: "streams: \(Self.supportedStreams.joined(separator: ", "))")
            }
        } else {
            streams = Self.supportedStreams
        }
        lookback = try keyed["lookback"]?.duration() ?? .seconds(300)
        pageSize = try keyed["page_size"]?.int(in: 1...200) ?? 200
        timeout = try keyed["timeout"]?.duration() ?? .seconds(60)
        retry = try RetryPolicy(keyed["retry"])
        requestsPerMinute = try keyed["requests_per_minute"]?.int(in: 1...1_000_000)
        requestsPerDay = try keyed["requests_per_day"]?.int(in: 1...100_000_000)
        extraProperties = [:]
        for (object, node) in try keyed["properties"]?.entries() ?? [] {
            guard Self.supportedStreams.contains(object), !object.contains(":"), object != "email_events" else {
                throw node.error("'\(object)' has no properties to choose", hint: "contacts, companies, deals, calls, meetings, emails or notes")
            }
            extraProperties[object] = try node.stringList()
        }
    }
}
