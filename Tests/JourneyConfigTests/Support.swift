import Connectors
import Foundation
import JourneyConfig
import Testing

/// A config file path that need not exist: relative paths resolve against its folder.
let configFile = "/srv/journeylake/conf/journeylake.yaml"

/// All config errors `body` throws (a single `ConfigError` or the several of a `ConfigErrors`).
/// Records an issue when it throws something else or nothing.
func configErrors(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> [ConfigError] {
    do {
        try body()
        Issue.record("expected a config error, none was thrown", sourceLocation: sourceLocation)
        return []
    } catch let e as ConfigError {
        return [e]
    } catch let e as ConfigErrors {
        return e.errors
    } catch {
        Issue.record("expected a config error, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return []
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
func line(of needle: String, in text: String) -> Int? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.firstIndex { $0.contains(needle) }.map { $0 + 1 }
}

/// A config with a valid store and the given `sources:` block (already indented as list items).
func configYAML(sources: String) -> String {
    """
    store:
      path: data/journey.sqlite
    sources:
    \(sources)
    """
}

/// Parses a config holding one source and returns its section.
func onlySection(_ sourceYAML: String) throws -> SourceSection {
    let config = try JourneyLakeConfig.parse(yaml: configYAML(sources: sourceYAML), file: configFile)
    #expect(config.sources.count == 1)
    return try #require(config.sources.first)
}

/// The value node of `key` in a source section, for tests of readers that take a `ConfigNode`.
func sectionValue(_ section: SourceSection, _ key: String) throws -> ConfigNode {
    try #require(try section.node.entries().first { $0.key == key }?.value)
}
