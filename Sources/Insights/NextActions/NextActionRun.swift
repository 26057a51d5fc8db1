import Foundation
public import GRDB
public import JourneyModel
import JourneyStore

/// The next-best-action engine over a whole store at one moment: the lift model learned from
/// the history before it, and every prospect as they stood then.
///
/// `asOf` now (live) reads everything; a past `asOf` reads only what happened before it — the
/// persons known then, their touches, stage changes and deals before it — and learns only from
/// snapshots whose horizon closed before it, so the result is what a store holding just that
/// data would give (identity is the store's: persons are resolved with everything known).
public struct NextActionRun: Sendable {
    public let definitions: Definitions
    public let asOf: Timestamp
    public internal(set) var model: LiftModel
    var prospects: [ProspectNow] = []
    /// Per person: the timeline's suggestions-relevant facts for the backtest (outcomes after asOf).
    var timelines: [String: BacktestFacts] = [:]

    /// Learns and reads prospects from a store (with sequential scans: see `JourneyScan`).
    /// `keepOutcomes` keeps what the backtest needs about each prospect's future (only for a
    /// past `asOf`).
    public static func compute(
        db: Database, definitions: Definitions, asOf: Timestamp, live: Bool, keepOutcomes: Bool = false
    ) throws -> NextActionRun {
        var builder = Builder(definitions: definitions, asOf: asOf, live: live, keepOutcomes: keepOutcomes,
                              activity: try AccountActivity.load(db, before: live ? nil : asOf))
        try JourneyScan.forEach(db: db) { facts, stored in builder.add(facts, account: stored.account) }
        return builder.finish()
    }

    /// The same from journeys in memory (each with the account it belongs to).
    public static func compute(
        journeys: [(facts: JourneyFacts, account: String?)], definitions: Definitions, asOf: Timestamp, live: Bool, keepOutcomes: Bool = false
    ) throws -> NextActionRun {
        var builder = Builder(definitions: definitions, asOf: asOf, live: live, keepOutcomes: keepOutcomes,
                              activity: AccountActivity(journeys: journeys, before: live ? nil : asOf))
        for (facts, account) in journeys.sorted(by: { $0.facts.personId < $1.facts.personId }) { builder.add(facts, account: account) }
        return builder.finish()
    }

    /// Walks every person once: their snapshots into the model, their state now into `prospects`.
    struct Builder {
        var run: NextActionRun
        let live: Bool
        let keepOutcomes: Bool
        let activity: AccountActivity
        let engine: StageEngine
        let snapshots: StrideThrough<Int64>
        var learnedFrom = 0

        init(definitions: Definitions, asOf: Timestamp, live: Bool, keepOutcomes: Bool, activity: AccountActivity) {
            let settings = definitions.nextActions
            run = NextActionRun(definitions: definitions, asOf: asOf, model: LiftModel(actions: settings.actions.map(\.name)))
            self.live = live
            self.keepOutcomes = keepOutcomes
            self.activity = activity
            engine = StageEngine(definitions)
            let t = asOf.millisecondsSinceEpoch, step = settings.snapshotEveryMilliseconds
            let first = ((t - settings.lookbackMilliseconds) / step + 1) * step
            snapshots = stride(from: first, through: t - settings.horizonMilliseconds, by: Int(step))
        }

        mutating func add(_ all: JourneyFacts, account: String?) {
            let asOf = run.asOf, t = asOf.millisecondsSinceEpoch
            guard let facts = live ? all : all.before(asOf) else { return }
            let insights = engine.derive(facts, now: asOf)
            let timeline = ProspectTimeline(facts: facts, insights: insights, definitions: run.definitions, engine: engine)
            add(timeline, account: account)
            run.prospects.append(timeline.prospect(at: asOf, buyingGroup: activity.buyingGroup(account: account, at: t)))
            if keepOutcomes {
                // The future after asOf, from the whole journey, for the backtest's outcomes.
                let future = engine.derive(all, now: Timestamp(millisecondsSinceEpoch: t + run.definitions.nextActions.horizonMilliseconds))
                let whole = ProspectTimeline(facts: all, insights: future, definitions: run.definitions, engine: engine)
                run.timelines[all.personId] = BacktestFacts(timeline: whole)
            }
        }

        /// Learns from one person's timeline (derived as of `asOf`) without keeping them as a prospect.
        mutating func add(_ timeline: ProspectTimeline, account: String?) {
            if run.learn(from: timeline, account: account, activity: activity, snapshots: snapshots) { learnedFrom += 1 }
        }

        mutating func finish() -> NextActionRun {
            run.model.prospects = learnedFrom
            run.prospects.sort { $0.personId < $1.personId }
            return run
        }
    }

    /// Adds a person's snapshots to the model; true when at least one counted.
    ///
    /// Consecutive snapshots that observe the same thing (a quiet prospect, week after week) are
    /// counted together: one model update per run of equal observations.
    mutating func learn(from timeline: ProspectTimeline, account: String?, activity: AccountActivity, snapshots: StrideThrough<Int64>) -> Bool {
        var run: (observation: Observation, times: Int)?
        let any = Self.observations(of: timeline, definitions: definitions, account: account, activity: activity, snapshots: snapshots) { o in
            if let r = run, r.observation == o {
                run!.times += 1
            } else {
                if let r = run { model.observe(r.observation, times: r.times) }
                run = (o, 1)
            }
        }
        if let r = run { model.observe(r.observation, times: r.times) }
        return any
    }

    /// What one weekly snapshot of a prospect shows the model.
    struct Observation: Equatable {
        var state: ProspectState
        /// The candidate actions taken in the decision window (empty: holding).
        var columns: [Int]
        /// Whether the goal was reached within the horizon.
        var converted: Bool
    }

    /// Each snapshot's observation of one person, in time order; true when there was one.
    static func observations(
        of timeline: ProspectTimeline, definitions: Definitions, account: String?, activity: AccountActivity,
        snapshots: StrideThrough<Int64>, _ body: (Observation) -> Void
    ) -> Bool {
        let settings = definitions.nextActions
        let facts = timeline.facts
        guard let start = (facts.createdAt ?? facts.touches.first?.at)?.millisecondsSinceEpoch else { return false }
        var any = false
        for d in snapshots where d >= start {
            let at = Timestamp(millisecondsSinceEpoch: d)
            guard let stage = StageEngine.stage(at: at, history: timeline.insights.history), settings.stages.contains(stage),
                let target = settings.goal.target(from: stage)
            else { continue }
            let end = d + settings.horizonMilliseconds
            let reached = StageEngine.reached(target, after: at, upTo: Timestamp(millisecondsSinceEpoch: end), history: timeline.insights.history)
            // The decision is what was done in the window after the snapshot ("this week"), before
            // the goal was reached (a touch after it did not cause it); the outcome is the whole
            // horizon. Assigning the treatment over the whole horizon instead would hand holding
            // every early converter (they had no time to be treated) and bias every lift down.
            let cutoff = min(reached?.millisecondsSinceEpoch ?? .max, d + settings.decisionWindowMilliseconds)
            var columns: [Int] = []
            if let i = timeline.firstCandidateTouch(after: d, upTo: cutoff) {
                var bits = timeline.shows[i]
                while bits != 0 {
                    columns.append(bits.trailingZeroBitCount)
                    bits &= bits - 1
                }
            }
            let state = timeline.state(at: at, stage: stage, buyingGroup: activity.buyingGroup(account: account, at: d))
            body(Observation(state: state, columns: columns, converted: reached != nil))
            any = true
        }
        return any
    }

    /// Every prospect's suggestions (no feedback suppression: that lives in the store's log).
    public func suggestions() -> [Suggestion] {
        let engine = NextActionEngine(definitions: definitions, model: model, now: asOf)
        return prospects.flatMap { engine.suggest($0) }
    }
}

/// What the backtest needs about one prospect's future: its stage history and candidate touches.
struct BacktestFacts {
    var history: [StageEntry]
    /// Touch times and the candidate actions each shows (only touches showing one).
    var candidateTouches: [(at: Int64, shows: UInt64)]

    init(timeline: ProspectTimeline) {
        history = timeline.insights.history
        candidateTouches = zip(timeline.facts.touches, timeline.shows).filter { $0.1 != 0 }.map { ($0.0.at.millisecondsSinceEpoch, $0.1) }
    }
}

extension LiftModel {
    /// `times` equal snapshots of one prospect.
    mutating func observe(_ o: NextActionRun.Observation, times: Int) {
        observe(o.state, columns: o.columns, converted: o.converted, times: times)
    }
}
