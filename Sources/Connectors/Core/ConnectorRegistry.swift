public import JourneyConfig

/// Source types by their `type:` name. A new connector is one folder plus one line here.
public enum ConnectorRegistry {
    public static let types: [String: @Sendable (SourceSection) throws -> any IngestSource] = [
        "files": { try FileDropSource(section: $0) },
        "hubspot": { try HubSpotConnector.source($0) },
        "salesforce": { try SalesforceConnector.source($0) },
        "marketo": { try MarketoConnector.source($0) },
    ]

    /// Each type's mapping, from its section alone (no secret resolved): what `reprocess` replays
    /// stored records with.
    public static let replayMappings: [String: @Sendable (SourceSection) throws -> any RecordMapping] = [
        "files": { try FileDropConfig(section: $0).mapping },
        "hubspot": { _ in HubSpotAPIMapping() },
        "salesforce": { _ in SalesforceConnector.recordMapping },
        "marketo": { _ in MarketoConnector.recordMapping },
    ]

    /// Builds a source from its config section; errors name the file, line and key.
    public static func make(_ section: SourceSection) throws -> any IngestSource {
        guard let factory = types[section.type] else { throw unknownType(section) }
        return try factory(section)
    }

    static func unknownType(_ section: SourceSection) -> ConfigError {
        let known = types.keys.sorted()
        let typeNode = (try? section.node.entries().first { $0.key == "type" }?.value) ?? section.node
        return typeNode.error(
            "unknown source type '\(section.type)'",
            hint: Suggest.closest(to: section.type, in: known).map { "did you mean '\($0)'?" } ?? "known types: \(known.joined(separator: ", "))")
    }
}
