import Foundation

extension Attribution {
    /// Time decay: weight 2^(−Δt/halfLife), Δt = conversion time − touch time, normalised per journey.
    ///
    /// Δt is measured to the journey's last touch instead of the conversion: a common offset cancels in the
    /// normalisation (identical shares), and the last touch's weight is then 1, so a journey far older than the
    /// half-life cannot underflow to 0/0. A half-life ≤ 0 gives all weight to the touches at the latest time.
    static func timeDecay(_ journeys: Journeys, halfLifeMilliseconds: Int64) -> Credit {
        let halfLife = Double(halfLifeMilliseconds)
        return journeys.perTouch { j, w in
            let latest = journeys.touchAt[j.touches.upperBound - 1]
            var sum = 0.0
            for (i, pos) in j.touches.enumerated() {
                let age = Double(latest - journeys.touchAt[pos])
                let weight = halfLife > 0 ? exp2(-age / halfLife) : (age == 0 ? 1 : 0)
                w[i] = weight
                sum += weight
            }
            for i in w.indices { w[i] /= sum }
        }
    }
}
