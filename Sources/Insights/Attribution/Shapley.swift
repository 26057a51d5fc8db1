extension Attribution {
    /// Shapley value (Zhao et al. 2018), exact: v(S) = conversions (value) of journeys whose key set ⊆ S.
    ///
    /// Computed through the reduction φ_i = Σ_{T∋i} R(T)/|T|, R(T) = conversions (value) of converting journeys whose
    /// key set is exactly T. Why that is the exact Shapley value of this game: v = Σ_T R(T)·u_T, with u_T the
    /// unanimity game (u_T(S) = 1 when T ⊆ S). The Shapley value is linear in v, and for u_T symmetry, efficiency and
    /// the null-player axiom give 1/|T| to each member of T and 0 to everyone else. So each journey's conversion is
    /// split equally over its distinct keys — O(touches), no 2^n enumeration, for any number of keys.
    static func shapley(_ journeys: Journeys) -> Credit {
        var credit = Credit(keyCount: journeys.keys.count)
        var seen = [Bool](repeating: false, count: journeys.keys.count)
        var distinct: [Int] = []
        for j in journeys.converting {
            for pos in j.touches {
                let k = Int(journeys.touchKey[pos])
                if !seen[k] {
                    seen[k] = true
                    distinct.append(k)
                }
            }
            let share = 1 / Double(distinct.count)
            for k in distinct {
                credit.conversions[k] += share
                credit.value[k] += share * j.value
                seen[k] = false
            }
            distinct.removeAll(keepingCapacity: true)
        }
        return credit
    }
}
