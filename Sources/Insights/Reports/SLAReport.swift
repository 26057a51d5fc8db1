import Foundation
public import GRDB
public import JourneyModel

/// The follow-up SLA over the MQLs of a period, overall and per owner.
public struct SLAReport: Sendable, Equatable, Codable {
    /// The same numbers for one owner (or overall).
    public struct Numbers: Sendable, Equatable, Codable {
        public var owner: String?
        public var mqls = 0
        public var responded = 0
        public var met = 0
        public var breached = 0
        public var pending = 0
        /// met / (met + breached); nil when none is decided yet.
        public var compliance: Double?
        public var medianResponseHours: Double?
        public var p90ResponseHours: Double?
        /// MQLs with at least the touch target of sales touches.
        public var worked = 0

        enum CodingKeys: String, CodingKey {
            case owner, mqls, responded, met, breached, pending, compliance, worked
            case medianResponseHours = "median_response_hours"
            case p90ResponseHours = "p90_response_hours"
        }

        /// Every key always present (null when unknown), so consumers need no guessing.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(owner, forKey: .owner)
            try c.encode(mqls, forKey: .mqls)
            try c.encode(responded, forKey: .responded)
            try c.encode(met, forKey: .met)
            try c.encode(breached, forKey: .breached)
            try c.encode(pending, forKey: .pending)
            try c.encode(compliance, forKey: .compliance)
            try c.encode(medianResponseHours, forKey: .medianResponseHours)
            try c.encode(p90ResponseHours, forKey: .p90ResponseHours)
            try c.encode(worked, forKey: .worked)
        }
    }

    public var total: Numbers
    public var byOwner: [Numbers]

    /// Reads `follow_ups` for MQLs in `period`, judging open clocks at `now` (a pending clock
    /// whose window has passed since it was derived is breached).
    public static func load(_ db: Database, period: ReportPeriod, now: Timestamp) throws -> SLAReport {
        struct Clock { var owner: String?; var status: FollowUpStatus; var hours: Double?; var worked: Bool }
        var clocks: [Clock] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT f.mql_at, f.due_at, coalesce(f.owner, p.owner), f.answered_at, f.response_hours, f.status, f.worked
            FROM follow_ups f JOIN persons p USING (person_id) ORDER BY f.person_id
            """) {
            guard let mql = TimestampParser.utc.parse(row[0] as String), period.contains(mql) else { continue }
            var status = FollowUpStatus(rawValue: row[5]) ?? .pending
            if status == .pending, let due = TimestampParser.utc.parse(row[1] as String), now > due { status = .breached }
            clocks.append(Clock(owner: row[2], status: status, hours: row[4], worked: row[6]))
        }
        func numbers(_ cs: [Clock], owner: String?) -> Numbers {
            var n = Numbers(owner: owner)
            n.mqls = cs.count
            let hours = cs.compactMap(\.hours)
            n.responded = hours.count
            n.met = cs.filter { $0.status == .met }.count
            n.breached = cs.filter { $0.status == .breached }.count
            n.pending = cs.filter { $0.status == .pending }.count
            n.compliance = n.met + n.breached > 0 ? Double(n.met) / Double(n.met + n.breached) : nil
            n.medianResponseHours = Percentile.of(hours, 0.5).map(Scorer.round)
            n.p90ResponseHours = Percentile.of(hours, 0.9).map(Scorer.round)
            n.worked = cs.filter(\.worked).count
            return n
        }
        let owners = Set(clocks.map { $0.owner ?? "" }).sorted()
        return SLAReport(
            total: numbers(clocks, owner: nil),
            byOwner: owners.map { o in numbers(clocks.filter { ($0.owner ?? "") == o }, owner: o.isEmpty ? nil : o) })
    }

    /// The JSON object `report sla --format json` prints: the totals, then `by_owner`.
    public func json() throws -> String {
        struct Out: Encodable {
            var t: Numbers
            var byOwner: [Numbers]
            func encode(to encoder: any Encoder) throws {
                try t.encode(to: encoder)
                var c = encoder.container(keyedBy: K.self)
                try c.encode(byOwner, forKey: .byOwner)
            }
            enum K: String, CodingKey { case byOwner = "by_owner" }
        }
        return try ReportJSON.encode(Out(t: total, byOwner: byOwner))
    }
}

/// JSON as the reports print it: sorted keys, nulls written, readable.
enum ReportJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
