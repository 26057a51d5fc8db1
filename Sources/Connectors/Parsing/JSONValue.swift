import Foundation
import JourneyModel

/// A decoded JSON value; numbers and booleans stay distinct (Foundation's `Any` blurs them on Linux).
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    /// The value as a field text: scalars as written, containers as compact JSON.
    public var text: String? {
        switch self {
        case .null: return nil
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): return s
        case .array, .object: return jsonText
        }
    }

    public var jsonText: String {
        switch self {
        case .null: return "null"
        case .bool, .int, .double: return text!
        case .string(let s): return JSONObjectText.quote(s)
        case .array(let a): return "[" + a.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONObjectText.quote($0) + ":" + o[$0]!.jsonText }.joined(separator: ",") + "}"
        }
    }

    subscript(path: [Substring]) -> JSONValue? {
        var current = self
        for key in path {
            guard case .object(let o) = current, let next = o[String(key)] else { return nil }
            current = next
        }
        return current
    }
}

enum JSONObjectText {
    /// JSON string literal (no escaped slashes, unlike Foundation's encoder on Linux).
    static func quote(_ s: String) -> String { JSONObjectWriter.quoted(s) }
}
