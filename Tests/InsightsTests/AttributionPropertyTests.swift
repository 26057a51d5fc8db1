@testable import Insights
import JourneyModel
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator, so every run sees the same inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Seeded random inputs: every model conserves conversions and value, credits only touched keys, and ignores the
/// order of the input arrays.
@Suite struct AttributionPropertyTests {
    static let hour: Int64 = 3_600_000
    static let channels = ["ads", "email", "events", "organic", "social", "webinar"]
    static let campaigns: [String?] = ["spring", "summer", "launch", nil]
    static let actions = [
        "email.clicked", "email.clicked", "form.submitted", "ads.click", "email.delivered", "webinar.no_show",
        "opportunity.created", "opportunity.won", "meeting.booked",
    ]

    struct Case {
        var input: AttributionInput
        var parameters: AttributionParameters
    }

    static func randomCase(_ rng: inout SplitMix64) -> Case {
        let personCount = 1 + rng.below(10)
        let persons = (0..<personCount).map { "p\($0)" }
        var accountOf: [String: String] = [:]
        for p in persons where rng.below(3) > 0 { accountOf[p] = "acct\(rng.below(3))" }
        var leadCreatedAt: [String: Timestamp] = [:]
        for p in persons where rng.below(2) == 0 {
            leadCreatedAt[p] = Timestamp(millisecondsSinceEpoch: Int64(rng.below(24 * 60)) * hour)
        }
        // Times on a coarse grid (hours over 60 days) so that ties in time happen.
        func time() -> Timestamp { Timestamp(millisecondsSinceEpoch: Int64(rng.below(24 * 60)) * hour) }
        var touches: [AttributionTouch] = []
        for i in 0..<rng.below(60) {
            let channel = channels[rng.below(rng.below(2) == 0 ? 3 : channels.count)]
            touches.append(
                AttributionTouch(
                    id: "t\(i)", person: persons[rng.below(personCount)], at: time(), channel: channel,
                    campaign: campaigns[rng.below(campaigns.count)], action: actions[rng.below(actions.count)]))
        }
        var conversions: [AttributionConversion] = []
        for i in 0..<rng.below(9) {
            let byAccount = rng.below(4) == 0
            let at = time()
            conversions.append(
                AttributionConversion(
                    id: "c\(i)", person: byAccount ? nil : "p\(rng.below(personCount + 1))",  // p<n> may have no touch
                    account: byAccount ? (rng.below(5) == 0 ? nil : "acct\(rng.below(4))") : accountOf["p0"],
                    at: at, value: rng.below(3) == 0 ? 0 : Double(rng.below(100_000)) / 100,
                    opportunityCreatedAt: rng.below(2) == 0
                        ? Timestamp(millisecondsSinceEpoch: at.millisecondsSinceEpoch - Int64(rng.below(24 * 30)) * hour) : nil))
        }
        let since = rng.below(3) == 0 ? Timestamp(millisecondsSinceEpoch: Int64(rng.below(24 * 20)) * hour) : nil
        let until = rng.below(3) == 0 ? Timestamp(millisecondsSinceEpoch: Int64(24 * 30 + rng.below(24 * 40)) * hour) : nil
        let parameters = AttributionParameters(
            by: rng.below(3) == 0 ? .campaign : .channel, windowMilliseconds: Int64(24 + rng.below(60 * 24)) * hour,
            halfLifeMilliseconds: Int64(1 + rng.below(24 * 14)) * hour, markovOrder: 1 + rng.below(3))
        return Case(
            input: AttributionInput(
                touches: touches, conversions: conversions, accountOf: accountOf, leadCreatedAt: leadCreatedAt,
                since: since, until: until),
            parameters: parameters)
    }

    static func counted(_ c: Case) -> (conversions: Double, value: Double) {
        var n = 0.0, v = 0.0
        for conversion in c.input.conversions {
            if let since = c.input.since, conversion.at < since { continue }
            if let until = c.input.until, conversion.at >= until { continue }
            n += 1
            v += conversion.value
        }
        return (n, v)
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    @Test func everyModelConservesCreditsOnlyTouchedKeysAndIgnoresInputOrder() {
        var rng = SplitMix64(state: 14)
        var withTouchedCredit = 0, withMarkovChain = 0
        for _ in 0..<200 {
            let c = Self.randomCase(&rng)
            let rows = Attribution.run(c.input, c.parameters)
            if rows.contains(where: { $0.key != "(none)" && $0.conversions > 0 }) { withTouchedCredit += 1 }
            if rows.filter({ $0.model == .markov && $0.removalEffect != nil }).count >= 2 { withMarkovChain += 1 }
            let (conversions, value) = Self.counted(c)
            let touchedKeys = Set(
                c.input.touches.filter { Journeys.isTouch($0.action, conversionActions: c.parameters.conversionActions) }.map {
                    c.parameters.by == .campaign ? ($0.campaign ?? "(none)") : $0.channel
                })
            for model in c.parameters.models {
                let mine = rows.filter { $0.model == model }
                #expect(Self.close(mine.reduce(0) { $0 + $1.conversions }, conversions), "\(model) conversions")
                #expect(Self.close(mine.reduce(0) { $0 + $1.value }, value), "\(model) value")
                #expect(mine.map(\.key) == mine.map(\.key).sorted())
                for row in mine {
                    #expect(touchedKeys.contains(row.key) || row.key == "(none)", "\(model) credits \(row.key)")
                    #expect(row.conversions.isFinite && row.conversions >= 0 && row.value.isFinite && row.value >= 0)
                    if model != .markov { #expect(row.removalEffect == nil) }
                    if model == .markov && row.key != "(none)" { #expect(row.removalEffect != nil) }
                }
            }
            #expect(rows.map(\.model) == rows.map(\.model).sorted { a, b in
                c.parameters.models.firstIndex(of: a)! < c.parameters.models.firstIndex(of: b)!
            })

            var shuffled = c.input
            shuffled.touches.shuffle(using: &rng)
            shuffled.conversions.shuffle(using: &rng)
            let again = Attribution.run(shuffled, c.parameters)
            #expect(again.count == rows.count)
            for (a, b) in zip(rows, again) {
                #expect(a.model == b.model && a.key == b.key)
                #expect(Self.close(a.conversions, b.conversions) && Self.close(a.value, b.value))
                #expect(a.removalEffect.map { ra in b.removalEffect.map { Self.close(ra, $0) } ?? false } ?? (b.removalEffect == nil))
            }
        }
        // The generator really makes journeys to credit, not only touchless conversions.
        #expect(withTouchedCredit > 90 && withMarkovChain > 50, "\(withTouchedCredit) \(withMarkovChain)")
    }

    /// The Gauss–Seidel path (used for large chains) agrees with dense elimination on the same chains.
    @Test func iterativeMarkovSolverAgreesWithDenseElimination() {
        var rng = SplitMix64(state: 41)
        for _ in 0..<100 {
            let c = Self.randomCase(&rng)
            let journeys = Journeys(c.input, c.parameters)
            let dense = Attribution.markov(journeys, order: c.parameters.markovOrder, solver: .dense)
            let iterative = Attribution.markov(journeys, order: c.parameters.markovOrder, solver: .iterative)
            for k in journeys.keys.indices {
                #expect(abs(dense.conversions[k] - iterative.conversions[k]) <= 1e-9)
                #expect(abs(dense.value[k] - iterative.value[k]) <= 1e-9 * max(1, dense.value[k]))
            }
        }
    }
}
