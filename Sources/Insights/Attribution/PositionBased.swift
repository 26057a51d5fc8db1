extension Attribution {
    /// Position-based (U-shaped, 40/20/40 on first and last touch): 1 touch takes all, 2 touches halve it,
    /// n ≥ 3 give 0.4 to the first and the last and 0.2/(n−2) to each touch between.
    static func positionBased(_ journeys: Journeys) -> Credit {
        journeys.perTouch { _, w in
            let n = w.count
            switch n {
            case 1: w[0] = 1
            case 2: w[0] = 0.5; w[1] = 0.5
            default:
                let middle = 0.2 / Double(n - 2)
                for i in 1..<(n - 1) { w[i] = middle }
                w[0] = 0.4
                w[n - 1] = 0.4
            }
        }
    }
}
