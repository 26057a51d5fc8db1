import Foundation
public import Yams

/// A YAML node that knows its file, line and key path, so every value read from it can fail with a
/// `ConfigError` that points at the exact spot.
///
/// `@unchecked`: Yams' `Node` is an immutable value tree that is never mutated after parsing.
public struct ConfigNode: @unchecked Sendable {
    public let node: Node
    public let file: String
    public let path: String
    /// Where the key that holds this value is: errors point there (a block value starts a line later).
    let keyMark: Mark?

    public init(node: Node, file: String, path: String) {
        self.init(node: node, file: file, path: path, keyMark: nil)
    }

    init(node: Node, file: String, path: String, keyMark: Mark?) {
        self.node = node
        self.file = file
        self.path = path
        self.keyMark = keyMark
    }

    public var line: Int? { (keyMark ?? node.mark)?.line }
    public var column: Int? { (keyMark ?? node.mark)?.column }

    public func error(_ message: String, hint: String? = nil) -> ConfigError {
        ConfigError(file: file, line: line, column: column, key: path, message: message, hint: hint)
    }

    func child(_ key: String, _ node: Node, keyMark: Mark?) -> ConfigNode {
        ConfigNode(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)", keyMark: keyMark)
    }

    /// The scalar text, or an error naming this key when the node is a list or a mapping.
    public func string() throws -> String {
        guard case .scalar(let scalar) = node else {
            throw error("expected a single value, found \(kindName)")
        }
        return scalar.string
    }

    public func nonEmptyString() throws -> String {
        let s = try string().trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty, !isNull else { throw error("must not be empty") }
        return s
    }

    public var isList: Bool { node.sequence != nil }

    /// A single value or a list of values, read as a list.
    public func stringList() throws -> [String] {
        isList ? try list().map { try $0.nonEmptyString() } : [try nonEmptyString()]
    }

    public var isNull: Bool {
        if case .scalar(let s) = node {
            return s.style == .plain && (s.string.isEmpty || s.string == "~" || s.string == "null" || s.tag == .init(.null))
        }
        return false
    }

    public func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard let v = Int(try string().replacingOccurrences(of: "_", with: "")) else {
            throw error("expected a whole number, found '\(try string())'")
        }
        if let range, !range.contains(v) {
            throw error("\(v) is out of range", hint: "allowed: \(range.lowerBound)…\(range.upperBound)")
        }
        return v
    }

    public func bool() throws -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found '\(try string())'")
        }
    }

    /// A duration such as `90s`, `5m`, `1h30m`, `500ms` or a plain number of seconds.
    public func duration() throws -> Duration {
        let text = try string().trimmingCharacters(in: .whitespaces)
        guard let d = DurationParser.parse(text) else {
            throw error("'\(text)' is not a duration", hint: "use a number with a unit: 500ms, 30s, 5m, 1h, 1d")
        }
        return d
    }

    public func list() throws -> [ConfigNode] {
        guard case .sequence(let seq) = node else {
            throw error("expected a list, found \(kindName)")
        }
        return seq.enumerated().map { i, n in ConfigNode(node: n, file: file, path: "\(path)[\(i)]") }
    }

    /// The entries of a mapping in file order.
    public func entries() throws -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping of keys to values, found \(kindName)")
        }
        var out: [(String, ConfigNode)] = []
        for (k, v) in mapping {
            let key = k.string ?? ""
            out.append((key, child(key, v, keyMark: k.mark)))
        }
        return out
    }

    /// Reads a mapping with a fixed set of known keys: unknown keys are errors with a suggestion.
    public func keyed(allowed: [String]) throws -> KeyedConfig {
        var values: [String: ConfigNode] = [:]
        var errors: [ConfigError] = []
        for (key, value) in try entries() {
            if !allowed.contains(key) {
                let suggestion = Suggest.closest(to: key, in: allowed)
                errors.append(
                    ConfigError(
                        file: file, line: value.line, column: value.column, key: value.path,
                        message: "unknown key '\(key)'",
                        hint: suggestion.map { "did you mean '\($0)'?" } ?? "known keys: \(allowed.joined(separator: ", "))"))
                continue
            }
            values[key] = value
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return KeyedConfig(owner: self, values: values)
    }

    var kindName: String {
        switch node {
        case .scalar: return "a single value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// The known keys of one mapping, read one by one.
public struct KeyedConfig: Sendable {
    public let owner: ConfigNode
    let values: [String: ConfigNode]

    public subscript(key: String) -> ConfigNode? {
        guard let v = values[key], !v.isNull else { return nil }
        return v
    }

    public func required(_ key: String) throws -> ConfigNode {
        guard let v = self[key] else {
            throw owner.error("missing required key '\(key)'")
        }
        return v
    }

    public var keys: [String] { Array(values.keys) }
}

/// Parses operator-friendly durations.
public enum DurationParser {
    public static func parse(_ text: String) -> Duration? {
        // Bounded so absurd values are errors, not a trap converting to Int64 (100 years is plenty).
        let limit: Double = 100 * 365 * 86_400_000
        if let seconds = Double(text) {
            guard seconds.isFinite, seconds >= 0, seconds * 1000 <= limit else { return nil }
            return .milliseconds(Int64(seconds * 1000))
        }
        var total: Int64 = 0
        var number = ""
        var rest = Substring(text.lowercased())
        var parsedAny = false
        while !rest.isEmpty {
            number = String(rest.prefix(while: { $0.isNumber || $0 == "." }))
            guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = String(rest.prefix(while: { $0.isLetter }))
            rest = rest.dropFirst(unit.count)
            let factor: Double
            switch unit {
            case "ms": factor = 1
            case "s", "sec", "secs": factor = 1000
            case "m", "min", "mins": factor = 60_000
            case "h", "hr", "hrs": factor = 3_600_000
            case "d": factor = 86_400_000
            default: return nil
            }
            guard value * factor <= limit, Double(total) + value * factor <= limit else { return nil }
            total += Int64(value * factor)
            parsedAny = true
        }
        return parsedAny ? .milliseconds(total) : nil
    }
}

/// "Did you mean" for typos in keys and enumerated values.
public enum Suggest {
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for c in candidates {
            let d = distance(lowered, c.lowercased())
            if d <= max(2, c.count / 3), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
