import Foundation
import JourneyModel

/// What kind of touch an action is, for the next-best-action features.
enum TouchKind {
    /// Not something anyone did (a delivery receipt, a filtered bot open, a no-show, a deal step).
    static func isReceipt(_ action: String) -> Bool {
        action == "email.delivered" || action == "email.open_filtered" || action == "email.click_filtered" || action == "email.dropped"
            || action.hasSuffix(".no_show") || action == "meeting.canceled" || action.hasPrefix("opportunity.")
    }

    /// Something we sent, not something the prospect did.
    static func isOutbound(_ action: String) -> Bool {
        action == "email.sent" || action == "call.outbound" || action == "webinar.invited" || action == "event.invited"
            || action == "content.offered" || action == "campaign.sent" || action == "meeting.scheduled"
    }

    /// Something the prospect did: the signal of interest.
    static func isResponse(_ action: String) -> Bool { !isReceipt(action) && !isOutbound(action) }
}

/// The strongest thing a prospect did lately, strongest first.
public enum RecentSignal: String, Sendable, CaseIterable, Codable {
    case handRaise = "hand_raise", content, event, email, web, none

    /// How a reason says it: "with a recent content download".
    var phrase: String {
        switch self {
        case .handRaise: return "a recent hand-raise"
        case .content: return "a recent content download"
        case .event: return "a recent webinar or event"
        case .email: return "a recent email click or open"
        case .web: return "a recent web visit or form"
        case .none: return "no recent activity"
        }
    }
}

/// Days since the prospect's last touch of any kind, in buckets.
public enum Recency: String, Sendable, CaseIterable, Codable {
    case days0to2 = "0-2d", days3to7 = "3-7d", days8to30 = "8-30d", days31to60 = "31-60d", over60 = "60d+", never

    init(sinceLast milliseconds: Int64?) {
        guard let ms = milliseconds else { self = .never; return }
        switch ms / 86_400_000 {
        case ..<3: self = .days0to2
        case ..<8: self = .days3to7
        case ..<31: self = .days8to30
        case ..<61: self = .days31to60
        default: self = .over60
        }
    }
}

/// The lead score relative to the MQL threshold.
public enum ScoreBand: String, Sendable, CaseIterable, Codable {
    case low, mid, high

    init(score: Double, threshold: Double) {
        self = score >= threshold ? .high : score >= threshold / 2 ? .mid : .low
    }
}

/// A prospect's situation at one moment, in the few coarse features the lift model learns on.
/// Coarse on purpose: each combination needs enough history behind it.
public struct ProspectState: Sendable, Hashable, Codable {
    public var stage: Stage
    public var signal: RecentSignal
    public var band: ScoreBand
    public var fit: Bool
    public var recency: Recency
    /// At least two people of the prospect's account engaged in the last 30 days (a buying group).
    public var buyingGroup: Bool

    /// The state at each level of detail, coarsest first (level 0 is everyone), as compact
    /// codes the model counts under (see `StateKey`).
    var codes: [Int] {
        var all: [Int] = []
        all.reserveCapacity(5)
        forEachCode { all.append($0) }
        return all
    }

    /// The codes one by one, without an array: learning counts every weekly snapshot of every
    /// prospect under them.
    func forEachCode(_ body: (Int) -> Void) {
        let stage = StateKey.field(Stage.allCases.firstIndex(of: self.stage)!, 8)
        let signal = StateKey.field(RecentSignal.allCases.firstIndex(of: self.signal)!, 12)
        let band = StateKey.field(ScoreBand.allCases.firstIndex(of: self.band)!, 15)
        let fit = StateKey.field(self.fit ? 1 : 0, 17)
        let recency = StateKey.field(Recency.allCases.firstIndex(of: self.recency)!, 19)
        let group = StateKey.field(buyingGroup ? 1 : 0, 22)
        body(0)
        body(1 | stage)
        body(2 | stage | signal)
        body(3 | stage | signal | band | fit)
        body(4 | stage | signal | band | fit | recency | group)
    }

    /// The same as text, as `next_action_model.state` shows them: `*`, `mql`, `mql|content`, …
    var keys: [String] { codes.map(StateKey.name) }

    /// Who the state at a level describes, for reasons: "MQLs with a recent content download".
    func describe(level: Int) -> String {
        guard level > 0 else { return "Prospects" }
        var text = Self.plural(stage)
        if level >= 2 { text += " with \(signal.phrase)" }
        if level >= 3 { text += ", \(band.rawValue) score, \(fit ? "ICP fit" : "no ICP fit")" }
        if level >= 4 {
            text += ", last touched \(recency == .never ? "never" : recency.rawValue.replacingOccurrences(of: "d", with: " days") + " ago")"
            text += buyingGroup ? ", buying group active" : ", one contact engaged"
        }
        return text
    }

    static func plural(_ stage: Stage) -> String {
        switch stage {
        case .subscriber: return "Subscribers"
        case .lead: return "Leads"
        case .mql: return "MQLs"
        case .sql: return "SQLs"
        case .opportunity: return "Prospects with an open opportunity"
        case .customer: return "Customers"
        case .disqualified: return "Disqualified prospects"
        case .recycled: return "Recycled leads"
        }
    }

    static let levelNames = ["everyone", "stage", "stage+signal", "stage+signal+score+fit", "full state"]
}

extension StageEngine {
    /// The stage a derived history puts the person in at `time` (entries after it not yet
    /// reached): the furthest funnel stage, or a later exit (disqualified, recycled).
    ///
    /// One pass without intermediate arrays: learning asks this at every weekly snapshot of every
    /// prospect. Ties keep the first entry, as `max(by:)` does.
    static func stage(at time: Timestamp, history: [StageEntry]) -> Stage? {
        var furthest: StageEntry?, exit: StageEntry?
        for e in history where e.at <= time {
            if Stage.funnel.contains(e.stage) {
                if furthest.map({ $0.stage < e.stage }) ?? true { furthest = e }
            } else if exit.map({ ($0.at, $0.stage) < (e.at, e.stage) }) ?? true {
                exit = e
            }
        }
        var stage = furthest?.stage
        if let exit, furthest.map({ exit.at >= $0.at }) ?? true { stage = exit.stage }
        return stage
    }

    /// When the person first reached `target` or a later funnel stage after `start`, up to `end`.
    static func reached(_ target: Stage, after start: Timestamp, upTo end: Timestamp, history: [StageEntry]) -> Timestamp? {
        var first: Timestamp?
        for e in history where Stage.funnel.contains(e.stage) && e.stage >= target && e.at > start && e.at <= end {
            if first.map({ e.at < $0 }) ?? true { first = e.at }
        }
        return first
    }
}

/// A state at one level of detail as one integer: the level in the low bits, then each feature
/// that level includes as (its position + 1) in a few bits of its own, so a code is cheap to
/// hash and stable across runs. `name` and `code(of:)` convert to and from the text form the
/// model table holds.
enum StateKey {
    static func field(_ position: Int, _ shift: Int) -> Int { (position + 1) << shift }

    static func level(_ code: Int) -> Int { code & 0xFF }

    private static func part<T: CaseIterable>(_ code: Int, _ shift: Int, _ bits: Int, _ type: T.Type) -> T? {
        let v = (code >> shift) & ((1 << bits) - 1)
        guard v > 0 else { return nil }
        let all = Array(T.allCases)
        return v - 1 < all.count ? all[v - 1] : nil
    }

    static func name(_ code: Int) -> String {
        guard level(code) > 0 else { return "*" }
        var parts: [String] = []
        if let s = part(code, 8, 4, Stage.self) { parts.append(s.rawValue) }
        if let s = part(code, 12, 3, RecentSignal.self) { parts.append(s.rawValue) }
        if let b = part(code, 15, 2, ScoreBand.self) { parts.append(b.rawValue) }
        if (code >> 17) & 3 > 0 { parts.append((code >> 17) & 3 == 2 ? "fit" : "no_fit") }
        if let r = part(code, 19, 3, Recency.self) { parts.append(r.rawValue) }
        if (code >> 22) & 3 > 0 { parts.append((code >> 22) & 3 == 2 ? "group" : "single") }
        return parts.joined(separator: "|")
    }

    static func code(of name: String) -> Int? {
        if name == "*" { return 0 }
        let p = name.split(separator: "|").map(String.init)
        func index<T: CaseIterable & RawRepresentable>(_ type: T.Type, _ raw: String) -> Int? where T.RawValue == String {
            Array(T.allCases).firstIndex { $0.rawValue == raw }
        }
        guard [1, 2, 4, 6].contains(p.count), let stage = index(Stage.self, p[0]) else { return nil }
        var code = field(stage, 8)
        if p.count >= 2 { guard let s = index(RecentSignal.self, p[1]) else { return nil }; code |= field(s, 12) }
        if p.count >= 4 {
            guard let b = index(ScoreBand.self, p[2]), ["fit", "no_fit"].contains(p[3]) else { return nil }
            code |= field(b, 15) | field(p[3] == "fit" ? 1 : 0, 17)
        }
        if p.count == 6 {
            guard let r = index(Recency.self, p[4]), ["group", "single"].contains(p[5]) else { return nil }
            code |= field(r, 19) | field(p[5] == "group" ? 1 : 0, 22)
        }
        return code | [1: 1, 2: 2, 4: 3, 6: 4][p.count]!
    }
}
