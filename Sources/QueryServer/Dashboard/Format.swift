import Foundation
import JourneyModel

/// How numbers and times read on a page. Each shown number also carries the report's exact value
/// (`data-value`), so a test compares the page with the API without parsing display text.
enum Format {
    static func integer(_ n: Int) -> String { grouped(String(abs(n)), negative: n < 0) }

    /// Money and other amounts: whole units, grouped by thousands.
    static func amount(_ x: Double) -> String {
        let whole = x.rounded()
        return abs(whole) < 1e15 ? grouped(String(Int64(abs(whole))), negative: whole < 0) : String(x)
    }

    /// A share as a percentage with one decimal; an em dash when there is none.
    static func percent(_ share: Double?) -> String {
        guard let share else { return "—" }
        return String(format: "%.1f%%", share * 100)
    }

    static func decimal(_ x: Double?, places: Int = 2) -> String {
        guard let x else { return "—" }
        return String(format: "%.\(places)f", x)
    }

    /// The exact value as the report has it, for `data-value`.
    static func exact(_ x: Double?) -> String { x.map { String($0) } ?? "" }

    /// `2025-03-10T14:03:00Z` → `2025-03-10 14:03` (UTC, as stored).
    static func time(_ iso: String?) -> String {
        guard let iso else { return "—" }
        let text = iso.replacingOccurrences(of: "T", with: " ")
        return text.count >= 16 ? String(text.prefix(16)) : text
    }

    /// How long before `now` a stored time was, roughly: `45 min`, `3 h`, `12 d`.
    static func age(_ iso: String?, now: Timestamp) -> String? {
        guard let iso, let t = TimestampParser.utc.parse(iso) else { return nil }
        let minutes = max(0, (now.millisecondsSinceEpoch - t.millisecondsSinceEpoch) / 60_000)
        if minutes < 90 { return "\(minutes) min" }
        if minutes < 48 * 60 { return "\(minutes / 60) h" }
        return "\(minutes / 1440) d"
    }

    private static func grouped(_ digits: String, negative: Bool) -> String {
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (negative ? "-" : "") + out
    }
}

extension HTML {
    /// A number as shown, with the report's exact value and a name a test can find it by.
    static func metric(_ name: String, _ shown: String, exact: String) -> HTML {
        element(.span, [.class("num"), Attribute("data-metric", name), Attribute("data-value", exact)], .text(shown))
    }
}
