import Foundation
import JourneyModel

/// One suggestion for one prospect: a row of `next_actions`.
public struct Suggestion: Sendable, Equatable {
    public var personId: String
    public var rank: Int
    /// A candidate action's name, or `hold`.
    public var action: String
    public var channel: String?
    public var side: String?
    /// lift × value × weight (for `hold`: 1).
    public var score: Double
    /// What to do and why, in words a salesperson reads.
    public var reason: String
    /// The numbers behind it, as a JSON object.
    public var evidence: String
    /// A guardrail put it first (an unanswered hand-raise or follow-up): lists show these first.
    public var urgent: Bool

    public init(
        personId: String, rank: Int, action: String, channel: String?, side: String?, score: Double, reason: String, evidence: String,
        urgent: Bool
    ) {
        self.personId = personId
        self.rank = rank
        self.action = action
        self.channel = channel
        self.side = side
        self.score = score
        self.reason = reason
        self.evidence = evidence
        self.urgent = urgent
    }
}

/// A hand-raise (a demo or contact request) and when it came, in milliseconds.
struct HandRaise: Equatable {
    var at: Int64
    var what: String
}

/// A prospect now (or at an as-of date), with what the guardrails need to know.
struct ProspectNow: Equatable {
    var personId: String
    var owner: String?
    var stage: Stage?
    var state: ProspectState?
    /// Why email may not be used (an opt-out, an unsubscribe, a bounce, no address); nil: it may.
    var emailBlock: String?
    /// Per candidate action: when it was last taken (milliseconds).
    var lastTaken: [Int64?]
    /// Per channel with a contact limit: contacts within its period.
    var contacts: [String: Int]
    var lastTouch: Int64?
    var salesTouched: Bool
    /// The latest hand-raise no sales touch has answered yet (within two weeks).
    var openHandRaise: HandRaise?
    var followUp: FollowUp?
    var holdout: Bool
    /// Actions suppressed by feedback (dismissed, or ignored), with why.
    var suppressed: [String: String] = [:]
}

/// Chooses each prospect's next best actions: guardrails first, then the learned lift.
struct NextActionEngine {
    let definitions: Definitions
    let model: LiftModel
    let now: Timestamp

    var settings: NextActionDefinition { definitions.nextActions }

    /// Ranked suggestions for a prospect; empty for people who get none (customers, the
    /// disqualified, people in no stage, the holdout).
    func suggest(_ p: ProspectNow) -> [Suggestion] {
        guard let stage = p.stage, settings.stages.contains(stage), let state = p.state, !p.holdout else { return [] }
        let target = settings.goal.target(from: stage)
        let actions = settings.actions
        let keys = state.codes
        var blocked: [String: String] = [:]
        var out: [(Suggestion, order: Int)] = []
        var explain: [String: () -> (String, String)] = [:]
        let t = now.millisecondsSinceEpoch

        func block(_ a: CandidateAction, index: Int, urgent: Bool) -> String? { self.block(a, index: index, p, stage: stage, urgent: urgent) }

        // Guardrail: an unanswered hand-raise or follow-up puts the call first.
        if let callIndex = actions.firstIndex(where: { $0.name == "sales_call" }) {
            let call = actions[callIndex]
            var why: (reason: String, evidence: String)?
            if let raise = p.openHandRaise {
                why = ("call now: hand-raise \(Self.ago(t - raise.at)) ago (\(raise.what)), no sales touch since",
                       "{\"guardrail\":\"hand_raise\",\"hand_raise_at\":\(JSONObjectWriter.quoted(Timestamp(millisecondsSinceEpoch: raise.at).iso8601)),\"hours_since\":\(Self.number(Double(t - raise.at) / 3_600_000, 1))}")
            } else if stage == .mql, let f = p.followUp, f.answeredAt == nil, f.status != .met {
                // Only while they are an MQL: past it, someone is already working them.
                let window = Double(definitions.sla.windowMilliseconds) / 3_600_000
                let elapsed = Double(t - f.mqlAt.millisecondsSinceEpoch) / 3_600_000
                let text = f.status == .breached
                    ? "MQL for \(Self.ago(t - f.mqlAt.millisecondsSinceEpoch)) with no sales touch — SLA is \(Self.hours(window))"
                    : "MQL \(Self.ago(t - f.mqlAt.millisecondsSinceEpoch)) ago with no sales touch — SLA is \(Self.hours(window)), due \(f.dueAt.iso8601.prefix(16).replacingOccurrences(of: "T", with: " ")) UTC"
                why = (text, "{\"guardrail\":\"follow_up_\(f.status.rawValue)\",\"mql_at\":\(JSONObjectWriter.quoted(f.mqlAt.iso8601)),\"due_at\":\(JSONObjectWriter.quoted(f.dueAt.iso8601)),\"hours_since_mql\":\(Self.number(elapsed, 1)),\"sla_hours\":\(Self.number(window, 1))}")
            }
            if let why {
                if let b = block(call, index: callIndex, urgent: true) {
                    blocked[call.name] = b
                } else {
                    let e = estimate(call, keys)
                    let score = e.flatMap { $0.level != nil && $0.lift != nil ? blend($0, prior: call.priorLift) : nil } ?? call.priorLift
                    out.append((Suggestion(
                        personId: p.personId, rank: 0, action: call.name, channel: call.channel, side: call.side.rawValue,
                        score: Self.round(score * call.value * call.weight), reason: why.reason, evidence: why.evidence, urgent: true), -1))
                }
            }
        }

        for (i, a) in actions.enumerated() where !out.contains(where: { $0.0.action == a.name }) {
            if let b = block(a, index: i, urgent: false) {
                blocked[a.name] = b
                continue
            }
            guard let target else {
                // Past the last stage (a configured customer action): nothing to learn toward.
                guard a.priorLift > 1 else { continue }
                out.append((Suggestion(
                    personId: p.personId, rank: 0, action: a.name, channel: a.channel, side: a.side.rawValue,
                    score: Self.round(a.priorLift * a.value * a.weight),
                    reason: "\(Self.phrase(a.name)): no later stage to learn toward for \(stage.rawValue)s — assumed \(Self.number(a.priorLift, 2))× from the definitions",
                    evidence: "{\"goal\":null,\"lift\":\(Self.number(a.priorLift, 3)),\"prior\":true,\"value\":\(Self.number(a.value, 3)),\"weight\":\(Self.number(a.weight, 3))}",
                    urgent: false), i))
                continue
            }
            let e = estimate(a, keys)
            let learned = e?.level != nil && e?.lift != nil
            let lift = learned ? blend(e!, prior: a.priorLift) : a.priorLift
            // An action is left out when it does not beat holding: by its prior without evidence,
            // and with evidence only when the data shows it credibly hurts (its 95 % interval lies
            // below 1) — a lift a hair under 1 is noise, and doing something beats waiting then.
            if learned ? e!.credibleUpperLift < 1 : lift <= 1 { continue }
            let score = Self.round(lift * a.value * a.weight)
            // Reasons and evidence are written for the suggestions that make the cut only.
            explain[a.name] = { [self] in
                (reason(a, state: state, target: target, estimate: e, learned: learned, lift: lift),
                 evidence(a, state: state, target: target, estimate: e, learned: learned, lift: lift))
            }
            out.append((Suggestion(
                personId: p.personId, rank: 0, action: a.name, channel: a.channel, side: a.side.rawValue, score: score,
                reason: "", evidence: "", urgent: false), i))
        }
        out.sort { x, y in
            if x.0.urgent != y.0.urgent { return x.0.urgent }
            if x.0.score != y.0.score { return x.0.score > y.0.score }
            return x.order < y.order
        }
        var ranked = out.prefix(settings.maxSuggestions).enumerated().map { i, s in
            var s = s.0
            s.rank = i + 1
            if let explained = explain[s.action]?() { (s.reason, s.evidence) = explained }
            return s
        }
        if ranked.isEmpty {
            let why = blocked.isEmpty
                ? (target == nil ? "nothing to do at this stage" : "no action beats waiting for prospects like this")
                : "wait: " + blocked.sorted { $0.key < $1.key }.map { "\(Self.phrase($0.key)) blocked — \($0.value)" }.joined(separator: "; ")
            var w = "{\"blocked\":{"
            w += blocked.sorted { $0.key < $1.key }.map { "\(JSONObjectWriter.quoted($0.key)):\(JSONObjectWriter.quoted($0.value))" }.joined(separator: ",")
            w += "}}"
            ranked = [Suggestion(personId: p.personId, rank: 1, action: LiftModel.hold, channel: nil, side: nil, score: 1, reason: why, evidence: w, urgent: false)]
        }
        return ranked
    }

    /// Why a guardrail keeps an action from a prospect; nil when it may be suggested.
    func block(_ a: CandidateAction, index: Int, _ p: ProspectNow, stage: Stage, urgent: Bool) -> String? {
        let t = now.millisecondsSinceEpoch
        if let why = p.suppressed[a.name] { return why }
        if !urgent, !a.stages.contains(stage) { return "not for \(stage.rawValue)s" }
        if a.needsEmailConsent, let why = p.emailBlock { return why }
        if let last = p.lastTaken[index], a.cooldownMilliseconds > 0, t - last < a.cooldownMilliseconds {
            return "taken \(Self.ago(t - last)) ago (cooldown \(a.cooldownMilliseconds / 86_400_000) days)"
        }
        if let quiet = a.quietForMilliseconds {
            guard let last = p.lastTouch else { return "never engaged: nothing to re-engage" }
            if t - last < quiet { return "touched \(Self.ago(t - last)) ago (needs \(quiet / 86_400_000) quiet days)" }
        }
        if a.noSalesTouchYet, p.salesTouched { return "sales already touched them" }
        if let limit = settings.contactLimits[a.channel], let n = p.contacts[a.channel], n >= limit.max {
            return "\(a.channel) limit reached (\(n) in \(limit.periodMilliseconds / 86_400_000) days)"
        }
        return nil
    }

    /// The candidate actions the guardrails allow a prospect (by index), in definition order.
    func eligible(_ p: ProspectNow) -> [Int] {
        guard let stage = p.stage, settings.stages.contains(stage), p.state != nil else { return [] }
        return settings.actions.indices.filter { block(settings.actions[$0], index: $0, p, stage: stage, urgent: false) == nil }
    }

    /// The learned lift weighed against the configured prior by the evidence behind it (in log
    /// space, so 2× and 0.5× are equally far from 1): thin evidence leans on the prior, ample
    /// evidence speaks for itself.
    func blend(_ e: LiftModel.Estimate, prior: Double) -> Double {
        guard let lift = e.lift, lift > 0 else { return prior }
        let n = Double(min(e.with.observations, e.without.observations))
        let w = n / (n + settings.priorStrength)
        return exp(w * log(lift) + (1 - w) * log(prior))
    }

    func estimate(_ a: CandidateAction, _ keys: [Int]) -> LiftModel.Estimate? {
        model.estimate(codes: keys, action: a.name, minEvidence: settings.minEvidence, smoothing: settings.smoothing)
    }

    func reason(_ a: CandidateAction, state: ProspectState, target: Stage, estimate e: LiftModel.Estimate?, learned: Bool, lift: Double) -> String {
        let days = settings.horizonMilliseconds / 86_400_000
        guard learned, let e, let level = e.level else {
            let n = e.map { "\($0.with.observations) with, \($0.without.observations) without" } ?? "none"
            return "\(Self.phrase(a.name)): too little history yet (\(n)) — assumed \(Self.number(lift, 2))× from the definitions"
        }
        let raw = e.without.rate > 0 ? e.with.rate / e.without.rate : lift
        return "\(Self.phrase(a.name)): \(state.describe(level: level)) who got \(Self.article(a.name)) reached \(Self.stageName(target)) "
            + "\(Self.number(raw, 1))× as often within \(days) days: \(e.with.converted)/\(e.with.observations) vs "
            + "\(e.without.converted)/\(e.without.observations) without a candidate action"
    }

    func evidence(_ a: CandidateAction, state: ProspectState, target: Stage, estimate e: LiftModel.Estimate?, learned: Bool, lift: Double) -> String {
        var s = "{\"goal\":\(JSONObjectWriter.quoted(target.rawValue)),\"horizon_days\":\(settings.horizonMilliseconds / 86_400_000)"
        s += ",\"state\":{\"stage\":\"\(state.stage.rawValue)\",\"signal\":\"\(state.signal.rawValue)\",\"score_band\":\"\(state.band.rawValue)\""
        s += ",\"fit\":\(state.fit),\"recency\":\"\(state.recency.rawValue)\",\"buying_group\":\(state.buyingGroup)}"
        if let e {
            s += ",\"level\":\(JSONObjectWriter.quoted(ProspectState.levelNames[e.level ?? 0]))"
            s += ",\"with\":{\"observations\":\(e.with.observations),\"converted\":\(e.with.converted)}"
            s += ",\"without\":{\"observations\":\(e.without.observations),\"converted\":\(e.without.converted)}"
            s += ",\"p_with\":\(Self.number(e.withAction, 4)),\"p_without\":\(Self.number(e.withoutAction, 4))"
            if learned, let raw = e.lift { s += ",\"learned_lift\":\(Self.number(raw, 3)),\"prior_lift\":\(Self.number(a.priorLift, 3))" }
        }
        s += ",\"lift\":\(Self.number(lift, 3)),\"prior\":\(!learned),\"value\":\(Self.number(a.value, 3)),\"weight\":\(Self.number(a.weight, 3))}"
        return s
    }

    static func phrase(_ action: String) -> String {
        switch action {
        case "sales_call": return "call"
        case "sales_email": return "sales email"
        case "meeting_request": return "ask for a meeting"
        case "nurture_email": return "nurture email"
        case "webinar_invite": return "invite to a webinar"
        case "content_offer": return "offer content"
        case "event_invite": return "invite to an event"
        case "reengagement_email": return "re-engagement email"
        case "handoff_to_sales": return "hand off to sales"
        default: return action.replacingOccurrences(of: "_", with: " ")
        }
    }

    static func article(_ action: String) -> String {
        switch action {
        case "sales_call": return "a sales call"
        case "sales_email": return "a sales email"
        case "meeting_request": return "a meeting request"
        case "nurture_email": return "a nurture email"
        case "webinar_invite": return "a webinar invite"
        case "content_offer": return "a content offer"
        case "event_invite": return "an event invite"
        case "reengagement_email": return "a re-engagement email"
        case "handoff_to_sales": return "a hand-off to sales"
        default: return "'\(action.replacingOccurrences(of: "_", with: " "))'"
        }
    }

    static func stageName(_ s: Stage) -> String {
        switch s {
        case .mql, .sql: return s.rawValue.uppercased()
        default: return s.rawValue
        }
    }

    static func ago(_ ms: Int64) -> String {
        let h = Double(ms) / 3_600_000
        return h < 48 ? hours(h) : "\(Int(h / 24)) days"
    }

    static func hours(_ h: Double) -> String { h < 1 ? "\(max(1, Int((h * 60).rounded()))) min" : "\(Int(h.rounded(.down))) h" }

    static func round(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }

    /// A JSON number with at most `decimals` decimals.
    static func number(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return "null" }
        let p = pow(10, Double(decimals))
        let r = (x * p).rounded() / p
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : String(r)
    }
}
