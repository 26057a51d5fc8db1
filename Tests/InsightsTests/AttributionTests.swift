import Insights
import JourneyModel
import Testing

/// Hand-computed cases for every attribution model (insights.md §1).
@Suite struct AttributionTests {
    static let day: Int64 = 86_400_000

    static func at(_ days: Double) -> Timestamp { Timestamp(millisecondsSinceEpoch: Int64(days * Double(day))) }

    static func touch(
        _ id: String, _ person: String, _ days: Double, _ channel: String, campaign: String? = nil,
        action: String = "email.clicked"
    ) -> AttributionTouch {
        AttributionTouch(id: id, person: person, at: at(days), channel: channel, campaign: campaign, action: action)
    }

    static func conversion(
        _ id: String, person: String?, account: String? = nil, _ days: Double, value: Double = 0,
        opportunityCreated: Double? = nil
    ) -> AttributionConversion {
        AttributionConversion(
            id: id, person: person, account: account, at: at(days), value: value,
            opportunityCreatedAt: opportunityCreated.map(at))
    }

    /// key → (conversions, value) of one model.
    static func credit(_ rows: [AttributionRow], _ model: AttributionModel) -> [String: (Double, Double)] {
        var out: [String: (Double, Double)] = [:]
        for row in rows where row.model == model { out[row.key] = (row.conversions, row.value) }
        return out
    }

    static func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    static func run(_ input: AttributionInput, _ models: [AttributionModel], by: AttributionDimension = .channel,
                    window: Int64 = 90 * day, order: Int = 1) -> [AttributionRow] {
        Attribution.run(input, AttributionParameters(models: models, by: by, windowMilliseconds: window, markovOrder: order))
    }

    /// insights.md §1.6: google_ads ×2 conv + 1 null, mailing 1 conv, google_ads > mailing 1 conv; values: the two
    /// google_ads conversions 100 each (200 on that path), mailing 50, google_ads > mailing 100.
    static let workedExample = AttributionInput(
        touches: [
            touch("t1", "g1", 1, "google_ads"), touch("t2", "g2", 1, "google_ads"), touch("t3", "g3", 1, "google_ads"),
            touch("t4", "m1", 1, "mailing"), touch("t5", "gm", 1, "google_ads"), touch("t6", "gm", 2, "mailing"),
        ],
        conversions: [
            conversion("c1", person: "g1", 3, value: 100), conversion("c2", person: "g2", 3, value: 100),
            conversion("c3", person: "m1", 3, value: 50), conversion("c4", person: "gm", 3, value: 100),
        ])

    @Test func markovWorkedExample() {
        let rows = Self.run(Self.workedExample, [.markov])
        let markov = rows.filter { $0.model == .markov }
        #expect(markov.map(\.key) == ["google_ads", "mailing"])
        #expect(Self.close(markov[0].removalEffect, 0.75))
        #expect(Self.close(markov[1].removalEffect, 0.5))
        #expect(Self.close(markov[0].conversions, 2.4))
        #expect(Self.close(markov[1].conversions, 1.6))
        // Value removal effects 11/14 and 3/7: 350 × 11/17 and 350 × 6/17.
        #expect(Self.close(markov[0].value, 350 * 11 / 17))
        #expect(Self.close(markov[1].value, 350 * 6 / 17))
        #expect(abs(markov[0].value - 226.47) < 0.005 && abs(markov[1].value - 123.53) < 0.005)
    }

    @Test func heuristicsOnTheWorkedExample() {
        let rows = Self.run(Self.workedExample, [.firstTouch, .lastTouch, .linear, .shapley])
        let first = Self.credit(rows, .firstTouch), last = Self.credit(rows, .lastTouch)
        let linear = Self.credit(rows, .linear), shapley = Self.credit(rows, .shapley)
        #expect(first["google_ads"]!.0 == 3 && first["mailing"]!.0 == 1)
        #expect(first["google_ads"]!.1 == 300 && first["mailing"]!.1 == 50)
        #expect(last["google_ads"]!.0 == 2 && last["mailing"]!.0 == 2)
        #expect(last["google_ads"]!.1 == 200 && last["mailing"]!.1 == 150)
        #expect(linear["google_ads"]!.0 == 2.5 && linear["mailing"]!.0 == 1.5)
        #expect(linear["google_ads"]!.1 == 250 && linear["mailing"]!.1 == 100)
        #expect(shapley["google_ads"]!.0 == 2.5 && shapley["mailing"]!.0 == 1.5)
        // Rows come in the order of the models asked for, then by key.
        #expect(rows.map(\.model) == [.firstTouch, .firstTouch, .lastTouch, .lastTouch, .linear, .linear, .shapley, .shapley])
        #expect(rows.allSatisfy { $0.removalEffect == nil })
    }

    /// insights.md §1.5: touches 14 d, 7 d and 0 d before the conversion, half-life 7 d → 1/7, 2/7, 4/7.
    @Test func timeDecayHalvesPerHalfLife() {
        let input = AttributionInput(
            touches: [Self.touch("t1", "p", 1, "a"), Self.touch("t2", "p", 8, "b"), Self.touch("t3", "p", 15, "c")],
            conversions: [Self.conversion("c", person: "p", 15.5, value: 70)])
        // The conversion is half a day after the last touch: Δt is 14.5, 7.5, 0.5 days, the same normalised shares.
        let credit = Self.credit(Self.run(input, [.timeDecay]), .timeDecay)
        #expect(Self.close(credit["a"]!.0, 1.0 / 7) && Self.close(credit["b"]!.0, 2.0 / 7) && Self.close(credit["c"]!.0, 4.0 / 7))
        #expect(Self.close(credit["a"]!.1, 10) && Self.close(credit["b"]!.1, 20) && Self.close(credit["c"]!.1, 40))
        let exact = AttributionInput(
            touches: [Self.touch("t1", "p", 1, "a"), Self.touch("t2", "p", 8, "b"), Self.touch("t3", "p", 15, "c")],
            conversions: [Self.conversion("c", person: "p", 15.0001, value: 7)])
        let credit2 = Self.credit(Self.run(exact, [.timeDecay]), .timeDecay)
        #expect(Self.close(credit2["a"]!.0, 1.0 / 7) && Self.close(credit2["c"]!.0, 4.0 / 7))
    }

    /// insights.md §1.4: 5 touches, FT = t1, LC = t3, OC = t5 → 0.30, 0.05, 0.30, 0.05, 0.30.
    @Test func wShapedMilestones() {
        let touches = (1...5).map { Self.touch("t\($0)", "p", Double($0), "c\($0)") }
        let input = AttributionInput(
            touches: touches, conversions: [Self.conversion("c", person: "p", 6, value: 100, opportunityCreated: 5.5)],
            leadCreatedAt: ["p": Self.at(3)])
        let credit = Self.credit(Self.run(input, [.wShaped]), .wShaped)
        let expected = [0.30, 0.05, 0.30, 0.05, 0.30]
        for (i, share) in expected.enumerated() {
            #expect(Self.close(credit["c\(i + 1)"]!.0, share))
            #expect(Self.close(credit["c\(i + 1)"]!.1, share * 100))
        }
    }

    @Test func wShapedEdgeCases() {
        // No lead time → LC = FT; no opportunity time → OC = last touch: t1 0.6, t2 0.1, t3 0.3.
        let three = AttributionInput(
            touches: (1...3).map { Self.touch("t\($0)", "p", Double($0), "c\($0)") },
            conversions: [Self.conversion("c", person: "p", 4)])
        let c3 = Self.credit(Self.run(three, [.wShaped]), .wShaped)
        #expect(Self.close(c3["c1"]!.0, 0.6) && Self.close(c3["c2"]!.0, 0.1) && Self.close(c3["c3"]!.0, 0.3))
        // Two touches, both milestones, no intermediary: 0.6 / 0.3 scaled to 2/3, 1/3. A lead created before the
        // first touch is LC = FT.
        let two = AttributionInput(
            touches: (1...2).map { Self.touch("t\($0)", "p", Double($0), "c\($0)") },
            conversions: [Self.conversion("c", person: "p", 4)], leadCreatedAt: ["p": Self.at(0)])
        let c2 = Self.credit(Self.run(two, [.wShaped]), .wShaped)
        #expect(Self.close(c2["c1"]!.0, 2.0 / 3) && Self.close(c2["c2"]!.0, 1.0 / 3))
        // An opportunity created before the journey's first touch is OC = FT: t1 0.6 + … here 3 touches, LC at t2.
        let early = AttributionInput(
            touches: (1...3).map { Self.touch("t\($0)", "p", Double($0), "c\($0)") },
            conversions: [Self.conversion("c", person: "p", 4, opportunityCreated: 0.5)], leadCreatedAt: ["p": Self.at(2.5)])
        let ce = Self.credit(Self.run(early, [.wShaped]), .wShaped)
        #expect(Self.close(ce["c1"]!.0, 0.6) && Self.close(ce["c2"]!.0, 0.3) && Self.close(ce["c3"]!.0, 0.1))
        // One touch takes everything.
        let one = AttributionInput(touches: [Self.touch("t1", "p", 1, "x")], conversions: [Self.conversion("c", person: "p", 2)])
        #expect(Self.close(Self.credit(Self.run(one, [.wShaped]), .wShaped)["x"]!.0, 1))
    }

    @Test(arguments: [1, 2, 3, 5]) func positionBased(touches n: Int) {
        let input = AttributionInput(
            touches: (1...n).map { Self.touch("t\($0)", "p", Double($0), "c\($0)") },
            conversions: [Self.conversion("c", person: "p", Double(n + 1), value: 10)])
        let credit = Self.credit(Self.run(input, [.positionBased]), .positionBased)
        let expected: [Double] =
            switch n {
            case 1: [1]
            case 2: [0.5, 0.5]
            default: [0.4] + Array(repeating: 0.2 / Double(n - 2), count: n - 2) + [0.4]
            }
        for (i, share) in expected.enumerated() {
            #expect(Self.close(credit["c\(i + 1)"]!.0, share))
            #expect(Self.close(credit["c\(i + 1)"]!.1, share * 10))
        }
    }

    @Test func linearCountsEveryTouchOfARepeatedChannel() {
        let input = AttributionInput(
            touches: [Self.touch("t1", "p", 1, "a"), Self.touch("t2", "p", 2, "b"), Self.touch("t3", "p", 3, "a")],
            conversions: [Self.conversion("c", person: "p", 4, value: 30)])
        let rows = Self.run(input, [.linear, .shapley])
        let linear = Self.credit(rows, .linear), shapley = Self.credit(rows, .shapley)
        #expect(Self.close(linear["a"]!.0, 2.0 / 3) && Self.close(linear["b"]!.0, 1.0 / 3))
        #expect(Self.close(linear["a"]!.1, 20) && Self.close(linear["b"]!.1, 10))
        // Shapley (Zhao) splits over the distinct channel set {a, b}.
        #expect(shapley["a"]!.0 == 0.5 && shapley["b"]!.0 == 0.5)
    }

    @Test func shapleySumsEachChannelSetsShare() {
        // {a, b} converts 90, {a} converts 10: a = 1/2 + 1, b = 1/2; values a = 45 + 10, b = 45.
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p", 1, "a"), Self.touch("t2", "p", 2, "b"), Self.touch("t3", "p", 3, "a"),
                Self.touch("t4", "q", 1, "a"),
            ],
            conversions: [Self.conversion("c1", person: "p", 4, value: 90), Self.conversion("c2", person: "q", 4, value: 10)])
        let shapley = Self.credit(Self.run(input, [.shapley]), .shapley)
        #expect(shapley["a"]!.0 == 1.5 && shapley["b"]!.0 == 0.5)
        #expect(shapley["a"]!.1 == 55 && shapley["b"]!.1 == 45)
    }

    @Test func windowCutsOldTouches() {
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p", 0, "old"), Self.touch("t2", "p", 30, "edge"), Self.touch("t3", "p", 50, "recent"),
            ],
            conversions: [Self.conversion("c", person: "p", 60)])
        let rows = Self.run(input, [.firstTouch, .linear], window: 30 * Self.day)
        // The touch exactly one window before the conversion is in; older ones are not.
        let first = Self.credit(rows, .firstTouch), linear = Self.credit(rows, .linear)
        #expect(first["edge"]!.0 == 1 && first["old"] == nil)
        #expect(linear["edge"]!.0 == 0.5 && linear["recent"]!.0 == 0.5 && linear["old"] == nil)
    }

    @Test func touchesAtOrAfterTheConversionAreNotInItsJourney() {
        let input = AttributionInput(
            touches: [Self.touch("t1", "p", 1, "before"), Self.touch("t2", "p", 2, "same"), Self.touch("t3", "p", 3, "after")],
            conversions: [Self.conversion("c", person: "p", 2)])
        let rows = Self.run(input, AttributionModel.allCases)
        for model in AttributionModel.allCases {
            // Touches after a person's last conversion belong to no journey, not even a non-converting one.
            #expect(rows.filter { $0.model == model }.map(\.key) == ["before"])
        }
    }

    @Test func anEarlierConversionSplitsJourneys() {
        let touches = [Self.touch("t1", "p", 1, "a"), Self.touch("t2", "p", 3, "b"), Self.touch("t3", "p", 3.5, "c")]
        let conversions = [Self.conversion("c1", person: "p", 2, value: 5), Self.conversion("c2", person: "p", 4, value: 7)]
        let rows = Self.run(AttributionInput(touches: touches, conversions: conversions), [.firstTouch, .linear])
        let first = Self.credit(rows, .firstTouch), linear = Self.credit(rows, .linear)
        #expect(first["a"]! == (1, 5) && first["b"]! == (1, 7) && first["c"]! == (0, 0))
        #expect(linear["a"]! == (1, 5) && linear["b"]! == (0.5, 3.5) && linear["c"]! == (0.5, 3.5))
        // The first conversion, though not counted (before `since`), still ends the journey before it.
        let later = AttributionInput(touches: touches, conversions: conversions, since: Self.at(3))
        let rows2 = Self.run(later, [.firstTouch])
        #expect(rows2.map(\.key) == ["b", "c"])
        #expect(Self.credit(rows2, .firstTouch)["b"]! == (1, 7))
    }

    @Test func anAccountConversionCreditsEveryPersonOfTheAccount() {
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p1", 1, "a"), Self.touch("t2", "p2", 2, "b"), Self.touch("t3", "p1", 3, "c"),
                Self.touch("t4", "outsider", 1.5, "z"),
            ],
            conversions: [Self.conversion("deal", person: nil, account: "acme", 4, value: 300)],
            accountOf: ["p1": "acme", "p2": "acme", "outsider": "other"])
        let rows = Self.run(input, [.firstTouch, .lastTouch, .linear, .markov])
        #expect(Self.credit(rows, .firstTouch)["a"]! == (1, 300))
        #expect(Self.credit(rows, .lastTouch)["c"]! == (1, 300))
        let linear = Self.credit(rows, .linear)
        for key in ["a", "b", "c"] { #expect(Self.close(linear[key]!.0, 1.0 / 3) && Self.close(linear[key]!.1, 100)) }
        #expect(linear["z"] == nil)
        // The outsider never converted: a non-converting journey, read by Markov only.
        let markov = Self.credit(rows, .markov)
        #expect(markov["z"]! == (0, 0))
    }

    @Test func anAccountConversionAlsoEndsItsPersonsJourneys() {
        // p's own conversion at day 5 only gets the touch after the account's conversion at day 2.
        let input = AttributionInput(
            touches: [Self.touch("t1", "p", 1, "a"), Self.touch("t2", "p", 3, "b")],
            conversions: [
                Self.conversion("deal", person: nil, account: "acme", 2), Self.conversion("own", person: "p", 5),
            ],
            accountOf: ["p": "acme"])
        let first = Self.credit(Self.run(input, [.firstTouch]), .firstTouch)
        #expect(first["a"]!.0 == 1 && first["b"]!.0 == 1)
    }

    @Test func nonEngagementConversionAndOpportunityActionsAreNotTouches() {
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p", 1, "delivered", action: "email.delivered"),
                Self.touch("t2", "p", 2, "noshow", action: "webinar.no_show"),
                Self.touch("t3", "p", 3, "opp", action: "opportunity.created"),
                Self.touch("t4", "p", 4, "signup", action: "form.signup"),
                Self.touch("t5", "p", 5, "click", action: "email.clicked"),
                Self.touch("t6", "p", 6, "won", action: "opportunity.won"),
            ],
            conversions: [Self.conversion("c", person: "p", 7)])
        let params = AttributionParameters(models: [.linear], conversionActions: ["opportunity.won", "form.signup"])
        #expect(Attribution.run(input, params).map(\.key) == ["click"])
    }

    @Test func campaignDimension() {
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p", 1, "email", campaign: "spring"), Self.touch("t2", "p", 2, "ads"),
                Self.touch("t3", "p", 3, "ads", campaign: "spring"),
            ],
            conversions: [Self.conversion("c", person: "p", 4, value: 9)])
        let linear = Self.credit(Self.run(input, [.linear], by: .campaign), .linear)
        #expect(Self.close(linear["spring"]!.0, 2.0 / 3) && Self.close(linear["(none)"]!.0, 1.0 / 3))
        #expect(Self.close(linear["spring"]!.1, 6) && Self.close(linear["(none)"]!.1, 3))
        #expect(linear.count == 2)
    }

    @Test func touchlessConversionsGoToNoneUnderEveryModel() {
        let input = AttributionInput(
            touches: [Self.touch("t1", "p", 1, "a")],
            conversions: [
                Self.conversion("c1", person: "p", 2, value: 10),
                Self.conversion("c2", person: "nobody", 2, value: 20),
                Self.conversion("c3", person: nil, account: "empty", 2, value: 30),
                Self.conversion("c4", person: nil, 2, value: 40),
            ])
        let rows = Self.run(input, AttributionModel.allCases)
        for model in AttributionModel.allCases {
            let credit = Self.credit(rows, model)
            #expect(credit.count == 2)
            #expect(Self.close(credit["(none)"]!.0, 3) && Self.close(credit["(none)"]!.1, 90))
            #expect(Self.close(credit["a"]!.0, 1) && Self.close(credit["a"]!.1, 10))
        }
        #expect(rows.first { $0.model == .markov && $0.key == "(none)" }!.removalEffect == nil)
        #expect(Self.close(rows.first { $0.model == .markov && $0.key == "a" }!.removalEffect, 1))
    }

    @Test func sinceAndUntilSelectConversionsAndNonConvertingTouches() {
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p", 1, "a"), Self.touch("t2", "q", 5, "b"), Self.touch("t3", "p", 11, "c"),
                Self.touch("t4", "n", 1, "early"), Self.touch("t5", "n", 6, "inside"), Self.touch("t6", "n", 20, "late"),
            ],
            conversions: [
                Self.conversion("c1", person: "p", 2), Self.conversion("c2", person: "q", 6),
                Self.conversion("c3", person: "p", 12),
            ],
            since: Self.at(3), until: Self.at(12))
        let rows = Self.run(input, [.firstTouch, .markov])
        // c1 is before since, c3 at until (exclusive): only c2 counts.
        #expect(rows.filter { $0.model == .firstTouch }.map(\.key) == ["b"])
        #expect(rows.filter { $0.model == .markov }.map(\.key) == ["b", "inside"])
    }

    /// Markov order 2, by hand. Journeys: a>b>c conv (30), a>b conv (10), a null, b>c null.
    /// States: ab, bc, a (shorter than 2: one state). start→ab 2/4, start→a 1/4, start→bc 1/4; ab→bc 1/2,
    /// ab→conv 1/2; bc→conv 1/2, bc→null 1/2; a→null.
    /// P = 1/2·(1/2 + 1/2·1/2) + 1/4·1/2 = 1/2. Without a (ab, a gone): 1/4·1/2 = 1/8 → RE 3/4. Without b (ab, bc):
    /// 0 → RE 1. Without c (bc): 1/2·1/2 = 1/4 → RE 1/2. Σ = 9/4: credit of 2 → a 2/3, b 8/9, c 4/9.
    /// Value: mean value at last state ab 10, bc 30; visits ab 1/2, bc 1/2 → E = 1/4·10 + 1/4·30 = 10.
    /// Without a: visits bc 1/4 → 3.75, RE 0.625; without b: 0, RE 1; without c: 2.5, RE 0.75. Σ = 2.375 of 40.
    @Test func markovOrderTwo() {
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p1", 1, "a"), Self.touch("t2", "p1", 2, "b"), Self.touch("t3", "p1", 3, "c"),
                Self.touch("t4", "p2", 1, "a"), Self.touch("t5", "p2", 2, "b"),
                Self.touch("t6", "n1", 1, "a"),
                Self.touch("t7", "n2", 1, "b"), Self.touch("t8", "n2", 2, "c"),
            ],
            conversions: [Self.conversion("c1", person: "p1", 4, value: 30), Self.conversion("c2", person: "p2", 4, value: 10)])
        let rows = Self.run(input, [.markov], order: 2)
        #expect(rows.map(\.key) == ["a", "b", "c"])
        #expect(Self.close(rows[0].removalEffect, 0.75) && Self.close(rows[1].removalEffect, 1) && Self.close(rows[2].removalEffect, 0.5))
        #expect(Self.close(rows[0].conversions, 2.0 / 3) && Self.close(rows[1].conversions, 8.0 / 9) && Self.close(rows[2].conversions, 4.0 / 9))
        #expect(Self.close(rows[0].value, 40 * 0.625 / 2.375) && Self.close(rows[1].value, 40 / 2.375))
        #expect(Self.close(rows[2].value, 40 * 0.75 / 2.375))
    }

    /// Consecutive identical states are one visit: a>a>b converting and a null give the chain of a>b and a.
    /// start→a 1; a→b 1/2, a→null 1/2; b→conv. P = 1/2; without a 0 (RE 1), without b 0 (RE 1): 1/2 each.
    @Test func markovCollapsesRepeatedStates() {
        let input = AttributionInput(
            touches: [
                Self.touch("t1", "p", 1, "a"), Self.touch("t2", "p", 2, "a"), Self.touch("t3", "p", 3, "b"),
                Self.touch("t4", "n", 1, "a"),
            ],
            conversions: [Self.conversion("c", person: "p", 4, value: 8)])
        let rows = Self.run(input, [.markov])
        #expect(rows.map(\.key) == ["a", "b"])
        #expect(Self.close(rows[0].removalEffect, 1) && Self.close(rows[1].removalEffect, 1))
        #expect(Self.close(rows[0].conversions, 0.5) && Self.close(rows[1].value, 4))
    }
}
