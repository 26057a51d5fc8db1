import Foundation
public import JourneyConfig

/// `type: hubspot` — a HubSpot portal read through a private app's token.
public struct HubSpotConfig: Sendable {
    public var baseURL: URL
    public var token: SecretReference
    public var api: APISettings
    /// How far each window reaches back before the last one ended; deduplication removes the overlap.
    public var lookback: Duration
    public var pageSize: Int
    /// Extra properties per object (custom properties): kept in the raw zone.
    public var extraProperties: [String: [String]]

    public static let supportedStreams = [
        "contacts", "companies", "deals", "calls", "meetings", "emails", "notes", "email_events",
        "contacts:archived", "companies:archived", "deals:archived",
    ]
    public static let keys = JourneyLakeConfig.commonSourceKeys + APISettings.keys + ["base_url", "token", "lookback", "page_size", "properties"]

    public init(section: SourceSection) throws {
        let keyed = try section.node.keyed(allowed: Self.keys)
        baseURL = try keyed.httpURL("base_url", default: "https://api.hubapi.com")
        token = try SecretReference.parse(try keyed.required("token"), baseDirectory: section.baseDirectory)
        api = try APISettings(
            keyed, vendor: "HubSpot", supportedStreams: Self.supportedStreams, defaultStreams: Self.supportedStreams, defaultTimeout: .seconds(60))
        lookback = try keyed["lookback"]?.duration() ?? .seconds(300)
        pageSize = try keyed["page_size"]?.int(in: 1...200) ?? 200
        extraProperties = [:]
        for (object, node) in try keyed["properties"]?.entries() ?? [] {
            guard Self.supportedStreams.contains(object), !object.contains(":"), object != "email_events" else {
                throw node.error("'\(object)' has no properties to choose", hint: "contacts, companies, deals, calls, meetings, emails or notes")
            }
            extraProperties[object] = try node.stringList()
        }
    }
}
