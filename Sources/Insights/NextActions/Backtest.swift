import Foundation
public import JourneyModel

/// How one strategy's suggestions fared against what prospects actually went through.
public struct StrategyResult: Sendable, Equatable {
    public var strategy: String
    public var prospects = 0
    /// Prospects whose first candidate-action touch in the horizon was the strategy's top
    /// suggestion (for `hold`: who got no candidate action).
    public var followed = 0
    public var convertedFollowed = 0
    public var notFollowed = 0
    public var convertedNotFollowed = 0
    /// Of the prospects who reached the goal after a candidate action: the share whose action
    /// was among the strategy's top k.
    public var precisionAtK: Double?
    /// Share of prospects the strategy suggests an action to (not `hold`).
    public var coverage: Double?

    mutating func count(followed isFollowed: Bool, converted: Bool) {
        prospects += 1
        if isFollowed {
            followed += 1
            if converted { convertedFollowed += 1 }
        } else {
            notFollowed += 1
            if converted { convertedNotFollowed += 1 }
        }
    }

    public var rateFollowed: Double? { followed == 0 ? nil : Double(convertedFollowed) / Double(followed) }
    public var rateNotFollowed: Double? { notFollowed == 0 ? nil : Double(convertedNotFollowed) / Double(notFollowed) }
    public var lift: Double? {
        guard let f = rateFollowed, let n = rateNotFollowed, n > 0 else { return nil }
        return f / n
    }

    /// The 95 % interval of the lift (a ratio of two proportions; Katz's log method, with half a
    /// count added to every cell when one is empty).
    public var liftInterval: (low: Double, high: Double)? {
        guard followed > 0, notFollowed > 0 else { return nil }
        var a = Double(convertedFollowed), n1 = Double(followed), c = Double(convertedNotFollowed), n2 = Double(notFollowed)
        if a == 0 || c == 0 || a == n1 || c == n2 { a += 0.5; c += 0.5; n1 += 1; n2 += 1 }
        let ratio = (a / n1) / (c / n2)
        let se = (1 / a - 1 / n1 + 1 / c - 1 / n2).squareRoot()
        return (exp(log(ratio) - 1.96 * se), exp(log(ratio) + 1.96 * se))
    }

    var json: String {
        func n(_ x: Double?, _ d: Int = 4) -> String { x.map { NextActionEngine.number($0, d) } ?? "null" }
        var w = JSONObjectWriter()
        w.add("strategy", strategy)
        for (k, v) in [("prospects", prospects), ("followed", followed), ("converted_followed", convertedFollowed)] { w.addRaw(k, json: String(v)) }
        w.addRaw("rate_followed", json: n(rateFollowed))
        w.addRaw("not_followed", json: String(notFollowed))
        w.addRaw("converted_not_followed", json: String(convertedNotFollowed))
        w.addRaw("rate_not_followed", json: n(rateNotFollowed))
        w.addRaw("lift", json: n(lift))
        w.addRaw("lift_ci_low", json: n(liftInterval?.low))
        w.addRaw("lift_ci_high", json: n(liftInterval?.high))
        w.addRaw("precision_at_k", json: n(precisionAtK))
        w.addRaw("coverage", json: n(coverage))
        return w.finish()
    }
}

/// What the model learned for one action in one state (for the report: the effects it found).
public struct LearnedEffect: Sendable, Equatable {
    public var state: String
    public var action: String
    public var with: OutcomeCount
    public var without: OutcomeCount
    public var lift: Double?
}

/// The backtest's answer: per strategy, how prospects who followed it converted against those
/// who did not.
public struct BacktestReport: Sendable {
    public var asOf: Timestamp
    public var horizonDays: Int
    public var goal: String
    public var k: Int
    public var prospects: Int
    public var strategies: [StrategyResult]
    /// The same per stage the prospects stood in (without precision and coverage): where a
    /// strategy helps and where it does not.
    public var byStage: [(stage: Stage, strategies: [StrategyResult])]
    /// The model's effects at the stage and stage+signal levels with enough evidence.
    public var learned: [LearnedEffect]

    public var json: String {
        var s = "{\n  \"as_of\": \(JSONObjectWriter.quoted(asOf.iso8601)),\n  \"horizon_days\": \(horizonDays),\n"
        s += "  \"goal\": \(JSONObjectWriter.quoted(goal)),\n  \"k\": \(k),\n  \"prospects\": \(prospects),\n"
        s += "  \"strategies\": [\n" + strategies.map { "    " + $0.json }.joined(separator: ",\n") + "\n  ],\n"
        s += "  \"by_stage\": [\n" + byStage.map { stage, results in
            "    {\"stage\": \"\(stage.rawValue)\", \"strategies\": [" + results.map(\.json).joined(separator: ", ") + "]}"
        }.joined(separator: ",\n") + "\n  ],\n"
        s += "  \"learned\": [\n" + learned.map { e in
            var w = JSONObjectWriter()
            w.add("state", e.state)
            w.add("action", e.action)
            w.addRaw("with", json: "{\"observations\":\(e.with.observations),\"converted\":\(e.with.converted)}")
            w.addRaw("without", json: "{\"observations\":\(e.without.observations),\"converted\":\(e.without.converted)}")
            w.addRaw("lift", json: e.lift.map { NextActionEngine.number($0, 3) } ?? "null")
            return "    " + w.finish()
        }.joined(separator: ",\n") + "\n  ]\n}"
        return s
    }
}

/// Replays suggestions made as of a past moment against what happened in the horizon after it.
///
/// Strategies: `journeylake` (the top suggestion), `random` (an action drawn from those the
/// guardrails allow, seeded), `most_popular` (the allowed action taken most often in the
/// history) and `guardrails_only` (the guardrails' call, else the allowed action with the best
/// configured prior). A prospect *followed* a strategy when its first candidate-action touch in
/// (as-of, as-of + horizon] shows the strategy's top suggestion (for `hold`: no such touch); it
/// *converted* when it reached the goal in that window. Lift = conversion rate of followers over
/// non-followers: a strategy worth following has a lift above 1.
struct Backtest {
    let run: NextActionRun
    let k: Int
    let seed: UInt64

    func report() -> BacktestReport {
        let settings = run.definitions.nextActions
        let engine = NextActionEngine(definitions: run.definitions, model: run.model, now: run.asOf)
        let t = run.asOf.millisecondsSinceEpoch
        let end = t + settings.horizonMilliseconds
        let popularity = run.model.popularity()
        let actions = settings.actions
        let names = ["journeylake", "random", "most_popular", "guardrails_only"]
        var results = names.map { StrategyResult(strategy: $0) }
        var byStage: [Stage: [StrategyResult]] = [:]
        var hits = [Int](repeating: 0, count: names.count), hitBase = 0, covered = [Int](repeating: 0, count: names.count)
        var prospects = 0
        for var p in run.prospects {
            p.holdout = false
            guard let stage = p.stage, settings.stages.contains(stage), let target = settings.goal.target(from: stage),
                let future = run.timelines[p.personId]
            else { continue }
            prospects += 1
            let converted = StageEngine.reached(target, after: run.asOf, upTo: Timestamp(millisecondsSinceEpoch: end), history: future.history) != nil
            let first = future.candidateTouches.first { $0.at > t && $0.at <= end }
            let eligible = engine.eligible(p)
            let suggested = engine.suggest(p)
            let urgent = suggested.first { $0.urgent }.map(\.action)

            var rng = SeededGenerator(seed: seed ^ Self.hash(p.personId))
            let lists: [[String]] = [
                suggested.map(\.action),
                eligible.isEmpty ? [LiftModel.hold] : eligible.shuffled(using: &rng).map { actions[$0].name },
                eligible.isEmpty ? [LiftModel.hold]
                    : eligible.sorted { (popularity[actions[$0].name] ?? 0, -$0) > (popularity[actions[$1].name] ?? 0, -$1) }.map { actions[$0].name },
                (urgent.map { [$0] } ?? [])
                    + (eligible.isEmpty && urgent == nil ? [LiftModel.hold]
                        : eligible.sorted { let a = actions[$0], b = actions[$1]
                            return (a.priorLift * a.value * a.weight, -$0) > (b.priorLift * b.value * b.weight, -$1) }
                        .map { actions[$0].name }.filter { $0 != urgent }),
            ]
            if converted, first != nil { hitBase += 1 }
            for (i, list) in lists.enumerated() {
                let top = list.first ?? LiftModel.hold
                results[i].prospects += 1
                if top != LiftModel.hold { covered[i] += 1 }
                let followed: Bool
                if top == LiftModel.hold {
                    followed = first == nil
                } else if let column = actions.firstIndex(where: { $0.name == top }), let first {
                    followed = first.shows & (1 << UInt64(column)) != 0
                } else {
                    followed = false
                }
                if followed {
                    results[i].followed += 1
                    if converted { results[i].convertedFollowed += 1 }
                } else {
                    results[i].notFollowed += 1
                    if converted { results[i].convertedNotFollowed += 1 }
                }
                byStage[stage, default: names.map { StrategyResult(strategy: $0) }][i].count(followed: followed, converted: converted)
                if converted, let first {
                    let top = list.prefix(k).compactMap { name in actions.firstIndex { $0.name == name } }
                    if top.contains(where: { first.shows & (1 << UInt64($0)) != 0 }) { hits[i] += 1 }
                }
            }
        }
        for i in results.indices {
            results[i].precisionAtK = hitBase == 0 ? nil : Double(hits[i]) / Double(hitBase)
            results[i].coverage = prospects == 0 ? nil : Double(covered[i]) / Double(prospects)
        }
        return BacktestReport(
            asOf: run.asOf, horizonDays: Int(settings.horizonMilliseconds / 86_400_000), goal: settings.goal.description, k: k,
            prospects: prospects, strategies: results,
            byStage: byStage.sorted { $0.key < $1.key }.map { (stage: $0.key, strategies: $0.value) }, learned: learned())
    }

    /// The effects at the stage and stage+signal levels that have the evidence to speak.
    func learned() -> [LearnedEffect] {
        let settings = run.definitions.nextActions
        let model = run.model
        var out: [LearnedEffect] = []
        for key in model.cells.keys.sorted(by: { StateKey.name($0) < StateKey.name($1) }) where (1...2).contains(StateKey.level(key)) {
            let hold = model.count(key, model.holdColumn)
            guard hold.observations >= settings.minEvidence else { continue }
            for (column, name) in model.actions.enumerated() where column != model.holdColumn {
                let with = model.count(key, column)
                guard with.observations >= settings.minEvidence else { continue }
                out.append(LearnedEffect(state: StateKey.name(key), action: name, with: with, without: hold, lift: hold.rate > 0 ? with.rate / hold.rate : nil))
            }
        }
        return out
    }

    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}

/// SplitMix64: a small seeded generator, so the `random` baseline is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
