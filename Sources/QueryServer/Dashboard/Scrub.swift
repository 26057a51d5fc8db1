import Foundation

/// Makes an error text fit for a page: the sources already keep secrets out of `last_error`, and
/// this is the second line of defence — no URL query, bearer token, credential-looking value or
/// long opaque string survives, and the text is cut to a readable length.
enum Scrub {
    static let limit = 300

    private static let rules: [(NSRegularExpression, String)] = [
        (#"(https?://[^\s?"'#]+)\?[^\s"'#]*"#, "$1?…"),
        (#"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"#, "$1 …"),
        (#"(?i)\b(access_token|refresh_token|client_secret|client_id|api[_-]?key|token|secret|password|passwd|authorization|session[_-]?id)(\W{1,3})[^\s&"',;]+"#, "$1$2…"),
        (#"[A-Za-z0-9_+/=.-]{32,}"#, "…"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    static func error(_ text: String) -> String {
        var out = text
        for (pattern, template) in rules {
            out = pattern.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        return out.count > limit ? String(out.prefix(limit - 1)) + "…" : out
    }
}
