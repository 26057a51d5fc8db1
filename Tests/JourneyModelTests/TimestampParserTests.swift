import Foundation
import JourneyModel
import Testing

/// 2025-03-14T09:10:08.000Z as epoch milliseconds (computed independently of the code under test).
private let march14 = Int64(1_741_943_408_000)
private let hour = Int64(3_600_000)
private let minute = Int64(60_000)

private func ms(_ text: String, _ parser: TimestampParser = .utc) -> Int64? {
    parser.parse(text)?.millisecondsSinceEpoch
}

@Suite("TimestampParser, automatic style")
struct TimestampParserAutomaticTests {
    @Test("ISO-8601 with Z, with and without fractions")
    func isoWithZ() {
        #expect(ms("2025-03-14T09:10:08.000Z") == march14)
        #expect(ms("2025-03-14T09:10:08Z") == march14)
        #expect(ms("2025-03-14T09:10:08z") == march14)
        #expect(ms("2025-03-14T09:10:08.5Z") == march14 + 500)
        #expect(ms("2025-03-14T09:10:08.12Z") == march14 + 120)
        #expect(ms("2025-03-14T09:10:08.123Z") == march14 + 123)
        // Digits beyond milliseconds are truncated, not rounded into the next millisecond.
        #expect(ms("2025-03-14T09:10:08.123999Z") == march14 + 123)
        #expect(ms("2025-03-14T09:10:08,250Z") == march14 + 250)
    }

    @Test("offsets in every written form",
          arguments: [
            ("2025-03-14T09:10:08.000+0000", march14),
            ("2025-03-14T09:10:08.000+00:00", march14),
            ("2025-03-14T14:10:08.000+05:00", march14),
            ("2025-03-14T14:10:08+0500", march14),
            ("2025-03-14T14:10:08+05", march14),
            ("2025-03-14T01:10:08.000-08:00", march14),
            ("2025-03-14T01:10:08-0800", march14),
            ("2025-03-14T14:40:08+05:30", march14),
            ("2025-03-13T23:40:08-09:30", march14),
          ])
    func offsets(text: String, expected: Int64) {
        #expect(ms(text) == expected, "\(text)")
    }

    @Test("an offset is applied even when the zone configured for local times is not UTC")
    func offsetWinsOverConfiguredZone() throws {
        let berlin = TimestampParser(timeZone: try #require(TimeZone(identifier: "Europe/Berlin")))
        #expect(ms("2025-03-14T09:10:08Z", berlin) == march14)
        #expect(ms("2025-03-14T01:10:08-08:00", berlin) == march14)
    }

    @Test("space instead of T, minutes-only and date-only values")
    func partialForms() {
        #expect(ms("2025-03-14 09:10:08") == march14)
        #expect(ms("2025-03-14t09:10:08") == march14)
        #expect(ms("2025-02-20 16:17") == 1_740_068_220_000)
        #expect(ms("2025-02-20T16:17") == 1_740_068_220_000)
        #expect(ms("2025-02-20T16:17Z") == 1_740_068_220_000)
        #expect(ms("2025-02-20") == 1_740_009_600_000)
        #expect(ms("  2025-02-20  ") == 1_740_009_600_000)
    }

    @Test("leap days are accepted only in leap years")
    func leapDays() {
        #expect(ms("2000-02-29T12:00:00Z") == 951_825_600_000)
        #expect(ms("2024-02-29") != nil)
        #expect(ms("2025-02-29") == nil)
        #expect(ms("1900-02-29") == nil)  // divisible by 100, not by 400
        #expect(ms("1900-01-01T00:00:00Z") == -2_208_988_800_000)
    }

    @Test("epoch numbers: 9 to 11 digits are seconds, 12 or more are milliseconds")
    func epochNumbers() {
        #expect(ms("1741943408") == march14)
        #expect(ms("1741943408000") == march14)
        #expect(ms("1741943408123") == march14 + 123)
        #expect(ms("0") == nil)  // fewer than 9 digits is too short to be a CRM-era epoch
        #expect(ms("20250314") == Timestamp.days(year: 2025, month: 3, day: 14) * 86_400_000)  // compact date
        #expect(ms("99999999999") == Int64(99_999_999_999_000))  // 11 digits: seconds
        #expect(ms("100000000000") == Int64(100_000_000_000))  // 12 digits: milliseconds
        #expect(ms("12345678901234567") == nil)  // 17 digits: not a timestamp
    }

    @Test("values without an offset are read in the configured zone, with DST")
    func localTimesInNewYork() throws {
        let ny = TimestampParser(timeZone: try #require(TimeZone(identifier: "America/New_York")))
        // Winter: EST, UTC-5.
        #expect(ms("2025-02-20 16:17", ny) == 1_740_068_220_000 + 5 * hour)
        #expect(ms("2025-02-20", ny) == 1_740_009_600_000 + 5 * hour)
        // Summer: EDT, UTC-4 (2025-07-04 12:00 EDT = 16:00Z).
        #expect(ms("2025-07-04T12:00:00", ny) == 1_751_644_800_000)
        // Either side of the spring-forward on 2025-03-09 (02:00 EST -> 03:00 EDT, 07:00Z).
        let midnightUTC = Int64(1_741_478_400_000)  // 2025-03-09T00:00:00Z
        #expect(ms("2025-03-09 01:30", ny) == midnightUTC + 6 * hour + 30 * minute)
        #expect(ms("2025-03-09 03:30", ny) == midnightUTC + 7 * hour + 30 * minute)
        // The fall-back day: 2025-11-02 00:30 is still EDT, 12:00 is EST.
        let nov2 = Int64(1_762_041_600_000)  // 2025-11-02T00:00:00Z
        #expect(ms("2025-11-02 00:30", ny) == nov2 + 4 * hour + 30 * minute)
        #expect(ms("2025-11-02 12:00", ny) == nov2 + 17 * hour)
    }

    @Test("garbage and impossible dates are rejected",
          arguments: [
            "", "   ", "yesterday", "2025-13-01", "2025-00-10", "2025-02-30", "2025-04-31", "2025-01-00",
            "2025-01-32", "2025-1-01", "25-01-01", "2025/03/14", "2025-03-14T24:00", "2025-03-14T09:60",
            "2025-03-14T09:10:61", "2025-03-14T09", "2025-03-14T", "2025-03-14T09:10:08.Z", "2025-03-14T09:10:08+5",
            "2025-03-14T09:10:08+0500x", "2025-03-14T09:10:08Zjunk", "2025-03-14T09:10:08 UTC", "-1741943408",
            "1741943408.5", "2025-03-14x",
          ])
    func rejectsGarbage(text: String) {
        #expect(TimestampParser.utc.parse(text) == nil, "'\(text)' should not parse")
    }
}

@Suite("TimestampParser, explicit styles")
struct TimestampParserStyleTests {
    @Test func epochMilliseconds() {
        let p = TimestampParser(style: .epochMilliseconds)
        #expect(ms("1741943408000", p) == march14)
        #expect(ms("1741943408", p) == 1_741_943_408)  // no guessing: always milliseconds
        #expect(ms("-1", p) == -1)
        #expect(ms("soon", p) == nil)
    }

    @Test func epochSeconds() {
        let p = TimestampParser(style: .epochSeconds)
        #expect(ms("1741943408", p) == march14)
        #expect(ms("1741943408.25", p) == march14 + 250)
        #expect(ms("1741943408000", p) == nil)  // seconds, never guessed as ms: year 57000 is refused
        #expect(ms("", p) == nil)
        #expect(ms("1.2.3", p) == nil)
    }

    @Test("a custom pattern is read in the configured zone")
    func pattern() throws {
        let utc = TimestampParser(style: .pattern("MM/dd/yyyy HH:mm"))
        #expect(ms("02/20/2025 16:17", utc) == 1_740_068_220_000)
        #expect(ms("2025-02-20 16:17", utc) == nil)
        #expect(ms("yesterday", utc) == nil)

        let ny = TimestampParser(
            style: .pattern("MM/dd/yyyy HH:mm"), timeZone: try #require(TimeZone(identifier: "America/New_York")))
        #expect(ms("02/20/2025 16:17", ny) == 1_740_068_220_000 + 5 * hour)
        #expect(ms("07/04/2025 12:00", ny) == 1_751_644_800_000)
    }

    @Test("a 12-hour pattern with AM/PM")
    func patternWithMeridiem() {
        let p = TimestampParser(style: .pattern("MM/dd/yyyy hh:mm a"))
        #expect(ms("02/20/2025 04:17 PM", p) == 1_740_068_220_000)
        #expect(ms("02/20/2025 04:17 AM", p) == 1_740_068_220_000 - 12 * hour)
    }
}
