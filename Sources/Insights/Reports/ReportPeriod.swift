import Foundation
public import JourneyModel

/// The time range a report covers: `since` inclusive, `until` exclusive (either open).
public struct ReportPeriod: Sendable, Equatable {
    public var since: Timestamp?
    public var until: Timestamp?

    public init(since: Timestamp? = nil, until: Timestamp? = nil) {
        self.since = since
        self.until = until
    }

    public func contains(_ t: Timestamp) -> Bool {
        (since.map { t >= $0 } ?? true) && (until.map { t < $0 } ?? true)
    }

    /// Reads `--since`/`--until`: a date (`2025-03-01`, the whole day: `until` runs to its end)
    /// or a timestamp. Nil when the text is neither.
    public static func parse(_ text: String, endOfDay: Bool) -> Timestamp? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count == 10, let day = TimestampParser.utc.parse(trimmed + "T00:00:00Z") {
            return endOfDay ? Timestamp(millisecondsSinceEpoch: day.millisecondsSinceEpoch + 86_400_000) : day
        }
        return TimestampParser.utc.parse(trimmed)
    }
}

/// How report rows are grouped (`--by`).
public enum ReportGrouping: String, Sendable, CaseIterable, Codable {
    case week, month, channel, campaign, owner

    /// The bucket of a time: the ISO week's Monday or the month, `YYYY-MM-DD` / `YYYY-MM`.
    public static func bucket(_ t: Timestamp, _ g: ReportGrouping) -> String {
        let day = String(t.iso8601.prefix(10))
        switch g {
        case .month: return String(day.prefix(7))
        default:
            let days = Int64((Double(t.millisecondsSinceEpoch) / 86_400_000).rounded(.down))
            // 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) mod 7.
            let monday = days - ((days % 7 + 7 + 3) % 7)
            return String(Timestamp(millisecondsSinceEpoch: monday * 86_400_000).iso8601.prefix(10))
        }
    }
}

/// Median and p90 by the nearest-rank method on sorted values (nil when empty).
enum Percentile {
    static func of(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        if p == 0.5 {
            let n = sorted.count
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}
