import Foundation
public import JourneyModel

/// A lead score with the facts that gave its points.
public struct LeadScore: Sendable, Equatable {
    /// One line of the explanation: `fit` (an ICP criterion that holds) or `engagement` (an
    /// action's touches, decayed to the scoring time).
    public struct Fact: Sendable, Equatable {
        public var kind: String
        public var fact: String
        public var points: Double
    }

    public var score: Double
    public var fit: Double
    public var engagement: Double
    public var facts: [Fact]
}

/// The definitions' fit and score rules applied to one person.
public struct Scorer: Sendable {
    public let definitions: Definitions
    private let titlePatterns: [NSRegularExpression]

    public init(_ definitions: Definitions) {
        self.definitions = definitions
        titlePatterns = definitions.mql.fit.titles.compactMap { try? NSRegularExpression(pattern: $0, options: [.caseInsensitive]) }
    }

    /// The ICP criteria that hold for the person, each with what matched; nil when a criterion
    /// given in the definitions does not hold (the person does not fit).
    public func fit(_ j: JourneyFacts) -> (fits: Bool, matched: [String]) {
        let f = definitions.mql.fit
        var matched: [String] = []
        var fits = true
        // Industry names and SIC codes are two ways to say one criterion: either may match.
        if !f.industries.isEmpty || !f.sicCodes.isEmpty {
            if let industry = j.account?.industry, f.industries.contains(where: { $0.caseInsensitiveCompare(industry) == .orderedSame }) {
                matched.append("industry \(industry)")
            } else if let sic = j.account?.sicCode, SICCode.matches(sic, anyOf: f.sicCodes) {
                matched.append("SIC \(sic)")
            } else { fits = false }
        }
        if let range = f.employees {
            if let n = j.account?.employees, range.contains(Double(n)) { matched.append("\(n) employees") } else { fits = false }
        }
        if let range = f.annualRevenue {
            if let r = j.account?.annualRevenue, range.contains(r) { matched.append("revenue \(Self.format(r))") } else { fits = false }
        }
        if !f.countries.isEmpty {
            if let c = j.country ?? j.account?.country, let code = Country.code(for: c), f.countries.contains(code) {
                matched.append("country \(code)")
            } else { fits = false }
        }

        if !titlePatterns.isEmpty {
            if let title = j.title, titlePatterns.contains(where: { $0.firstMatch(in: title, range: NSRange(title.startIndex..., in: title)) != nil }) {
                matched.append("title \(title)")
            } else { fits = false }
        }
        return (fits, matched)
    }

    /// The score at `time` from the touches up to it.
    public func score(_ j: JourneyFacts, at time: Timestamp) -> LeadScore {
        let s = definitions.score
        var facts: [LeadScore.Fact] = []
        let matched = fit(j).matched
        let fitPoints = Double(matched.count) * s.fitPoints
        if s.fitPoints != 0 { facts += matched.map { LeadScore.Fact(kind: "fit", fact: $0, points: s.fitPoints) } }
        var byAction: [String: (count: Int, points: Double)] = [:]
        for t in j.touches where t.at <= time {
            guard let points = s.actions[t.action] else { continue }
            let age = Double(time.millisecondsSinceEpoch - t.at.millisecondsSinceEpoch)
            let decayed = points * pow(2, -age / Double(s.halfLifeMilliseconds))
            byAction[t.action, default: (0, 0)].count += 1
            byAction[t.action, default: (0, 0)].points += decayed
        }
        var engagement = byAction.values.reduce(0) { $0 + $1.points }
        for (action, v) in byAction.sorted(by: { $0.key < $1.key }) {
            facts.append(LeadScore.Fact(kind: "engagement", fact: "\(action) ×\(v.count)", points: Self.round(v.points)))
        }
        if abs(engagement) > s.engagementCap {
            facts.append(LeadScore.Fact(kind: "cap", fact: "engagement capped at ±\(Self.format(s.engagementCap))",
                                        points: Self.round((engagement < 0 ? -s.engagementCap : s.engagementCap) - engagement)))
            engagement = engagement < 0 ? -s.engagementCap : s.engagementCap
        }
        let total = min(max(fitPoints + engagement, 0), s.max)
        return LeadScore(score: Self.round(total), fit: fitPoints, engagement: Self.round(engagement), facts: facts)
    }

    static func round(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.2f", x)
    }
}
