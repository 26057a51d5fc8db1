import Foundation
public import JourneyConfig

/// `type: files` — a folder that export files are dropped into.
public struct FileDropConfig: Sendable {
    public var directory: String
    public var format: String
    /// A file is read only once its size and modification time have been still this long.
    public var settle: Duration
    /// Glob patterns of file names to read (`*.csv`); others are ignored.
    public var include: [String]
    public var delimiter: UInt8
    public var timeZone: TimeZone
    /// The files' character encoding (`encoding:`, UTF-8 by default).
    public var encoding: TextEncoding
    public var mapping: any RecordMapping

    public static let keys = JourneyLakeConfig.commonSourceKeys + [
        "path", "format", "settle", "include", "delimiter", "time_zone", "encoding", "mapping",
    ]

    public init(section: SourceSection) throws {
        let keyed = try section.node.keyed(allowed: Self.keys)
        directory = section.resolvePath(try keyed.required("path").nonEmptyString())
        let formatNode = try keyed.required("format")
        format = try formatNode.nonEmptyString()
        settle = try keyed["settle"]?.duration() ?? .seconds(5)
        if let inc = keyed["include"] {
            include = try inc.stringList()
        } else {
            include = FormatRegistry.defaultInclude(format: format)
        }
        let delimiterText = try keyed["delimiter"]?.string() ?? ","
        switch delimiterText {
        case "\\t", "\t", "tab": delimiter = 9
        default:
            guard delimiterText.utf8.count == 1, let b = delimiterText.utf8.first else {
                throw keyed["delimiter"]!.error("a delimiter is one character (or \\t)")
            }
            delimiter = b
        }
        timeZone = TimeZone(identifier: "UTC")!
        if let tz = keyed["time_zone"] {
            guard let zone = TimeZone(identifier: try tz.string()) else {
                throw tz.error("unknown time zone '\(try tz.string())'", hint: "use an IANA name such as America/New_York")
            }
            timeZone = zone
        }
        encoding = .utf8
        if let node = keyed["encoding"] {
            let name = try node.nonEmptyString()
            guard let known = TextEncoding(name: name) else {
                throw node.error(
                    "unknown encoding '\(name)'",
                    hint: Suggest.closest(to: name, in: TextEncoding.canonicalNames).map { "did you mean '\($0)'?" }
                        ?? "one of: \(TextEncoding.canonicalNames.joined(separator: ", "))")
            }
            encoding = known
        }
        mapping = try FormatRegistry.mapping(
            format: format, formatNode: formatNode, mappingNode: keyed["mapping"], sourceName: section.name,
            timeZone: timeZone, owner: section.node)
    }
}

/// The `format:` names a file source understands.
public enum FormatRegistry {
    public static let presets = [
        "salesforce-data-export", "salesforce-bulk-csv", "hubspot-export", "hubspot-contacts-export",
        "hubspot-companies-export", "hubspot-deals-export", "marketo-export", "marketo-activities-export",
        "marketo-leads-export", "marketo-list-export",
    ]
    public static let generic = ["csv", "ndjson", "json"]

    public static func isJSON(format: String) -> Bool { format == "ndjson" || format == "json" }

    static func defaultInclude(format: String) -> [String] {
        switch format {
        case "ndjson": return ["*.ndjson", "*.jsonl", "*.json"]
        case "json": return ["*.json"]
        default: return ["*.csv", "*.tsv", "*.txt"]
        }
    }

    static func mapping(
        format: String, formatNode: ConfigNode, mappingNode: ConfigNode?, sourceName: String, timeZone: TimeZone,
        owner: ConfigNode
    ) throws -> any RecordMapping {
        if presets.contains(format), let mappingNode {
            throw mappingNode.error("format \(format) has a built-in mapping; `mapping` is only for csv, ndjson and json")
        }
        switch format {
        case "salesforce-data-export", "salesforce-bulk-csv":
            return SalesforceMapping(formatName: format)
        case "hubspot-export": return HubSpotExportMapping(formatName: format, object: nil, timeZone: timeZone)
        case "hubspot-contacts-export": return HubSpotExportMapping(formatName: format, object: .contacts, timeZone: timeZone)
        case "hubspot-companies-export": return HubSpotExportMapping(formatName: format, object: .companies, timeZone: timeZone)
        case "hubspot-deals-export": return HubSpotExportMapping(formatName: format, object: .deals, timeZone: timeZone)
        case "marketo-export": return MarketoMapping(formatName: format, object: nil, timeZone: timeZone)
        case "marketo-activities-export": return MarketoMapping(formatName: format, object: .activities, timeZone: timeZone)
        case "marketo-leads-export", "marketo-list-export":
            return MarketoMapping(formatName: format, object: .leads, timeZone: timeZone)
        case "csv", "ndjson", "json":
            guard let mappingNode else {
                throw owner.error("format \(format) needs a `mapping` section (which column is which canonical field)")
            }
            return try ColumnMapping(node: mappingNode, formatName: format, sourceName: sourceName)
        default:
            let all = presets + generic
            throw formatNode.error(
                "unknown format '\(format)'",
                hint: Suggest.closest(to: format, in: all).map { "did you mean '\($0)'?" } ?? "one of: \(all.joined(separator: ", "))")
        }
    }
}
