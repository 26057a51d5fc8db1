import Foundation
import JourneyModel

/// The shared funnel's stages, in order, plus the two that leave it.
public enum Stage: String, Sendable, CaseIterable, Codable, Comparable {
    case subscriber, lead, mql, sql, opportunity, customer
    case disqualified, recycled

    /// The stages of the funnel proper, first to last.
    public static let funnel: [Stage] = [.subscriber, .lead, .mql, .sql, .opportunity, .customer]

    /// Position in the funnel; the stages that leave it come after every funnel stage.
    public var order: Int { Stage.allCases.firstIndex(of: self)! }

    public static func < (a: Stage, b: Stage) -> Bool { a.order < b.order }
}

/// What sales and marketing agreed to measure: one set of definitions for every report.
/// Built from `definitions:` in the config; `Definitions()` are the defaults that apply without it.
public struct Definitions: Sendable, Equatable {
    public var stages = StageMapping()
    public var mql = MQLDefinition()
    public var score = ScoreDefinition()
    public var sla = FollowUpDefinition()
    public var funnel = FunnelDefinition()
    /// Touchpoint actions that convert, for attribution and revenue (default `opportunity.won`).
    public var conversions: Set<String> = [TouchpointAction.opportunityWon.rawValue]
    /// Candidate actions and how the next best action is chosen (`actions:` and `next_actions:`).
    public var nextActions = NextActionDefinition()

    public init() {}
}

/// Vendor stage values (HubSpot `lifecyclestage`, Salesforce lead status, Marketo lead status) →
/// shared stages, matched case-insensitively, ignoring spaces, dashes and underscores.
public struct StageMapping: Sendable, Equatable {
    public var values: [String: Stage] = StageMapping.defaults

    public init() {}

    /// Common vendor values; config adds to them (and may override any).
    public static let defaults: [String: Stage] = [
        // HubSpot lifecycle stages (internal names and labels).
        "subscriber": .subscriber, "lead": .lead, "marketingqualifiedlead": .mql, "mql": .mql,
        "salesqualifiedlead": .sql, "sql": .sql, "opportunity": .opportunity, "customer": .customer, "evangelist": .customer,
        // Salesforce's default lead statuses.
        "opennotcontacted": .lead, "workingcontacted": .sql, "closedconverted": .sql, "closednotconverted": .disqualified,
        "qualified": .sql, "unqualified": .disqualified, "disqualified": .disqualified, "nurturing": .recycled,
        "nurture": .recycled, "recycled": .recycled, "new": .lead, "open": .lead, "working": .sql, "contacted": .sql,
    ]

    /// The shared stage a vendor value means, if any.
    public func stage(for vendorValue: String) -> Stage? {
        values[Self.normalize(vendorValue)]
    }

    static func normalize(_ value: String) -> String {
        String(value.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) })
    }
}

/// A closed range of numbers from config (`{ min: 50, max: 5000 }`); either end may be open.
public struct NumberRange: Sendable, Equatable {
    public var min: Double?
    public var max: Double?

    public init(min: Double? = nil, max: Double? = nil) {
        self.min = min
        self.max = max
    }

    public func contains(_ value: Double) -> Bool {
        (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true)
    }
}

/// Ideal-customer-profile fit: which companies and people sales wants. Every criterion given must
/// hold (a criterion the data cannot answer, e.g. no employee count known, does not hold); no
/// criterion at all means everyone fits.
public struct FitDefinition: Sendable, Equatable {
    public var industries: [String] = []
    public var employees: NumberRange?
    public var annualRevenue: NumberRange?
    /// ISO 3166-1 alpha-2 codes (config may name countries any way `Country` reads); the person's
    /// country, else the company's, must be one of them.
    public var countries: [String] = []
    /// SIC codes or prefixes ("73", "7372"): with `industries`, one criterion that holds when the
    /// company's industry is one of those or its SIC code falls under one of these.
    public var sicCodes: [String] = []
    /// Regular expressions, case-insensitive, any of which the job title must match.
    public var titles: [String] = []

    public init() {}

    public var isEmpty: Bool {
        industries.isEmpty && employees == nil && annualRevenue == nil && countries.isEmpty && sicCodes.isEmpty && titles.isEmpty
    }
}

/// Who is a marketing-qualified lead: fit **and** engagement, **or** a hand-raise.
public struct MQLDefinition: Sendable, Equatable {
    public var fit = FitDefinition()
    /// The lead score (at the time of a touch) that qualifies a fitting person.
    public var scoreThreshold: Double = 50
    /// Actions that qualify a fitting person at once (a research-report download).
    public var qualifyingActions: Set<String> = [TouchpointAction.contentDownloaded.rawValue]
    /// Actions that qualify anyone at once.
    public var handRaiseActions: Set<String> = [TouchpointAction.callInbound.rawValue, "meeting.requested"]
    /// `form.submitted` whose content or campaign matches this (case-insensitive) is a hand-raise.
    public var handRaiseForms: String = "contact|demo|pricing|quote|talk to sales"

    public init() {}
}

/// The lead score: fit points plus decaying engagement points, capped, every point explained.
public struct ScoreDefinition: Sendable, Equatable {
    /// Points per action; negative for what lowers interest (unsubscribe, bounce).
    public var actions: [String: Double] = [
        "form.submitted": 15, "content.downloaded": 15, "webinar.registered": 10, "webinar.attended": 20,
        "event.registered": 10, "event.attended": 20, "email.clicked": 5, "email.opened": 1, "web.visit": 2, "web.clicked": 2,
        "call.inbound": 25, "meeting.requested": 25, "campaign.responded": 10,
        "email.unsubscribed": -20, "email.bounced": -10, "email.spam_reported": -30,
    ]
    /// Engagement points halve every `halfLife` (milliseconds) after the touch.
    public var halfLifeMilliseconds: Int64 = 30 * 86_400_000
    /// Points for each fit criterion that holds (industry, employees, revenue, title).
    public var fitPoints: Double = 10
    /// Engagement points count at most this much (and at least its negative).
    public var engagementCap: Double = 80
    /// The score stays within 0…max.
    public var max: Double = 100

    public init() {}
}

/// The follow-up SLA: MQL → first sales touch within a window.
public struct FollowUpDefinition: Sendable, Equatable {
    public var windowMilliseconds: Int64 = 24 * 3_600_000
    /// When set, the window counts business hours only.
    public var businessHours: BusinessHours?
    /// Channels of a sales-side touch that answers the clock.
    public var channels: Set<String> = [Channel.phone.rawValue, Channel.email.rawValue, Channel.meeting.rawValue]
    /// Sales touches after the MQL that make a lead "worked".
    public var touchTarget: Int = 6

    public init() {}
}

/// Working hours for SLA clocks: weekdays (1 = Monday … 7 = Sunday) from `start` to `end`
/// (minutes after midnight) in `timeZone`.
public struct BusinessHours: Sendable, Equatable {
    public var days: Set<Int> = [1, 2, 3, 4, 5]
    public var startMinute: Int = 9 * 60
    public var endMinute: Int = 17 * 60
    public var timeZone: TimeZone = TimeZone(identifier: "UTC")!

    public init() {}
}

/// Funnel leak rules.
public struct FunnelDefinition: Sendable, Equatable {
    /// A person still in a stage with no stage change and no touch for this long is stalled.
    public var stalledAfterMilliseconds: Int64 = 30 * 86_400_000

    public init() {}
}
