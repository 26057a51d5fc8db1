import Foundation
public import JourneyModel
import JourneyConfig

/// How a candidate action shows in the data once someone took it: a touch with this action,
/// optionally by one side, optionally only after a quiet spell (a re-engagement email is a
/// marketing email after 60 days without any touch); or the person's first sales touch (a
/// hand-off to sales). Written in config as `email.sent by marketing after 60d without a touch`,
/// `webinar.attended`, `first sales touch`.
public enum TakenAs: Sendable, Equatable, CustomStringConvertible {
    case touch(action: String, side: Side?, quietFor: Int64?)
    case firstSalesTouch

    /// Parses the config form; nil when the text is none of the forms.
    public init?(_ text: String) {
        let words = text.lowercased().split(separator: " ").map(String.init)
        if words == ["first", "sales", "touch"] {
            self = .firstSalesTouch
            return
        }
        guard let action = words.first, action.contains(".") else { return nil }
        var side: Side?
        var quiet: Int64?
        var rest = words.dropFirst()
        if rest.first == "by" {
            guard rest.count >= 2, let s = Side(rawValue: rest[rest.startIndex + 1]) else { return nil }
            side = s
            rest = rest.dropFirst(2)
        }
        if rest.first == "after" {
            // after <duration> without a touch
            guard Array(rest.dropFirst(2)) == ["without", "a", "touch"], rest.count == 5,
                let d = DurationParser.parse(rest[rest.startIndex + 1]), d > .zero
            else { return nil }
            quiet = d.components.seconds * 1000
            rest = []
        }
        guard rest.isEmpty else { return nil }
        self = .touch(action: action, side: side, quietFor: quiet)
    }

    public var description: String {
        switch self {
        case .firstSalesTouch: return "first sales touch"
        case .touch(let action, let side, let quiet):
            var s = action
            if let side { s += " by \(side.rawValue)" }
            if let quiet { s += " after \(quiet / 86_400_000)d without a touch" }
            return s
        }
    }
}

/// One action a prospect can be offered: what it is, who may get it, and how often.
public struct CandidateAction: Sendable, Equatable {
    public var name: String
    public var channel: String
    public var side: Side
    public var takenAs: [TakenAs]
    /// Stages whose prospects may get it.
    public var stages: Set<Stage>
    /// Sent by email: needs an address that may be emailed (no opt-out, unsubscribe or bounce).
    public var needsEmailConsent: Bool
    /// Not again within this long after it was last taken (milliseconds).
    public var cooldownMilliseconds: Int64
    /// Only for prospects without any touch for this long (milliseconds), e.g. re-engagement.
    public var quietForMilliseconds: Int64?
    /// Only for prospects no salesperson has touched yet (a hand-off).
    public var noSalesTouchYet: Bool
    /// Business value of a success through this action, relative to the others (1 = the same).
    public var value: Double
    /// A business lever: multiplies the score (Pega's levers; 1 = neutral).
    public var weight: Double
    /// The lift assumed while history is too thin to learn it (says so in the reason).
    public var priorLift: Double

    public init(
        name: String, channel: String, side: Side, takenAs: [TakenAs], stages: Set<Stage>, needsEmailConsent: Bool, cooldown days: Int,
        quietForDays: Int? = nil, noSalesTouchYet: Bool = false, value: Double = 1, weight: Double = 1, priorLift: Double = 1
    ) {
        self.name = name
        self.channel = channel
        self.side = side
        self.takenAs = takenAs
        self.stages = stages
        self.needsEmailConsent = needsEmailConsent
        cooldownMilliseconds = Int64(days) * 86_400_000
        quietForMilliseconds = quietForDays.map { Int64($0) * 86_400_000 }
        self.noSalesTouchYet = noSalesTouchYet
        self.value = value
        self.weight = weight
        self.priorLift = priorLift
    }

    /// The defaults: what sales and marketing can do next with a B2B prospect.
    public static let defaults: [CandidateAction] = {
        func t(_ text: String) -> TakenAs { TakenAs(text)! }
        let open: Set<Stage> = [.subscriber, .lead, .mql, .recycled]
        return [
            CandidateAction(name: "sales_call", channel: "phone", side: .sales, takenAs: [t("call.outbound")],
                            stages: [.mql, .sql, .opportunity], needsEmailConsent: false, cooldown: 2, priorLift: 1.3),
            CandidateAction(name: "sales_email", channel: "email", side: .sales, takenAs: [t("email.sent by sales")],
                            stages: [.mql, .sql, .opportunity], needsEmailConsent: true, cooldown: 3, priorLift: 1.15),
            CandidateAction(name: "meeting_request", channel: "email", side: .sales,
                            takenAs: [t("meeting.scheduled"), t("meeting.held")], stages: [.sql, .opportunity], needsEmailConsent: true,
                            cooldown: 7, value: 1.2, priorLift: 1.2),
            CandidateAction(name: "nurture_email", channel: "email", side: .marketing, takenAs: [t("email.sent by marketing")],
                            stages: open, needsEmailConsent: true, cooldown: 7, priorLift: 1.05),
            CandidateAction(name: "webinar_invite", channel: "email", side: .marketing,
                            takenAs: [t("webinar.invited"), t("webinar.registered"), t("webinar.attended")],
                            stages: open.union([.sql]), needsEmailConsent: true, cooldown: 14, priorLift: 1.1),
            CandidateAction(name: "content_offer", channel: "email", side: .marketing,
                            takenAs: [t("content.offered"), t("content.downloaded")], stages: open, needsEmailConsent: true, cooldown: 14,
                            priorLift: 1.1),
            CandidateAction(name: "event_invite", channel: "email", side: .marketing,
                            takenAs: [t("event.invited"), t("event.registered"), t("event.attended")],
                            stages: [.lead, .mql, .sql, .opportunity, .recycled], needsEmailConsent: true, cooldown: 30, priorLift: 1.1),
            CandidateAction(name: "reengagement_email", channel: "email", side: .marketing,
                            takenAs: [t("email.sent by marketing after 60d without a touch")], stages: open, needsEmailConsent: true,
                            cooldown: 60, quietForDays: 60, priorLift: 1.05),
            CandidateAction(name: "handoff_to_sales", channel: "crm", side: .marketing, takenAs: [t("first sales touch")], stages: [.mql],
                            needsEmailConsent: false, cooldown: 0, noSalesTouchYet: true, priorLift: 1.2),
        ]
    }()
}

/// What a goal is: the next funnel stage from where the prospect stands, or a fixed stage.
public enum NextActionGoal: Sendable, Equatable, CustomStringConvertible {
    case nextStage
    case stage(Stage)

    public init?(_ text: String) {
        switch text.lowercased() {
        case "next_stage", "next": self = .nextStage
        case "sql": self = .stage(.sql)
        case "opportunity": self = .stage(.opportunity)
        case "customer": self = .stage(.customer)
        case "mql": self = .stage(.mql)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .nextStage: return "next_stage"
        case .stage(let s): return s.rawValue
        }
    }

    /// The stage a prospect standing in `stage` must reach; nil when it is at or past it.
    public func target(from stage: Stage) -> Stage? {
        switch self {
        case .nextStage:
            switch stage {
            case .subscriber: return .lead
            case .lead, .recycled: return .mql
            case .mql: return .sql
            case .sql: return .opportunity
            case .opportunity: return .customer
            case .customer, .disqualified: return nil
            }
        case .stage(let goal):
            let position = stage == .recycled ? Stage.lead : stage
            return Stage.funnel.contains(position) && position < goal ? goal : nil
        }
    }
}

/// A limit on how often a prospect is contacted through one channel.
public struct ContactLimit: Sendable, Equatable {
    public var max: Int
    public var periodMilliseconds: Int64
    /// The touches that count as a contact through this channel.
    public var actions: Set<String>

    public init(max: Int, periodDays: Int, actions: Set<String>) {
        self.max = max
        periodMilliseconds = Int64(periodDays) * 86_400_000
        self.actions = actions
    }
}

/// How next best actions are chosen, learned and fed back.
public struct NextActionDefinition: Sendable, Equatable {
    public var actions: [CandidateAction] = CandidateAction.defaults
    public var goal: NextActionGoal = .nextStage
    /// How long after a suggestion its outcome counts (milliseconds).
    public var horizonMilliseconds: Int64 = 30 * 86_400_000
    /// Per channel.
    public var contactLimits: [String: ContactLimit] = [
        "email": ContactLimit(max: 3, periodDays: 7, actions: ["email.sent", "webinar.invited", "event.invited", "content.offered"]),
        "phone": ContactLimit(max: 3, periodDays: 7, actions: ["call.outbound"]),
    ]
    /// Stages that get suggestions at all (customers and disqualified people get none by default).
    public var stages: Set<Stage> = [.subscriber, .lead, .mql, .sql, .opportunity, .recycled]
    /// A suggestion dismissed, or ignored (not taken within `ignoredAfter`), is not made again for this long.
    public var suppressForMilliseconds: Int64 = 30 * 86_400_000
    public var ignoredAfterMilliseconds: Int64 = 14 * 86_400_000
    /// Share of prospects (0…0.5) that get no suggestions, chosen at random once per person.
    public var holdout: Double = 0
    /// Observations each side of a comparison needs before the data speaks for a state.
    public var minEvidence: Int = 30
    /// How strongly thin evidence is pulled toward the coarser state's rate (pseudo-observations).
    public var smoothing: Double = 50
    /// How many observations (each side) weigh as much as an action's configured prior lift.
    public var priorStrength: Double = 100
    /// How far back history is learned from, and how often a snapshot of every prospect is taken.
    public var lookbackMilliseconds: Int64 = 365 * 86_400_000
    public var snapshotEveryMilliseconds: Int64 = 7 * 86_400_000
    /// What is done within this long after a snapshot is its decision (the treatment learned from).
    public var decisionWindowMilliseconds: Int64 = 7 * 86_400_000
    /// Suggestions per prospect at most.
    public var maxSuggestions: Int = 3
    /// Require an explicit email opt-in (true) or only the absence of an opt-out (false, B2B default).
    public var requireEmailConsent = false

    public init() {}

    public func action(named name: String) -> CandidateAction? { actions.first { $0.name == name } }
}
