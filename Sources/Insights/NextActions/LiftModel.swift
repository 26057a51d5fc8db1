import Foundation
import JourneyModel

/// Observations and conversions of one action (or of holding) in one state.
public struct OutcomeCount: Sendable, Equatable, Codable {
    public var observations = 0
    public var converted = 0

    public init(observations: Int = 0, converted: Int = 0) {
        self.observations = observations
        self.converted = converted
    }

    var rate: Double { observations == 0 ? 0 : Double(converted) / Double(observations) }
}

/// What history says each candidate action does for prospects in each state, against holding.
///
/// Learned from weekly snapshots of every prospect in the history: the prospect's state at the
/// snapshot, the first candidate action taken within the horizon after it (or none: holding),
/// and whether the prospect reached the goal within the horizon. Counts are kept at five levels
/// of detail (`ProspectState.keys`); an estimate starts at everyone and is pulled, level by
/// level, toward the finer state's own rate as far as its evidence reaches (empirical Bayes with
/// `smoothing` pseudo-observations). The lift is the estimate with the action over the estimate
/// without any: an uplift, not a propensity (people who would convert anyway do not make an
/// action look good).
public struct LiftModel: Sendable, Equatable {
    /// Action names in column order; the last column is holding.
    public let actions: [String]
    /// Per state (all levels, as `StateKey` codes), one count per column.
    public private(set) var cells: [Int: [OutcomeCount]] = [:]
    /// Snapshots learned from, and the distinct prospects behind them.
    public internal(set) var snapshots = 0
    public internal(set) var prospects = 0

    public static let hold = "hold"

    public init(actions: [String]) { self.actions = actions + [Self.hold] }

    var holdColumn: Int { actions.count - 1 }

    func column(_ action: String) -> Int? { actions.firstIndex(of: action) }

    /// One snapshot (or `times` equal ones): the prospect in `state` got the actions in `columns`
    /// (holding when empty).
    mutating func observe(_ state: ProspectState, columns: [Int], converted: Bool, times: Int = 1) {
        let hit = converted ? times : 0, hold = holdColumn
        func count(_ row: inout [OutcomeCount]) {
            if columns.isEmpty {
                row[hold].observations += times
                row[hold].converted += hit
            }
            for c in columns {
                row[c].observations += times
                row[c].converted += hit
            }
        }
        // One lookup per state, the row changed in place (no empty row built per call).
        state.forEachCode { count(&cells[$0, default: Array(repeating: OutcomeCount(), count: actions.count)]) }
        snapshots += times
    }

    /// Loads counts (from the store).
    mutating func set(_ code: Int, column: Int, _ count: OutcomeCount) {
        cells[code, default: Array(repeating: OutcomeCount(), count: actions.count)][column] = count
    }

    func count(_ code: Int, _ column: Int) -> OutcomeCount { cells[code]?[column] ?? OutcomeCount() }

    /// What the model says about one action for one state.
    public struct Estimate: Sendable, Equatable {
        /// Smoothed probability of reaching the goal with the action, and with holding.
        public var withAction: Double
        public var withoutAction: Double
        /// withAction / withoutAction; nil when holding never converts here (no baseline).
        public var lift: Double?
        /// The finest level where both sides have `minEvidence` observations (nil: none has).
        public var level: Int?
        /// The counts at that level (or at everyone's, when no level has the evidence).
        public var with: OutcomeCount
        public var without: OutcomeCount

        /// The upper end of the 95 % interval of the cited counts' lift (Katz's log method, half
        /// a count added to every cell when one is empty or full): below 1, the action hurts.
        public var credibleUpperLift: Double {
            var a = Double(with.converted), n1 = Double(with.observations), c = Double(without.converted), n2 = Double(without.observations)
            guard n1 > 0, n2 > 0 else { return .infinity }
            if a == 0 || c == 0 || a == n1 || c == n2 { a += 0.5; c += 0.5; n1 += 1; n2 += 1 }
            let se = (1 / a - 1 / n1 + 1 / c - 1 / n2).squareRoot()
            return exp(log((a / n1) / (c / n2)) + 1.96 * se)
        }
    }

    public func estimate(_ state: ProspectState, action: String, minEvidence: Int, smoothing m: Double) -> Estimate? {
        estimate(codes: state.codes, action: action, minEvidence: minEvidence, smoothing: m)
    }

    /// The same for a state's precomputed `codes`.
    func estimate(codes keys: [Int], action: String, minEvidence: Int, smoothing m: Double) -> Estimate? {
        guard let a = column(action) else { return nil }
        // The prior at the top: everyone's rate over every column.
        let all = cells[0] ?? []
        let total = all.reduce(0) { $0 + $1.observations }
        let base = total == 0 ? 0 : Double(all.reduce(0) { $0 + $1.converted }) / Double(total)
        var pa = base, ph = base
        var level: Int?
        for (i, key) in keys.enumerated() {
            let ca = count(key, a), ch = count(key, holdColumn)
            pa = (Double(ca.converted) + m * pa) / (Double(ca.observations) + m)
            ph = (Double(ch.converted) + m * ph) / (Double(ch.observations) + m)
            if ca.observations >= minEvidence && ch.observations >= minEvidence { level = i }
        }
        let shown = level ?? 0
        return Estimate(
            withAction: pa, withoutAction: ph, lift: ph > 0 ? pa / ph : nil, level: level, with: count(keys[shown], a),
            without: count(keys[shown], holdColumn))
    }

    /// The action taken most often in the history (for the `most_popular` baseline), by column.
    func popularity() -> [String: Int] {
        var out: [String: Int] = [:]
        for (i, name) in actions.enumerated() where i != holdColumn { out[name] = count(0, i).observations }
        return out
    }
}
