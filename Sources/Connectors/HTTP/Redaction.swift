import Foundation

/// Scrubs what goes into an error, a log line or `sync_state.last_error`: secrets in URLs and
/// messages are replaced, and vendor text is cut short, because a response body can carry
/// personal data and every analyst can read `last_error`.
public enum Redaction {
    /// Query parameters and form fields whose values are credentials.
    static let secretNames: Set<String> = [
        "client_id", "client_secret", "access_token", "refresh_token", "token", "id_token", "api_key", "apikey", "hapikey",
        "password", "secret", "code", "assertion", "session_id", "sessionid", "signature", "sig",
    ]
    static let replacement = "REDACTED"
    /// The most of a vendor's message an error keeps.
    public static let excerptLimit = 300

    /// The URL with credential values, and any user or password, replaced.
    public static func url(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return message(text) }
        if components.user != nil || components.password != nil {
            components.user = nil
            components.password = nil
        }
        if let items = components.queryItems {
            components.queryItems = items.map { item in
                secretNames.contains(item.name.lowercased()) ? URLQueryItem(name: item.name, value: replacement) : item
            }
        }
        return components.string ?? message(text)
    }

    /// A message with `name=value` credentials, bearer tokens and email addresses replaced, cut to
    /// `excerptLimit` characters.
    public static func message(_ text: String) -> String {
        var out = text
        let names = secretNames.sorted().joined(separator: "|")
        let rules: [(String, String)] = [
            (#"(?i)\b(\#(names))=[^&\s"',;)]+"#, "$1=\(replacement)"),
            (#"(?i)"(\#(names))"\s*:\s*"[^"]*""#, "\"$1\":\"\(replacement)\""),
            (#"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"#, "$1 \(replacement)"),
            (#"(?i)\b(authorization)\s*:\s*\S+"#, "$1: \(replacement)"),
            (#"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#, "<email>"),
        ]
        for (pattern, template) in rules {
            out = out.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        if out.count > excerptLimit { out = String(out.prefix(excerptLimit)) + "…" }
        return out
    }
}
