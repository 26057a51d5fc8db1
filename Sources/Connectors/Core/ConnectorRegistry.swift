public import JourneyConfig

/// Source types by their `type:` name. A new connector is one folder plus one line here.
public enum ConnectorRegistry {
    public static let types: [String: @Sendable (SourceSection) throws -> any IngestSource] = [
        "files": { try FileDropSource(section: $0) },
        "hubspot": { try HubSpotConnector.source($0) },
        "salesforce": { try SalesforceConnector.source($0) },
        "marketo": { try MarketoConnector.source($0) },
    ]

    /// Builds a source from its config section; errors name the file, line and key.
    public static func make(_ section: SourceSection) throws -> any IngestSource {
        guard let factory = types[section.type] else {
            let known = types.keys.sorted()
            let typeNode = try section.node.entries().first { $0.key == "type" }?.value ?? section.node
            throw typeNode.error(
                "unknown source type '\(section.type)'",
                hint: Suggest.closest(to: section.type, in: known).map { "did you mean '\($0)'?" } ?? "known types: \(known.joined(separator: ", "))")
        }
        return try factory(section)
    }
}
