import Foundation
import JourneyModel
import Testing

@Suite("Timestamp.iso8601")
struct TimestampFormattingTests {
    @Test("known instants format exactly",
          arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"),
            (Int64(1_741_943_408_000), "2025-03-14T09:10:08.000Z"),
            (Int64(1_741_943_408_007), "2025-03-14T09:10:08.007Z"),
            (Int64(951_825_600_000), "2000-02-29T12:00:00.000Z"),
            (Int64(253_402_300_799_999), "9999-12-31T23:59:59.999Z"),
            (Int64(-1), "1969-12-31T23:59:59.999Z"),
            (Int64(-1000), "1969-12-31T23:59:59.000Z"),
            (Int64(-86_400_000), "1969-12-31T00:00:00.000Z"),
            (Int64(-86_400_001), "1969-12-30T23:59:59.999Z"),
            (Int64(-2_208_988_800_000), "1900-01-01T00:00:00.000Z"),
          ])
    func knownValues(millis: Int64, expected: String) {
        #expect(Timestamp(millisecondsSinceEpoch: millis).iso8601 == expected)
    }

    @Test func descriptionIsIso8601() {
        let t = Timestamp(millisecondsSinceEpoch: 1_741_943_408_123)
        #expect(t.description == "2025-03-14T09:10:08.123Z")
        #expect("\(t)" == t.iso8601)
    }

    @Test("formatting then parsing gives the same instant")
    func roundTrip() {
        var values: [Int64] = [0, -1, -999, -1000, -86_399_999, -86_400_000, 1, 999, 86_399_999, 951_825_600_000]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<500 {
            // Deterministic pseudo-random instants between 1900 and 2100.
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let span = UInt64(6_311_433_600_000)  // 1900-01-01 ... 2100-01-01 in ms
            values.append(Int64(x % span) - 2_208_988_800_000)
        }
        for v in values {
            let text = Timestamp(millisecondsSinceEpoch: v).iso8601
            #expect(TimestampParser.utc.parse(text)?.millisecondsSinceEpoch == v, "\(v) -> \(text)")
        }
    }

    @Test("fixed width, and text order equals time order (negative epochs too)")
    func fixedWidthAndOrdering() {
        var values: [Int64] = [-2_208_988_800_000, -86_400_001, -86_400_000, -1001, -1000, -999, -1, 0, 1, 999, 1000]
        var x: UInt64 = 42
        for _ in 0..<300 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int64(x % 6_311_433_600_000) - 2_208_988_800_000)
        }
        let stamps = values.map { Timestamp(millisecondsSinceEpoch: $0) }
        for t in stamps {
            let text = t.iso8601
            #expect(text.utf8.count == 24, "\(text)")
            #expect(text.hasSuffix("Z"))
            #expect(Array(text)[10] == "T")
        }
        let byTime = stamps.sorted().map(\.iso8601)
        let byText = stamps.map(\.iso8601).sorted()
        #expect(byTime == byText)
    }

    @Test("agrees with Foundation's ISO-8601 formatter")
    func agreesWithFoundation() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        for v: Int64 in [0, 1_741_943_408_123, 951_825_600_000, 4_102_444_799_999, -1_000, -631_152_000_000] {
            let t = Timestamp(millisecondsSinceEpoch: v)
            #expect(t.iso8601 == f.string(from: t.date), "\(v)")
        }
    }

    @Test("Date conversion rounds to the nearest millisecond")
    func dateConversion() {
        #expect(Timestamp(Date(timeIntervalSince1970: 1.0006)).millisecondsSinceEpoch == 1001)
        #expect(Timestamp(Date(timeIntervalSince1970: 1.0004)).millisecondsSinceEpoch == 1000)
        #expect(Timestamp(Date(timeIntervalSince1970: -0.25)).millisecondsSinceEpoch == -250)
        #expect(Timestamp(millisecondsSinceEpoch: 1500).date == Date(timeIntervalSince1970: 1.5))
    }

    @Test func comparable() {
        #expect(Timestamp(millisecondsSinceEpoch: -1) < Timestamp(millisecondsSinceEpoch: 0))
        #expect(!(Timestamp(millisecondsSinceEpoch: 5) < Timestamp(millisecondsSinceEpoch: 5)))
    }
}
