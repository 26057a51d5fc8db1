import Foundation
import JourneyModel

// How every read surface writes query cells as text, so `journeylake query` and `POST /v1/query`
// print the same values the same way.

extension QueryCell {
    /// A text cell, or null for nil.
    public init(_ text: String?) { self = text.map(QueryCell.text) ?? .null }

    /// How table and csv output show the value.
    public var plain: String {
        switch self {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
        case .text(let s): return s
        case .blob(let b): return b.base64EncodedString()
        }
    }

    /// The value as a json literal.
    public var json: String {
        switch self {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? String(d) : "null"
        case .text(let s): return JSONObjectWriter.quoted(s)
        case .blob(let b): return JSONObjectWriter.quoted(b.base64EncodedString())
        }
    }

    /// One row as a json object (`{"column": value, …}`).
    public static func jsonObject(_ names: [String], _ cells: [QueryCell]) -> String {
        "{" + zip(names, cells).map { "\(JSONObjectWriter.quoted($0)): \($1.json)" }.joined(separator: ", ") + "}"
    }

    /// One csv line (RFC 4180 quoting), without the line break.
    public static func csvLine(_ values: [String]) -> String {
        values.map { s in
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }.joined(separator: ",")
    }
}
