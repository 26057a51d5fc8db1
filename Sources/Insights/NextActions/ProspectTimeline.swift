import Foundation
import JourneyModel

/// One person's journey as the next-best-action engine reads it: which candidate actions each
/// touch shows (a touch may show several: a first sales call is a sales call and a hand-off),
/// and the person's state, stage and follow-up at any moment of their history.
struct ProspectTimeline {
    let facts: JourneyFacts
    let insights: PersonInsights
    /// Per touch, a bit per candidate action it shows.
    let shows: [UInt64]
    let definitions: Definitions
    let engine: StageEngine
    /// The person's ICP fit (read once: it does not change over the history).
    let fits: Bool
    let fitPoints: Double
    /// Per touch, its time and the score points its action is worth (nil: none), read once:
    /// the model learns from a score at every snapshot of the history.
    let times: [Int64]
    let points: [Double?]

    static let signalWindow: Int64 = 14 * 86_400_000

    init(facts: JourneyFacts, insights: PersonInsights, definitions: Definitions, engine: StageEngine) {
        self.facts = facts
        self.insights = insights
        self.definitions = definitions
        self.engine = engine
        let fit = engine.scorer.fit(facts)
        fits = fit.fits
        fitPoints = Double(fit.matched.count) * definitions.score.fitPoints
        var shows: [UInt64] = []
        shows.reserveCapacity(facts.touches.count)
        var lastTouch: Int64?
        var salesTouched = false
        let actions = definitions.nextActions.actions
        for t in facts.touches {
            var mask: UInt64 = 0
            let at = t.at.millisecondsSinceEpoch
            for (i, action) in actions.enumerated() where i < 64 {
                for taken in action.takenAs {
                    let hit: Bool
                    switch taken {
                    case .firstSalesTouch:
                        hit = t.side == Side.sales.rawValue && !salesTouched && !TouchKind.isReceipt(t.action)
                    case .touch(let name, let side, let quiet):
                        hit = t.action == name && (side.map { $0.rawValue == t.side } ?? true)
                            && (quiet.map { q in lastTouch.map { at - $0 >= q } ?? true } ?? true)
                    }
                    if hit { mask |= 1 << UInt64(i); break }
                }
            }
            shows.append(mask)
            if !TouchKind.isReceipt(t.action) {
                lastTouch = at
                if t.side == Side.sales.rawValue { salesTouched = true }
            }
        }
        self.shows = shows
        times = facts.touches.map(\.at.millisecondsSinceEpoch)
        points = facts.touches.map { definitions.score.actions[$0.action] }
    }

    /// Index of the first touch after `time` (touches are in time order).
    func firstIndex(after time: Int64) -> Int {
        var lo = 0, hi = times.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if times[mid] <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The person's state at `time`, from what happened up to it.
    func state(at time: Timestamp, stage: Stage, buyingGroup: Bool) -> ProspectState {
        let t = time.millisecondsSinceEpoch
        let end = firstIndex(after: t)
        var signal = RecentSignal.none
        var last: Int64?
        var i = end - 1
        while i >= 0 {
            let touch = facts.touches[i]
            let at = touch.at.millisecondsSinceEpoch
            if !TouchKind.isReceipt(touch.action), last == nil { last = at }
            if t - at > Self.signalWindow { break }
            if TouchKind.isResponse(touch.action) {
                let s = Self.signal(touch, engine)
                if RecentSignal.allCases.firstIndex(of: s)! < RecentSignal.allCases.firstIndex(of: signal)! { signal = s }
            }
            i -= 1
        }
        if last == nil {
            while i >= 0 {
                if !TouchKind.isReceipt(facts.touches[i].action) { last = facts.touches[i].at.millisecondsSinceEpoch; break }
                i -= 1
            }
        }
        return ProspectState(
            stage: stage, signal: signal, band: ScoreBand(score: score(at: t, upTo: end), threshold: definitions.mql.scoreThreshold),
            fit: fits, recency: Recency(sinceLast: last.map { t - $0 }), buyingGroup: buyingGroup)
    }

    /// The lead score at `time` (touches before index `end`), as `Scorer.score` computes it.
    func score(at time: Int64, upTo end: Int) -> Double {
        let s = definitions.score
        var engagement = 0.0
        for i in 0..<end {
            guard let points = points[i] else { continue }
            engagement += points * pow(2, -Double(time - times[i]) / Double(s.halfLifeMilliseconds))
        }
        engagement = min(max(engagement, -s.engagementCap), s.engagementCap)
        return min(max(fitPoints + engagement, 0), s.max)
    }

    static func signal(_ t: JourneyTouch, _ engine: StageEngine) -> RecentSignal {
        if engine.handRaise(t) != nil { return .handRaise }
        let a = t.action
        if a.hasPrefix("content.") { return .content }
        if a.hasPrefix("webinar.") || a.hasPrefix("event.") { return .event }
        if a == "email.opened" || a == "email.clicked" { return .email }
        if a.hasPrefix("web.") || a == TouchpointAction.formSubmitted.rawValue { return .web }
        return .none
    }

    /// The first touch in (start, end] showing any candidate action: its index, or nil.
    func firstCandidateTouch(after start: Int64, upTo end: Int64) -> Int? {
        var i = firstIndex(after: start)
        while i < times.count, times[i] <= end {
            if shows[i] != 0 { return i }
            i += 1
        }
        return nil
    }
}

extension ProspectTimeline {
    /// The prospect at `time` (the facts and insights must be as of that time).
    func prospect(at time: Timestamp, buyingGroup: Bool) -> ProspectNow {
        let t = time.millisecondsSinceEpoch
        let settings = definitions.nextActions
        let end = firstIndex(after: t)
        let stage = StageEngine.stage(at: time, history: insights.history)
        var lastTaken = [Int64?](repeating: nil, count: settings.actions.count)
        var contacts: [String: Int] = [:]
        var lastTouch: Int64?
        var salesTouched = false
        var unsubscribed: Timestamp?
        var bounced: Timestamp?
        var handRaise: HandRaise?
        for i in 0..<end {
            let touch = facts.touches[i]
            let at = touch.at.millisecondsSinceEpoch
            var bits = shows[i]
            while bits != 0 {
                let b = bits.trailingZeroBitCount
                if b < lastTaken.count { lastTaken[b] = at }
                bits &= bits - 1
            }
            for (channel, limit) in settings.contactLimits where limit.actions.contains(touch.action) && t - at < limit.periodMilliseconds {
                contacts[channel, default: 0] += 1
            }
            if !TouchKind.isReceipt(touch.action) {
                lastTouch = at
                if touch.side == Side.sales.rawValue { salesTouched = true }
            }
            switch touch.action {
            case "email.unsubscribed", "email.spam_reported": unsubscribed = touch.at
            case "email.bounced": bounced = touch.at
            case "email.opened", "email.clicked", "email.delivered": bounced = nil
            default: break
            }
            // The hand-raise itself (an inbound call is a sales-side phone touch) does not answer it.
            if let what = engine.handRaise(touch) {
                handRaise = t - at <= Self.signalWindow ? HandRaise(at: at, what: what.replacingOccurrences(of: "hand-raise: ", with: "")) : nil
            } else if handRaise != nil, engine.clock.answers(touch) {
                handRaise = nil
            }
        }
        var emailBlock: String?
        if facts.email == nil {
            emailBlock = "no email address"
        } else if let optOut = facts.emailOptOutAt, optOut <= time {
            emailBlock = "opted out of email"
        } else if let u = unsubscribed {
            emailBlock = "unsubscribed \(u.iso8601.prefix(10))"
        } else if let b = bounced {
            emailBlock = "email bounced \(b.iso8601.prefix(10))"
        } else if settings.requireEmailConsent, facts.consentEmail != true {
            emailBlock = "no email consent on record"
        }
        let state = stage.map { self.state(at: time, stage: $0, buyingGroup: buyingGroup) }
        return ProspectNow(
            personId: facts.personId, owner: facts.owner, stage: stage, state: state, emailBlock: emailBlock, lastTaken: lastTaken,
            contacts: contacts, lastTouch: lastTouch, salesTouched: salesTouched, openHandRaise: handRaise,
            followUp: insights.followUp, holdout: Self.inHoldout(facts.personId, share: settings.holdout))
    }

    /// A stable draw per person: the same prospects stay in the holdout from run to run.
    static func inHoldout(_ personId: String, share: Double) -> Bool {
        guard share > 0 else { return false }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "holdout:\(personId)".utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return Double(h % 1_000_000) / 1_000_000 < share
    }
}
