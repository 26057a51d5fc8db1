import Foundation
public import JourneyConfig
import JourneyModel

/// `type: marketo` — a Marketo instance read through its REST API.
public struct MarketoConfig: Sendable {
    /// `https://<munchkin-id>.mktorest.com`; identity is `<base_url>/identity`.
    public var baseURL: URL
    public var clientId: SecretReference
    public var clientSecret: SecretReference
    public var streams: [String]
    /// Activity types read by the `activities` stream (at most 10 per call, as Marketo allows).
    public var activityTypeIds: [Int]
    /// Where a first read starts (Marketo keeps web and email activity about 90 days).
    public var startAt: String
    public var batchSize: Int
    public var timeout: Duration
    public var retry: RetryPolicy
    public var requestsPerMinute: Int?
    public var requestsPerDay: Int?

    public static let supportedStreams = ["activity_types", "leads", "activities", "deleted_leads"]
    public static let defaultActivityTypes = [1, 2, 3, 6, 7, 8, 9, 10, 11, 104]
    public static let keys = JourneyLakeConfig.commonSourceKeys + [
        "base_url", "client_id", "client_secret", "streams", "activity_type_ids", "start_at", "batch_size", "timeout", "retry",
        "requests_per_minute", "requests_per_day",
    ]

    public init(section: SourceSection) throws {
        let keyed = try section.node.keyed(allowed: Self.keys)
        let urlNode = try keyed.required("base_url")
        let urlText = try urlNode.nonEmptyString()
        guard let url = URL(string: urlText), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw urlNode.error("'\(urlText)' is not an http(s) URL", hint: "https://<munchkin-id>.mktorest.com")
        }
        baseURL = url
        clientId = try SecretReference.parse(try keyed.required("client_id"), baseDirectory: section.baseDirectory)
        clientSecret = try SecretReference.parse(try keyed.required("client_secret"), baseDirectory: section.baseDirectory)
        if let node = keyed["streams"] {
            streams = try node.stringList()
            for s in streams where !Self.supportedStreams.contains(s) {
                throw node.error("unknown Marketo stream '\(s)'", hint: "streams: \(Self.supportedStreams.joined(separator: ", "))")
            }
        } else {
            streams = Self.supportedStreams
        }
        if let node = keyed["activity_type_ids"] {
            activityTypeIds = try node.list().map { try $0.int(in: 1...10_000_000) }
            guard (1...10).contains(activityTypeIds.count) else { throw node.error("give 1 to 10 activity type ids (Marketo's limit per call)") }
        } else {
            activityTypeIds = Self.defaultActivityTypes
        }
        let startNode = keyed["start_at"]
        startAt = try startNode?.nonEmptyString() ?? "2000-01-01T00:00:00Z"
        guard TimestampParser.utc.parse(startAt) != nil else { throw startNode!.error("'\(startAt)' is not an ISO-8601 date-time") }
        batchSize = try keyed["batch_size"]?.int(in: 1...300) ?? 300
        timeout = try keyed["timeout"]?.duration() ?? .seconds(60)
        retry = try RetryPolicy(keyed["retry"])
        requestsPerMinute = try keyed["requests_per_minute"]?.int(in: 1...1_000_000)
        requestsPerDay = try keyed["requests_per_day"]?.int(in: 1...100_000_000)
    }
}
