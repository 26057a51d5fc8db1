import Foundation
public import JourneyModel
import Yams

/// The whole configuration file: the store and the sources (DESIGN.md, "The config shape").
///
/// Source-specific keys are not decoded here: each connector owns and validates its own section
/// (`SourceSection.node`), so adding a connector never touches this module.
public struct JourneyLakeConfig: Sendable {
    public var file: String
    public var store: StoreSettings
    public var sources: [SourceSection]
    public var identity: IdentityRules
    /// `definitions:` as written: the Insights module reads it (stages, MQL, score, SLA).
    public var definitions: ConfigNode?
    /// `server:` as written: the QueryServer module reads it (listen address, tokens, query limits).
    public var server: ConfigNode?
    /// `daemon:` as written: the Daemon module reads it (scheduling).
    public var daemon: ConfigNode?

    /// Keys every source has, whatever its type.
    public static let commonSourceKeys = ["name", "type", "poll_interval", "enabled"]

    /// Loads and validates the file's structure; all errors found are reported together.
    public static func load(path: String) throws -> JourneyLakeConfig {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ConfigError(file: path, line: nil, column: nil, key: "", message: "cannot read the config file",
                              hint: "check the path given with --config")
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(yaml: String, file: String) throws -> JourneyLakeConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, line: 1, column: nil, key: "", message: "the config file is empty",
                                  hint: "see config/journeylake.example.yaml")
            }
            root = node
        } catch let error as YamlError {
            throw Self.describe(error, file: file, yaml: yaml)
        }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let top = try ConfigNode(node: root, file: file, path: "").keyed(allowed: ["store", "sources", "identity", "definitions", "server", "daemon"])
        var errors: [ConfigError] = []
        func collect<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch let e as ConfigError { errors.append(e) } catch let e as ConfigErrors {
                errors.append(contentsOf: e.errors)
            } catch { errors.append(ConfigError(file: file, line: nil, column: nil, key: "", message: "\(error)")) }
            return nil
        }
        let store = collect { try StoreSettings(try top.required("store"), baseDirectory: base) }
        let identity = collect { try Self.identityRules(top["identity"]) }
        var sources: [SourceSection] = []
        if let list = collect({ try top.required("sources").list() }) {
            if list.isEmpty { errors.append(top["sources"]!.error("at least one source is needed")) }
            var names: [String: Int] = [:]
            for item in list {
                guard let section = collect({ try SourceSection(item, baseDirectory: base) }) else { continue }
                if let firstLine = names[section.name] {
                    errors.append(item.error("duplicate source name '\(section.name)'", hint: "first used on line \(firstLine)"))
                }
                names[section.name] = item.line ?? 0
                sources.append(section)
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return JourneyLakeConfig(
            file: file, store: store!, sources: sources, identity: identity!, definitions: top["definitions"], server: top["server"],
            daemon: top["daemon"])
    }

    /// `identity:` — extra shared mailboxes and free-mail domains (added to the built-in lists),
    /// and per-field source priorities.
    static func identityRules(_ node: ConfigNode?) throws -> IdentityRules {
        var rules = IdentityRules()
        guard let node else { return rules }
        let keyed = try node.keyed(allowed: ["shared_mailboxes", "free_mail_domains", "source_priority"])
        for local in try keyed["shared_mailboxes"]?.stringList() ?? [] {
            rules.sharedMailboxes.insert(local.lowercased().replacingOccurrences(of: "@", with: ""))
        }
        for domain in try keyed["free_mail_domains"]?.stringList() ?? [] { rules.freeMailDomains.insert(domain.lowercased()) }
        for (field, sources) in try keyed["source_priority"]?.entries() ?? [] {
            guard IdentityRules.prioritizableFields.contains(field) else {
                throw sources.error(
                    "'\(field)' has no source priority", hint: "fields: \(IdentityRules.prioritizableFields.joined(separator: ", "))")
            }
            rules.sourcePriority[field] = try sources.stringList()
        }
        return rules
    }

    /// The 1-based line and column of a UTF-8 byte offset.
    static func position(ofByte offset: Int, in yaml: String) -> (Int?, Int?) {
        let bytes = Array(yaml.utf8.prefix(max(0, offset)))
        let line = bytes.count { $0 == UInt8(ascii: "\n") } + 1
        let column = bytes.count - (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return (line, column)
    }

    static func describe(_ error: YamlError, file: String, yaml: String) -> ConfigError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams names the mapping, not the duplicate: find the key's second occurrence.
            let key = duplicates.sorted().first ?? ""
            var seen = 0
            var line: Int?
            for (i, text) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let t = text.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("\(key):") || t.hasPrefix("- \(key):") {
                    seen += 1
                    if seen == 2 { line = i + 1; break }
                }
            }
            return ConfigError(
                file: file, line: line ?? context.mark.line, column: nil, key: key,
                message: "duplicate key '\(key)'", hint: "each key may appear once per mapping")
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, key: "", message: "invalid YAML: \(problem)")
        case .reader(let problem, let offset, _, _):
            // Yams' own description quotes the offending line, which may hold an inline secret:
            // only the position and the problem are reported.
            let (line, column) = offset.map { Self.position(ofByte: $0, in: yaml) } ?? (nil, nil)
            return ConfigError(file: file, line: line, column: column, key: "", message: "invalid YAML: \(problem)")
        default:
            return ConfigError(
                file: file, line: nil, column: nil, key: "", message: "invalid YAML",
                hint: "check the file with a YAML linter; its content is not echoed here, as it may hold secrets")
        }
    }
}

/// `store:` — where the journey store lives and how it is written.
public struct StoreSettings: Sendable, Equatable {
    /// Absolute path of the SQLite file (relative paths resolve against the config file's folder).
    public var path: String
    /// Records per transaction: bigger is faster, smaller loses less work to a crash and stops sooner.
    public var batchSize: Int
    /// How often a long pass stops to derive what its batches changed (stages, scores, next
    /// actions). A pass always derives at its end; zero derives after every batch. Deriving a
    /// backfill's persons once instead of after each of its batches is what keeps a large load
    /// linear, and the durable derive queue means the wait can make derived data late, never wrong.
    public var deriveEvery: Duration

    public init(path: String, batchSize: Int = 5000, deriveEvery: Duration = .seconds(300)) {
        self.path = path
        self.batchSize = batchSize
        self.deriveEvery = deriveEvery
    }

    init(_ node: ConfigNode, baseDirectory: URL) throws {
        let keyed = try node.keyed(allowed: ["path", "batch_size", "derive_every"])
        let raw = try keyed.required("path").nonEmptyString()
        path = raw.hasPrefix("/") ? raw : baseDirectory.appendingPathComponent(raw).standardizedFileURL.path
        batchSize = try keyed["batch_size"]?.int(in: 1...1_000_000) ?? 5000
        deriveEvery = try keyed["derive_every"]?.duration() ?? .seconds(300)
    }
}

/// One entry of `sources:`; the connector for `type` reads the rest of `node`.
public struct SourceSection: Sendable {
    public var name: String
    public var type: String
    public var pollInterval: Duration
    public var enabled: Bool
    public var node: ConfigNode
    /// The config file's folder, against which relative paths in the section resolve.
    public var baseDirectory: URL

    init(_ node: ConfigNode, baseDirectory: URL) throws {
        // Only the common keys are read here; unknown keys are the connector's to report.
        var common: [String: ConfigNode] = [:]
        for (key, value) in try node.entries() where JourneyLakeConfig.commonSourceKeys.contains(key) {
            common[key] = value
        }
        guard let nameNode = common["name"] else { throw node.error("missing required key 'name'") }
        name = try nameNode.nonEmptyString()
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw nameNode.error("source names may use letters, digits, '-', '_' and '.' only")
        }
        guard let typeNode = common["type"] else { throw node.error("missing required key 'type'") }
        type = try typeNode.nonEmptyString()
        pollInterval = try common["poll_interval"]?.duration() ?? .seconds(300)
        if pollInterval < .seconds(1) { throw common["poll_interval"]!.error("must be at least 1s") }
        enabled = try common["enabled"]?.bool() ?? true
        self.node = node
        self.baseDirectory = baseDirectory
    }

    /// Resolves a path from this section against the config file's folder.
    public func resolvePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory.appendingPathComponent(path).standardizedFileURL.path
    }
}
