/// A link to one of this server's pages: a literal path, percent-encoded segments and query items
/// (or a fragment of the same page). It is always on this origin (a path starting with one `/`), so
/// no link a page writes can carry a scheme or point elsewhere.
struct Link: Sendable, Equatable, CustomStringConvertible {
    /// The path and query as written into `href`, `action` and `Location`.
    let text: String

    private init(text: String) { self.text = text }

    /// A literal path of this server, with query items (nil values are left out).
    init(_ path: StaticString, _ query: [(String, String?)] = []) {
        self.init(text: path.description + Self.query(query))
    }

    /// `#id`: a place on the same page.
    static func fragment(_ id: StaticString) -> Link { Link(text: "#" + id.description) }

    /// `/ui/persons/{id}`.
    static func person(_ id: String, _ query: [(String, String?)] = []) -> Link {
        Link(text: "/ui/persons/" + percentEncoded(id) + Self.query(query))
    }

    var description: String { text }

    /// Where a login may send the browser on: a path under `/ui/` of this server, or nothing. A
    /// scheme, a host (`//evil`), a backslash, a dot segment (also percent-encoded) or a control
    /// character makes it nothing, so the login can never be an open redirect.
    init?(returnTo text: String?) {
        guard let text, text.hasPrefix("/ui/") || text == "/ui" else { return nil }
        let lowered = text.lowercased()
        guard !text.contains("\\"), !lowered.contains("%5c"), !lowered.contains("%2e"), !text.contains("//"),
              !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F || $0.value > 0x7E })
        else { return nil }
        let path = text.split(separator: "?", maxSplits: 1).first.map(String.init) ?? text
        guard !path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        self.init(text: text)
    }

    /// The same link with one more query item.
    func adding(_ name: String, _ value: String) -> Link {
        Link(text: text + (text.contains("?") ? "&" : "?") + Self.percentEncoded(name) + "=" + Self.percentEncoded(value))
    }

    static func query(_ items: [(String, String?)]) -> String {
        let present = items.compactMap { name, value in value.map { percentEncoded(name) + "=" + percentEncoded($0) } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }

    /// Everything but the unreserved characters percent-encoded (UTF-8).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
