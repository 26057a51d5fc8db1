import Foundation
public import JourneyConfig
import JourneyModel

/// `type: marketo` — a Marketo instance read through its REST API.
public struct MarketoConfig: Sendable {
    /// `https://<munchkin-id>.mktorest.com`; identity is `<base_url>/identity`.
    public var baseURL: URL
    public var clientId: SecretReference
    public var clientSecret: SecretReference
    public var api: APISettings
    /// Activity types read by the `activities` stream (at most 10 per call, as Marketo allows).
    public var activityTypeIds: [Int]
    /// Where a first read starts (Marketo keeps web and email activity about 90 days).
    public var startAt: String
    public var batchSize: Int

    public static let supportedStreams = ["activity_types", "leads", "activities", "deleted_leads"]
    public static let defaultActivityTypes = [1, 2, 3, 6, 7, 8, 9, 10, 11, 104]
    public static let keys = JourneyLakeConfig.commonSourceKeys + APISettings.keys + [
        "base_url", "client_id", "client_secret", "activity_type_ids", "start_at", "batch_size",
    ]

    public init(section: SourceSection) throws {
        let keyed = try section.node.keyed(allowed: Self.keys)
        baseURL = try keyed.httpURL("base_url", default: nil)
        clientId = try SecretReference.parse(try keyed.required("client_id"), baseDirectory: section.baseDirectory)
        clientSecret = try SecretReference.parse(try keyed.required("client_secret"), baseDirectory: section.baseDirectory)
        api = try APISettings(
            keyed, vendor: "Marketo", supportedStreams: Self.supportedStreams, defaultStreams: Self.supportedStreams, defaultTimeout: .seconds(60))
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
    }
}
