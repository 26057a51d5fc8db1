import Foundation
public import JourneyModel

/// One entry of a person's stage history: when the stage was first reached, by which rule, and
/// the touchpoint that caused it (when one did).
public struct StageEntry: Sendable, Equatable {
    public var stage: Stage
    public var at: Timestamp
    /// The rule that fired: `created`, `vendor_stage`, `form`, `hand_raise`, `fit_and_activity`,
    /// `fit_and_score`, `sales_accepted`, `opportunity_created`, `opportunity_won`.
    public var rule: String
    public var touchpoint: String?
    /// The rule in words, for people.
    public var reason: String
}

/// What the definitions make of one person.
public struct PersonInsights: Sendable, Equatable {
    public var personId: String
    /// Each stage at most once, at its first entry, in time order.
    public var history: [StageEntry]
    public var stage: Stage?
    public var score: LeadScore
    public var followUp: FollowUp?
}

/// Applies the shared definitions to one person's journey. Pure: the same journey, definitions
/// and time always give the same result, so incremental derives equal a full recompute.
///
/// Stages are reached, not left: each funnel stage enters the history once, at the first time a
/// rule says so, and a later stage does not fill in earlier ones it skipped (the funnel report
/// says which counting it uses). `disqualified` and `recycled` come from vendor statuses; the
/// current stage is the latest entry, a later funnel stage taking over from them.
public struct StageEngine: Sendable {
    public let definitions: Definitions
    let scorer: Scorer
    let clock: FollowUpClock
    let handRaiseForm: NSRegularExpression?

    public init(_ definitions: Definitions) {
        self.definitions = definitions
        scorer = Scorer(definitions)
        clock = FollowUpClock(definitions.sla)
        handRaiseForm = try? NSRegularExpression(pattern: definitions.mql.handRaiseForms, options: [.caseInsensitive])
    }

    /// Whether a touch is a hand-raise, and how to say so.
    public func handRaise(_ t: JourneyTouch) -> String? {
        if definitions.mql.handRaiseActions.contains(t.action) { return "hand-raise: \(t.action)" }
        if t.action == TouchpointAction.formSubmitted.rawValue, let pattern = handRaiseForm {
            for text in [t.content, t.campaign].compactMap({ $0 })
            where pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
                return "hand-raise: form '\(text)'"
            }
        }
        return nil
    }

    public func derive(_ j: JourneyFacts, now: Timestamp) -> PersonInsights {
        var first: [Stage: StageEntry] = [:]
        func offer(_ stage: Stage, _ at: Timestamp?, _ rule: String, _ touchpoint: String?, _ reason: String) {
            guard let at else { return }
            if let known = first[stage], (known.at, known.rule) <= (at, rule) { return }
            first[stage] = StageEntry(stage: stage, at: at, rule: rule, touchpoint: touchpoint, reason: reason)
        }
        let start = j.createdAt ?? j.touches.first?.at
        var vendorSubscriber = false
        for v in j.vendorStages {
            guard let stage = definitions.stages.stage(for: v.value) else { continue }
            if stage == .subscriber { vendorSubscriber = true }
            offer(stage, v.at ?? start, "vendor_stage", nil, "\(v.value) in \(v.recordKey)")
        }
        if vendorSubscriber {
            offer(.subscriber, start, "vendor_stage", nil, "subscriber until a form or a hand-raise")
            if let form = j.touches.first(where: { $0.action == TouchpointAction.formSubmitted.rawValue || handRaise($0) != nil }) {
                offer(.lead, form.at, "form", form.id, "\(form.action) \(form.content ?? form.campaign ?? "")".trimmingCharacters(in: .whitespaces))
            }
        } else {
            offer(.lead, start, "created", nil, "known since its first record or touch")
        }

        // MQL: the first touch after which fit and engagement hold, or a hand-raise. The score is
        // carried forward touch by touch (decay is multiplicative), not recomputed from scratch.
        let fit = scorer.fit(j)
        let s = definitions.score
        let fitPoints = Double(fit.matched.count) * s.fitPoints
        var engagement = 0.0
        var last: Timestamp?
        for t in j.touches {
            if let last {
                engagement *= pow(2, -Double(t.at.millisecondsSinceEpoch - last.millisecondsSinceEpoch) / Double(s.halfLifeMilliseconds))
            }
            last = t.at
            engagement += s.actions[t.action] ?? 0
            if let why = handRaise(t) {
                offer(.mql, t.at, "hand_raise", t.id, why)
                break
            }
            guard fit.fits else { continue }
            if definitions.mql.qualifyingActions.contains(t.action) {
                offer(.mql, t.at, "fit_and_activity", t.id, "fit (\(fitText(fit.matched))) and \(t.action)")
                break
            }
            let capped = min(max(engagement, -s.engagementCap), s.engagementCap)
            let score = min(max(fitPoints + capped, 0), s.max)
            if score >= definitions.mql.scoreThreshold {
                offer(.mql, t.at, "fit_and_score", t.id,
                      "fit (\(fitText(fit.matched))) and score \(Scorer.format(Scorer.round(score))) ≥ \(Scorer.format(definitions.mql.scoreThreshold))")
                break
            }
        }

        // SQL: the first sales touch by an owner at or after the MQL (not the hand-raise itself).
        if let mql = first[.mql] {
            if let accepted = clock.salesTouches(after: mql, in: j.touches).first(where: { ($0.owner ?? j.owner) != nil }) {
                offer(.sql, accepted.at, "sales_accepted", accepted.id, "\(accepted.action) by \(accepted.owner ?? j.owner ?? "")")
            }
        }
        // An account's deals reach the persons known when they happened, not those who joined later.
        for o in j.opportunities where start.map({ o.at >= $0 }) ?? true {
            switch o.kind {
            case .created: offer(.opportunity, o.at, "opportunity_created", o.touchpoint, "opportunity \(o.opportunity ?? "") created")
            case .won: offer(.customer, o.at, "opportunity_won", o.touchpoint, "opportunity \(o.opportunity ?? "") won")
            case .lost: break
            }
        }

        let history = first.values.sorted { ($0.at, $0.stage) < ($1.at, $1.stage) }
        let furthest = history.filter { Stage.funnel.contains($0.stage) }.max { $0.stage < $1.stage }
        let exit = history.filter { !Stage.funnel.contains($0.stage) }.max { ($0.at, $0.stage) < ($1.at, $1.stage) }
        var stage = furthest?.stage
        if let exit, furthest.map({ exit.at >= $0.at }) ?? true { stage = exit.stage }
        let followUp = first[.mql].map { clock.followUp(mql: $0, touches: j.touches, owner: j.owner, now: now) }
        return PersonInsights(
            personId: j.personId, history: history, stage: stage, score: scorer.score(j, at: now), followUp: followUp)
    }

    private func fitText(_ matched: [String]) -> String {
        matched.isEmpty ? "no ICP criteria set" : matched.joined(separator: ", ")
    }
}
