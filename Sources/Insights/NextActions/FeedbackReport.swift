import Foundation
public import GRDB
import JourneyModel

/// How the suggestions made in a period fared (from `next_action_log`): how often they were
/// taken, and how prospects converted when they were and when they were not; and the holdout's
/// prospects, who saw none, against the prospects who did — the lift measured, not assumed.
///
/// A suggestion converted when its person reached the goal stage it was made for within the
/// horizon after it was made. Each person counts once per group, by their first suggestion.
public struct FeedbackReport: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var prospects = 0
        public var converted = 0
        public var rate: Double? { prospects == 0 ? nil : Double(converted) / Double(prospects) }
    }

    public struct ByAction: Sendable, Equatable {
        public var action: String
        public var suggested = 0
        public var taken = 0
        public var convertedTaken = 0
        public var convertedNotTaken = 0
    }

    public var suggestions = 0
    public var taken = 0
    public var ignored = 0
    public var dismissed = 0
    public var done = 0
    public var withdrawn = 0
    public var open = 0
    public var convertedTaken = 0
    public var convertedNotTaken = 0
    /// Prospects who saw suggestions, and the holdout's, by their first suggestion in the period.
    public var treated = Group()
    public var holdout = Group()
    public var byAction: [ByAction] = []

    public var takeRate: Double? { suggestions == 0 ? nil : Double(taken + done) / Double(suggestions) }
    public var rateTaken: Double? { taken + done == 0 ? nil : Double(convertedTaken) / Double(taken + done) }
    public var rateNotTaken: Double? {
        let n = suggestions - taken - done
        return n == 0 ? nil : Double(convertedNotTaken) / Double(n)
    }

    public static func load(_ db: Database, period: ReportPeriod, definitions: Definitions) throws -> FeedbackReport {
        let horizon = definitions.nextActions.horizonMilliseconds
        var entries: [String: [(stage: String, at: Timestamp)]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT person_id, stage, entered_at FROM stage_history") {
            if let at = TimestampParser.utc.parse(row[2] as String) { entries[row[0], default: []].append((row[1], at)) }
        }
        func converted(_ person: String, goal: String?, after: Timestamp) -> Bool {
            guard let goal = goal.flatMap(Stage.init(rawValue:)) else { return false }
            let end = after.millisecondsSinceEpoch + horizon
            return (entries[person] ?? []).contains { e in
                guard let s = Stage(rawValue: e.stage), Stage.funnel.contains(s), s >= goal else { return false }
                return e.at > after && e.at.millisecondsSinceEpoch <= end
            }
        }
        var r = FeedbackReport()
        var actions: [String: ByAction] = [:]
        var firstOf: [String: (at: Timestamp, goal: String?, holdout: Bool)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT person_id, action, suggested_at, goal_stage, holdout, status FROM next_action_log ORDER BY suggested_at, person_id, action
            """) {
            guard let at = TimestampParser.utc.parse(row[2] as String), period.contains(at) else { continue }
            let person: String = row[0], action: String = row[1], goal: String? = row[3], inHoldout: Bool = row[4], status: String = row[5]
            if firstOf[person] == nil { firstOf[person] = (at, goal, inHoldout) }
            guard !inHoldout else { continue }
            let ok = converted(person, goal: goal, after: at)
            let wasTaken = status == "taken" || status == "done"
            r.suggestions += 1
            switch status {
            case "taken": r.taken += 1
            case "ignored": r.ignored += 1
            case "dismissed": r.dismissed += 1
            case "done": r.done += 1
            case "withdrawn": r.withdrawn += 1
            default: r.open += 1
            }
            if ok { if wasTaken { r.convertedTaken += 1 } else { r.convertedNotTaken += 1 } }
            var a = actions[action] ?? ByAction(action: action)
            a.suggested += 1
            if wasTaken { a.taken += 1 }
            if ok { if wasTaken { a.convertedTaken += 1 } else { a.convertedNotTaken += 1 } }
            actions[action] = a
        }
        for (person, first) in firstOf {
            let ok = converted(person, goal: first.goal, after: first.at)
            if first.holdout {
                r.holdout.prospects += 1
                if ok { r.holdout.converted += 1 }
            } else {
                r.treated.prospects += 1
                if ok { r.treated.converted += 1 }
            }
        }
        r.byAction = actions.values.sorted { $0.action < $1.action }
        return r
    }

    public var json: String {
        func n(_ x: Double?) -> String { x.map { NextActionEngine.number($0, 4) } ?? "null" }
        var w = JSONObjectWriter()
        for (k, v) in [("suggestions", suggestions), ("taken", taken), ("done", done), ("ignored", ignored), ("dismissed", dismissed),
                       ("withdrawn", withdrawn), ("open", open)] { w.addRaw(k, json: String(v)) }
        w.addRaw("take_rate", json: n(takeRate))
        w.addRaw("converted_taken", json: String(convertedTaken))
        w.addRaw("rate_taken", json: n(rateTaken))
        w.addRaw("converted_not_taken", json: String(convertedNotTaken))
        w.addRaw("rate_not_taken", json: n(rateNotTaken))
        w.addRaw("lift_taken", json: n(rateTaken.flatMap { t in rateNotTaken.flatMap { $0 > 0 ? t / $0 : nil } }))
        for (name, g) in [("treated", treated), ("holdout", holdout)] {
            w.addRaw(name, json: "{\"prospects\":\(g.prospects),\"converted\":\(g.converted),\"rate\":\(n(g.rate))}")
        }
        w.addRaw("holdout_lift", json: n(treated.rate.flatMap { t in holdout.rate.flatMap { $0 > 0 ? t / $0 : nil } }))
        let rows = byAction.map { a in
            "{\"action\":\(JSONObjectWriter.quoted(a.action)),\"suggested\":\(a.suggested),\"taken\":\(a.taken),\"converted_taken\":\(a.convertedTaken),\"converted_not_taken\":\(a.convertedNotTaken)}"
        }
        w.addRaw("by_action", json: "[" + rows.joined(separator: ",") + "]")
        return w.finish()
    }
}
