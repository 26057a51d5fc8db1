import Foundation

/// Parses the timestamp forms Salesforce, HubSpot and Marketo emit into UTC.
///
/// Accepted without configuration: ISO-8601 with `Z`, `±hh:mm`, `±hhmm` or `±hh` offsets and optional
/// fractions (`2025-03-14T09:10:08.000+0000`), a space instead of `T`, minutes-only times
/// (`2025-02-20 16:17`), date-only values, and epoch seconds or milliseconds (all digits).
/// Values without an offset are read in `timeZone`.
public struct TimestampParser: Sendable {
    /// How a value is to be read.
    public enum Style: Sendable, Equatable {
        /// Every ISO-like form and epoch numbers, detected per value.
        case automatic
        case epochMilliseconds
        case epochSeconds
        /// A `DateFormatter` pattern such as `MM/dd/yyyy hh:mm a`, for exports in a house format.
        case pattern(String)
    }

    public let style: Style
    public let timeZone: TimeZone
    private let formatter: PatternFormatter?

    public init(style: Style = .automatic, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.style = style
        self.timeZone = timeZone
        if case .pattern(let p) = style {
            formatter = PatternFormatter(pattern: p, timeZone: timeZone)
        } else {
            formatter = nil
        }
    }

    public static let utc = TimestampParser()

    /// The UTC timestamp, or nil when the text is not a timestamp in this style.
    public func parse(_ text: String) -> Timestamp? {
        let trimmed = text.trimmedASCII
        if trimmed.isEmpty { return nil }
        switch style {
        case .automatic:
            var copy = trimmed
            return copy.withUTF8 { parseAutomatic($0) }
        case .epochMilliseconds:
            guard let v = Int64(trimmed) else { return nil }
            return Timestamp(millisecondsSinceEpoch: v)
        case .epochSeconds:
            if let v = Int64(trimmed), abs(v) < 100_000_000_000 { return Timestamp(millisecondsSinceEpoch: v * 1000) }
            guard let d = Double(trimmed), d.isFinite, abs(d) < 100_000_000_000 else { return nil }
            return Timestamp(millisecondsSinceEpoch: Int64((d * 1000).rounded()))
        case .pattern:
            return formatter?.parse(trimmed)
        }
    }

    /// The same from UTF-8 bytes (a database column), without making a String first.
    public func parse(utf8 b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard case .automatic = style else { return parse(String(decoding: b, as: UTF8.self)) }
        var lo = 0, hi = b.count
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }
        while lo < hi, isSpace(b[lo]) { lo += 1 }
        while hi > lo, isSpace(b[hi - 1]) { hi -= 1 }
        if lo == hi { return nil }
        return parseAutomatic(UnsafeBufferPointer(rebasing: b[lo..<hi]))
    }

    private func parseAutomatic(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = b.count
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= n else { return nil }
            var v: Int64 = 0
            for k in 0..<count {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += count
            return v
        }
        // All digits: epoch seconds (9 to 11 digits) or milliseconds (12 or more); 8 digits is a
        // compact date (20250314), read below.
        if n != 8, b.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard n >= 9, n <= 16, let v = digits(n) else { return nil }
            return Timestamp(millisecondsSinceEpoch: n >= 12 ? v : v * 1000)
        }
        guard let year = digits(4), i < n else { return nil }
        let compact = n == 8 && b[i] != 45
        if !compact {
            guard b[i] == 45 else { return nil }
            i += 1
        }
        guard let month = digits(2), compact || (i < n && b[i] == 45) else { return nil }
        if !compact { i += 1 }
        guard let day = digits(2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        guard day <= Self.daysIn(month: month, year: year) else { return nil }
        var ms = Timestamp.days(year: year, month: month, day: day) * 86_400_000
        if i == n { return local(ms) }
        guard b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }
        i += 1
        guard let hour = digits(2), hour < 24, i < n, b[i] == 58 else { return nil }
        i += 1
        guard let minute = digits(2), minute < 60 else { return nil }
        ms += hour * 3_600_000 + minute * 60_000
        if i < n, b[i] == 58 {
            i += 1
            guard let second = digits(2), second <= 60 else { return nil }
            ms += second * 1000
            if i < n, b[i] == 46 || b[i] == 44 {
                i += 1
                var scale: Int64 = 100
                var any = false
                while i < n, b[i] >= 48, b[i] <= 57 {
                    ms += Int64(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        if i == n { return local(ms) }
        let sign = b[i]
        if sign == 90 || sign == 122 {  // Z
            return i + 1 == n ? Timestamp(millisecondsSinceEpoch: ms) : nil
        }
        guard sign == 43 || sign == 45 else { return nil }
        i += 1
        guard let oh = digits(2) else { return nil }
        var om: Int64 = 0
        if i < n, b[i] == 58 {
            i += 1
            guard i < n else { return nil }  // a dangling colon: "+05:"
        }
        if i < n { guard let m = digits(2) else { return nil }; om = m }
        guard i == n, oh <= 18, om < 60 else { return nil }
        let offset = (oh * 60 + om) * 60_000
        return Timestamp(millisecondsSinceEpoch: sign == 43 ? ms - offset : ms + offset)
    }

    /// Reads wall-clock milliseconds in `timeZone`; DST is resolved with the offset in force then.
    private func local(_ wallMillis: Int64) -> Timestamp {
        if timeZone.identifier == "UTC" || timeZone.identifier == "GMT" {
            return Timestamp(millisecondsSinceEpoch: wallMillis)
        }
        let guess = Date(timeIntervalSince1970: Double(wallMillis) / 1000)
        var offset = Int64(timeZone.secondsFromGMT(for: guess)) * 1000
        let corrected = Date(timeIntervalSince1970: Double(wallMillis - offset) / 1000)
        offset = Int64(timeZone.secondsFromGMT(for: corrected)) * 1000
        return Timestamp(millisecondsSinceEpoch: wallMillis - offset)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A `DateFormatter` is not `Sendable`; each parse takes the lock, which is fine for the rare
/// custom-pattern exports (the fast path above never gets here).
private final class PatternFormatter: @unchecked Sendable {
    private let formatter: DateFormatter
    private let lock = NSLock()

    init(pattern: String, timeZone: TimeZone) {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern
    }

    func parse(_ text: String) -> Timestamp? {
        lock.lock()
        defer { lock.unlock() }
        return formatter.date(from: text).map(Timestamp.init)
    }
}
