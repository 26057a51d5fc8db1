import Foundation
public import JourneyModel

/// Where a person's follow-up clock stands.
public enum FollowUpStatus: String, Sendable, Codable {
    /// Answered by a sales touch inside the window.
    case met
    /// Answered after the window, or unanswered once it passed.
    case breached
    /// Unanswered, the window still open.
    case pending
}

/// The follow-up SLA of one MQL: the clock starts at the MQL; only a sales touch at or after it
/// answers it.
public struct FollowUp: Sendable, Equatable {
    public var mqlAt: Timestamp
    public var dueAt: Timestamp
    public var owner: String?
    public var answeredAt: Timestamp?
    public var answeredBy: String?
    /// Time to the first sales touch, in hours (business hours when those are configured).
    public var responseHours: Double?
    public var status: FollowUpStatus
    /// Sales touches at or after the MQL.
    public var salesTouches: Int
    /// At least the touch target of sales touches.
    public var worked: Bool
}

/// The follow-up rules of the definitions.
public struct FollowUpClock: Sendable {
    public let definition: FollowUpDefinition

    public init(_ definition: FollowUpDefinition) { self.definition = definition }

    /// Whether a touch is a sales touch that answers a follow-up.
    public func answers(_ t: JourneyTouch) -> Bool {
        t.side == Side.sales.rawValue && definition.channels.contains(t.channel)
    }

    /// The sales touches that answer an MQL: at or after it, the touch that made it excepted
    /// (an inbound call qualifies a lead; it does not follow it up).
    func salesTouches(after mql: StageEntry, in touches: [JourneyTouch]) -> [JourneyTouch] {
        touches.filter { $0.at >= mql.at && $0.id != mql.touchpoint && answers($0) }
    }

    public func followUp(mql: StageEntry, touches: [JourneyTouch], owner: String?, now: Timestamp) -> FollowUp {
        let mqlAt = mql.at
        let due = addWindow(to: mqlAt)
        let sales = salesTouches(after: mql, in: touches)
        let first = sales.first
        let status: FollowUpStatus
        if let first { status = first.at <= due ? .met : .breached } else { status = now > due ? .breached : .pending }
        return FollowUp(
            mqlAt: mqlAt, dueAt: due, owner: first?.owner ?? owner, answeredAt: first?.at, answeredBy: first?.id,
            responseHours: first.map { Double(elapsed(from: mqlAt, to: $0.at)) / 3_600_000 }, status: status,
            salesTouches: sales.count, worked: sales.count >= definition.touchTarget)
    }

    /// The end of the window that starts at `start`: wall-clock, or counting business hours only.
    public func addWindow(to start: Timestamp) -> Timestamp {
        guard let hours = definition.businessHours else {
            return Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + definition.windowMilliseconds)
        }
        var left = definition.windowMilliseconds
        var cursor = start.millisecondsSinceEpoch
        // Bounded: a year of calendar days is far more than any follow-up window needs.
        for _ in 0..<400 {
            for (open, close) in Self.openings(onDayOf: cursor, hours) where close > cursor {
                let from = max(open, cursor)
                if close - from >= left { return Timestamp(millisecondsSinceEpoch: from + left) }
                left -= close - from
            }
            cursor = Self.nextDay(after: cursor, hours.timeZone)
        }
        return Timestamp(millisecondsSinceEpoch: cursor + left)
    }

    /// Milliseconds from `a` to `b`: wall-clock, or business time only.
    public func elapsed(from a: Timestamp, to b: Timestamp) -> Int64 {
        guard let hours = definition.businessHours else { return b.millisecondsSinceEpoch - a.millisecondsSinceEpoch }
        var total: Int64 = 0
        var cursor = a.millisecondsSinceEpoch
        let end = b.millisecondsSinceEpoch
        var days = 0
        while cursor < end, days < 4000 {
            for (open, close) in Self.openings(onDayOf: cursor, hours) {
                let from = max(open, cursor), to = min(close, end)
                if to > from { total += to - from }
            }
            cursor = Self.nextDay(after: cursor, hours.timeZone)
            days += 1
        }
        return total
    }

    /// The business-hours interval of the calendar day holding `instant` (none on closed days).
    static func openings(onDayOf instant: Int64, _ hours: BusinessHours) -> [(Int64, Int64)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = hours.timeZone
        let date = Date(timeIntervalSince1970: Double(instant) / 1000)
        let weekday = calendar.component(.weekday, from: date)  // 1 = Sunday
        let isoDay = weekday == 1 ? 7 : weekday - 1
        guard hours.days.contains(isoDay) else { return [] }
        let midnight = Int64(calendar.startOfDay(for: date).timeIntervalSince1970 * 1000)
        return [(midnight + Int64(hours.startMinute) * 60_000, midnight + Int64(hours.endMinute) * 60_000)]
    }

    static func nextDay(after instant: Int64, _ zone: TimeZone) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(instant) / 1000))
        let next = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        return Int64(next.timeIntervalSince1970 * 1000)
    }
}
