import Foundation
import JourneyModel

/// Column names of a tabular file with exact and forgiving lookup: `Email Address`, `email_address`
/// and `EmailAddress` find the same column, so presets survive small header differences.
public struct ColumnIndex: Sendable {
    public let names: [String]
    /// The names as a JSON array: built once per file, shared by every row's raw-zone entry.
    let namesJSON: String
    private let exact: [String: Int]
    private let loose: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        namesJSON = JSONObjectWriter.array(names)
        var exact: [String: Int] = [:]
        var loose: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if exact[n] == nil { exact[n] = i }
            let l = ColumnIndex.loosen(n)
            if loose[l] == nil { loose[l] = i }
        }
        self.exact = exact
        self.loose = loose
    }

    public func index(of name: String) -> Int? {
        exact[name] ?? loose[ColumnIndex.loosen(name)]
    }

    public func contains(_ name: String) -> Bool { index(of: name) != nil }

    /// Lower-cased letters and digits only (`Last Modified Date` → `lastmodifieddate`). Mappings
    /// look up fallback names per row, so ASCII names take a byte loop, not Foundation.
    static func loosen(_ s: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(b)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(b + 32)
            case 0x80...: return String(s.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) })
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `loosen(s) == loosened`. A JSON row has no index, so a fallback name is compared
    /// with every key of every row: ASCII keys compare in place instead of becoming new strings.
    static func loosens(_ s: String, to loosened: String) -> Bool {
        var target = loosened.utf8.makeIterator()
        for b in s.utf8 {
            let folded: UInt8
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): folded = b
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): folded = b + 32
            case 0x80...: return loosen(s) == loosened
            default: continue
            }
            guard target.next() == folded else { return false }
        }
        return target.next() == nil
    }
}

/// One input record, tabular or JSON, with the lookups mappings need.
public struct SourceRow: Sendable {
    enum Storage: Sendable {
        case tabular(ColumnIndex, [String])
        case json([String: JSONValue])
    }

    let storage: Storage
    /// Values that mean "no value" in this format (Marketo bulk exports write `null`).
    let nullMarkers: Set<String>
    /// `file.csv:12` — where the record is, for errors and quarantine.
    public let origin: String

    init(columns: ColumnIndex, values: [String], origin: String, nullMarkers: Set<String>) {
        storage = .tabular(columns, values)
        self.origin = origin
        self.nullMarkers = nullMarkers
    }

    init(json: [String: JSONValue], origin: String, nullMarkers: Set<String>) {
        storage = .json(json)
        self.origin = origin
        self.nullMarkers = nullMarkers
    }

    /// The trimmed text of the first of `names` that has a value; nil for empty and null markers.
    public func text(_ names: String...) -> String? { text(names) }

    public func text(_ names: [String]) -> String? {
        for name in names {
            guard let raw = rawValue(name) else { continue }
            let trimmed = raw.trimmedASCII
            if trimmed.isEmpty || nullMarkers.contains(trimmed) { continue }
            return trimmed
        }
        return nil
    }

    /// The untrimmed value of a column or JSON path (`properties.email`), if present.
    public func rawValue(_ name: String) -> String? {
        switch storage {
        case .tabular(let columns, let values):
            guard let i = columns.index(of: name), i < values.count else { return nil }
            return values[i]
        case .json(let object):
            if let v = object[name] { return v.text }
            if name.contains(".") { return JSONValue.object(object)[name.split(separator: ".")]?.text }
            let l = ColumnIndex.loosen(name)
            for (k, v) in object where ColumnIndex.loosens(k, to: l) { return v.text }
            return nil
        }
    }

    public func bool(_ names: String...) -> Bool? {
        guard let t = text(names)?.lowercased() else { return nil }
        switch t {
        case "true", "1", "yes", "y", "t": return true
        case "false", "0", "no", "n", "f": return false
        default: return nil
        }
    }

    public func double(_ names: String...) -> Double? {
        text(names).flatMap { Double($0.replacingOccurrences(of: ",", with: "")) }
    }

    public func int(_ names: String...) -> Int? {
        text(names).flatMap { Int($0) ?? Double($0).map { Int($0) } }
    }

    /// The row as a JSON object text (what the content hash covers) and, for a tabular row, as
    /// its values under the file's header (what the raw zone stores); both in one pass.
    var rawPayload: (text: String, tabular: TabularPayload?) {
        switch storage {
        case .json(let object):
            return (JSONValue.object(object).jsonText, nil)
        case .tabular(let columns, let values):
            var object = JSONObjectWriter()
            var array: [UInt8] = [91]
            array.reserveCapacity(192)
            for (i, name) in columns.names.enumerated() {
                let value = i < values.count ? values[i] : nil
                object.add(name, value)
                if i > 0 { array.append(44) }
                if let value { JSONObjectWriter.appendString(value, to: &array) } else { array.append(contentsOf: [110, 117, 108, 108]) }
            }
            array.append(93)
            return (object.finish(), TabularPayload(columns: columns.namesJSON, values: String(decoding: array, as: UTF8.self)))
        }
    }

    /// The row as a JSON object text (what a quarantine entry keeps).
    public var jsonPayload: String { rawPayload.text }
}
