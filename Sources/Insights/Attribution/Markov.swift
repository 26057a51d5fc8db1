extension Attribution {
    /// Markov chain attribution with removal effects (Anderl et al.), solved in closed form, never simulated.
    ///
    /// States are the keys (order k: sliding windows of k touches; a journey shorter than k is one state of all its
    /// touches), consecutive identical states collapse into one visit, and (start), (conversion) and (null) are added.
    /// Every converting journey adds weight 1 to its transitions and its last state → (conversion); every
    /// non-converting journey its transitions and its last state → (null). P(conversion) comes from the absorbing
    /// chain: the expected visits v = e_start·(I−Q)⁻¹, P = Σ_s v_s·R(s, conversion).
    ///
    /// Removing key c sends every state containing c to (null); RE_c = 1 − P_removed / P, and
    /// credit_c = conversions × RE_c / Σ RE. Value: each conversion's value rides on the step from its journey's last
    /// state, so the chain carries the mean value per last state, E[value] = Σ_s v_s·R(s, conversion)·mean(s), and
    /// value credit_c = total value × RE^value_c / Σ RE^value (ChannelAttribution's value model, exactly instead of in
    /// expectation). If Σ RE is 0 (cannot happen with a real conversion, since removing a key on its path loses it, but
    /// kept as a guard against rounding) the credit falls back to linear.
    ///
    /// Only conversions with at least one touch enter the chain; touchless ones go to "(none)" in `Attribution.run`.
    static func markov(_ journeys: Journeys, order: Int, solver: MarkovSolver = .automatic) -> Credit {
        let keyCount = journeys.keys.count
        var credit = Credit(keyCount: keyCount)
        var chain = MarkovChain(keyCount: keyCount, order: max(1, order))
        for j in journeys.converting { chain.add(journeys.touchKey[j.touches], value: j.value) }
        for r in journeys.nonConverting { chain.add(journeys.touchKey[r], value: nil) }
        var removalEffect = [Double?](repeating: nil, count: keyCount)
        guard !journeys.converting.isEmpty else {
            for c in 0..<keyCount where !chain.keyStates[c].isEmpty { removalEffect[c] = 0 }
            credit.removalEffect = removalEffect
            return credit
        }

        let absorbing = AbsorbingChain(chain, solver: solver)
        let fullVisits = absorbing.visits(removing: nil, from: nil)
        let full = absorbing.absorption(fullVisits)
        var re = [Double](repeating: 0, count: keyCount)
        var reValue = [Double](repeating: 0, count: keyCount)
        var removed = [Bool](repeating: false, count: chain.stateCount)
        for c in 0..<keyCount where !chain.keyStates[c].isEmpty {
            for s in chain.keyStates[c] { removed[Int(s)] = true }
            // Removing states only lowers visits, so the full chain's visits are a close start for the iteration.
            let without = absorbing.absorption(absorbing.visits(removing: removed, from: fullVisits))
            for s in chain.keyStates[c] { removed[Int(s)] = false }
            // Removal only takes conversion mass away; anything below 0 is rounding.
            re[c] = full.conversion > 0 ? max(0, 1 - without.conversion / full.conversion) : 0
            reValue[c] = full.value > 0 ? max(0, 1 - without.value / full.value) : 0
            removalEffect[c] = re[c]
        }

        let conversions = Double(journeys.converting.count)
        let value = journeys.converting.reduce(0.0) { $0 + $1.value }
        let sumRE = re.reduce(0, +), sumREValue = reValue.reduce(0, +)
        let fallback = (sumRE > 0 && sumREValue > 0) ? nil : linear(journeys)
        for c in 0..<keyCount {
            credit.conversions[c] = sumRE > 0 ? conversions * re[c] / sumRE : fallback!.conversions[c]
            credit.value[c] = sumREValue > 0 ? value * reValue[c] / sumREValue : fallback!.value[c]
        }
        credit.removalEffect = removalEffect
        return credit
    }
}

/// How the absorbing chain's linear systems are solved.
enum MarkovSolver {
    /// Dense Gaussian elimination while it is cheap, Gauss–Seidel beyond (see `AbsorbingChain`).
    case automatic
    case dense
    case iterative
}

/// The observed chain: states interned to Ints (0 = start), sparse transition counts.
struct MarkovChain {
    let order: Int
    /// Keys of each state (distinct), by state; state 0 (start) has none.
    private(set) var stateKeys: [[Int32]] = [[]]
    /// States containing each key.
    private(set) var keyStates: [[Int32]]
    /// (from << 32 | to) → count.
    private(set) var transitions: [UInt64: Double] = [:]
    private(set) var conversions: [Double] = [0]
    private(set) var nulls: [Double] = [0]
    /// Summed conversion value of journeys whose last state it is.
    private(set) var valueSum: [Double] = [0]
    /// Windows packed into one UInt64 (k slots of `bits` bits holding key+1) when they fit, else kept as arrays.
    private let bits: Int
    private let packed: Bool
    private var packedIndex: [UInt64: Int32] = [:]
    private var arrayIndex: [[Int32]: Int32] = [:]
    private var path: [Int32] = []

    var stateCount: Int { stateKeys.count }

    init(keyCount: Int, order: Int) {
        self.order = order
        keyStates = Array(repeating: [], count: keyCount)
        bits = UInt64.bitWidth - UInt64(keyCount).leadingZeroBitCount
        packed = bits * order <= UInt64.bitWidth
    }

    private mutating func intern(_ window: ArraySlice<Int32>) -> Int32 {
        if packed {
            var code: UInt64 = 0
            for key in window { code = (code << UInt64(bits)) | UInt64(key + 1) }
            if let s = packedIndex[code] { return s }
            let s = newState(window)
            packedIndex[code] = s
            return s
        }
        let a = Array(window)
        if let s = arrayIndex[a] { return s }
        let s = newState(window)
        arrayIndex[a] = s
        return s
    }

    private mutating func newState(_ window: ArraySlice<Int32>) -> Int32 {
        let s = Int32(stateKeys.count)
        var distinct: [Int32] = []
        for key in window where !distinct.contains(key) { distinct.append(key) }
        for key in distinct { keyStates[Int(key)].append(s) }
        stateKeys.append(distinct)
        conversions.append(0)
        nulls.append(0)
        valueSum.append(0)
        return s
    }

    /// Adds one journey's keys; `value` nil for a non-converting journey.
    mutating func add(_ keys: ArraySlice<Int32>, value: Double?) {
        guard !keys.isEmpty else { return }
        path.removeAll(keepingCapacity: true)
        let n = keys.count
        if n <= order {
            path.append(intern(keys))
        } else {
            for i in 0...(n - order) {
                let start = keys.startIndex + i
                let s = intern(keys[start..<(start + order)])
                if path.last != s { path.append(s) }
            }
        }
        var previous: Int32 = 0
        for s in path {
            transitions[UInt64(UInt32(previous)) << 32 | UInt64(UInt32(s)), default: 0] += 1
            previous = s
        }
        if let value {
            conversions[Int(previous)] += 1
            valueSum[Int(previous)] += value
        } else {
            nulls[Int(previous)] += 1
        }
    }
}

/// The chain as probabilities, and the closed-form absorption with any set of states sent to (null).
struct AbsorbingChain {
    let stateCount: Int
    /// Transitions between transient states, grouped by target (for the visits equations).
    private let incomingStart: [Int]
    private let incomingFrom: [Int32]
    private let incomingProbability: [Double]
    /// Per state: P(step to conversion), and that times the mean value of conversions leaving from it.
    private let conversionProbability: [Double]
    private let valueRate: [Double]
    private let dense: Bool

    init(_ chain: MarkovChain, solver: MarkovSolver) {
        let n = chain.stateCount
        stateCount = n
        var out = [Double](repeating: 0, count: n)
        for s in 0..<n { out[s] = chain.conversions[s] + chain.nulls[s] }
        var edges: [(from: Int32, to: Int32, count: Double)] = []
        edges.reserveCapacity(chain.transitions.count)
        for (code, count) in chain.transitions {
            let from = Int32(truncatingIfNeeded: code >> 32), to = Int32(truncatingIfNeeded: code & 0xFFFF_FFFF)
            out[Int(from)] += count
            edges.append((from, to, count))
        }
        // A fixed edge order keeps the sums (and so the result) independent of dictionary order.
        edges.sort { ($0.to, $0.from) < ($1.to, $1.from) }
        var start = [Int](repeating: 0, count: n + 1)
        for e in edges { start[Int(e.to) + 1] += 1 }
        for s in 0..<n { start[s + 1] += start[s] }
        incomingStart = start
        incomingFrom = edges.map(\.from)
        incomingProbability = edges.map { $0.count / out[Int($0.from)] }
        conversionProbability = (0..<n).map { out[$0] > 0 ? chain.conversions[$0] / out[$0] : 0 }
        valueRate = (0..<n).map { out[$0] > 0 ? chain.valueSum[$0] / out[$0] : 0 }
        // One solve per removed key plus one: dense elimination costs n³/3 each, fine up to a few hundred states.
        // Larger chains (campaigns, order 2: up to keys² states) use Gauss–Seidel on the sparse transitions, which
        // costs (sweeps × transitions) per solve and converges fast because journeys mostly move forward.
        let keys = chain.keyStates.filter { !$0.isEmpty }.count
        let denseCost = Double(n) * Double(n) * Double(n) / 3 * Double(keys + 1)
        switch solver {
        case .automatic: dense = n <= 1500 && denseCost <= 2e9
        case .dense: dense = true
        case .iterative: dense = false
        }
    }

    /// Expected visits per state from start, with `removed` states leading to (null); `guess` seeds the iteration.
    func visits(removing removed: [Bool]?, from guess: [Double]?) -> [Double] {
        dense ? denseVisits(removed) : iterativeVisits(removed, guess)
    }

    /// P(conversion) and expected conversion value from start, given the expected visits.
    func absorption(_ visits: [Double]) -> (conversion: Double, value: Double) {
        var conversion = 0.0, value = 0.0
        for s in 0..<stateCount where visits[s] != 0 {
            conversion += visits[s] * conversionProbability[s]
            value += visits[s] * valueRate[s]
        }
        return (conversion, value)
    }

    /// Expected visits: v_t = [t = start] + Σ_s v_s·Q(s, t), i.e. (I − Qᵀ)·v = e_start, by partial-pivot Gaussian
    /// elimination over the states kept.
    private func denseVisits(_ removed: [Bool]?) -> [Double] {
        var index = [Int](repeating: -1, count: stateCount)
        var kept: [Int] = []
        for s in 0..<stateCount where !(removed?[s] ?? false) {
            index[s] = kept.count
            kept.append(s)
        }
        let m = kept.count
        var a = [Double](repeating: 0, count: m * m)
        var b = [Double](repeating: 0, count: m)
        for i in 0..<m { a[i * m + i] = 1 }
        b[index[0]] = 1
        for (row, t) in kept.enumerated() {
            for e in incomingStart[t]..<incomingStart[t + 1] {
                let column = index[Int(incomingFrom[e])]
                if column >= 0 { a[row * m + column] -= incomingProbability[e] }
            }
        }
        let x = Self.solve(&a, &b, m)
        var visits = [Double](repeating: 0, count: stateCount)
        for (i, s) in kept.enumerated() { visits[s] = x[i] }
        return visits
    }

    /// Solves a·x = b (m × m, row-major) by Gaussian elimination with partial pivoting.
    static func solve(_ a: inout [Double], _ b: inout [Double], _ m: Int) -> [Double] {
        for col in 0..<m {
            var pivot = col
            var best = abs(a[col * m + col])
            for r in (col + 1)..<max(col + 1, m) where abs(a[r * m + col]) > best {
                best = abs(a[r * m + col])
                pivot = r
            }
            // I − Q is non-singular for an absorbing chain (every state reaches (conversion) or (null)).
            guard best > 0 else { continue }
            if pivot != col {
                for c in 0..<m { a.swapAt(col * m + c, pivot * m + c) }
                b.swapAt(col, pivot)
            }
            let diagonal = a[col * m + col]
            for r in (col + 1)..<max(col + 1, m) {
                let factor = a[r * m + col] / diagonal
                guard factor != 0 else { continue }
                a[r * m + col] = 0
                for c in (col + 1)..<m { a[r * m + c] -= factor * a[col * m + c] }
                b[r] -= factor * b[col]
            }
        }
        var x = [Double](repeating: 0, count: m)
        for r in stride(from: m - 1, through: 0, by: -1) {
            var sum = b[r]
            for c in (r + 1)..<max(r + 1, m) { sum -= a[r * m + c] * x[c] }
            x[r] = a[r * m + r] != 0 ? sum / a[r * m + r] : 0
        }
        return x
    }

    /// The same equations by Gauss–Seidel sweeps in state order (states are numbered by first appearance, roughly
    /// the order journeys walk them), until no visit moves by more than 1e-12 relative.
    private func iterativeVisits(_ removed: [Bool]?, _ guess: [Double]?) -> [Double] {
        // I − Qᵀ is a non-singular M-matrix (every state drains to an absorbing state), so Gauss–Seidel converges from
        // any start.
        var v = guess ?? [Double](repeating: 0, count: stateCount)
        if let removed { for s in 0..<stateCount where removed[s] { v[s] = 0 } }
        for _ in 0..<100_000 {
            var change = 0.0, largest = 0.0
            for t in 0..<stateCount where !(removed?[t] ?? false) {
                var x = t == 0 ? 1.0 : 0.0
                for e in incomingStart[t]..<incomingStart[t + 1] { x += incomingProbability[e] * v[Int(incomingFrom[e])] }
                change = max(change, abs(x - v[t]))
                largest = max(largest, abs(x))
                v[t] = x
            }
            if change <= 1e-12 * max(1, largest) { break }
        }
        return v
    }
}
