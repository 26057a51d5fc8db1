extension Attribution {
    /// W-shaped (Marketo Measure): first touch (FT), lead creation (LC) and opportunity creation (OC) 30 % each,
    /// the other 10 % split equally over the remaining touches.
    ///
    /// A milestone's touch is the last journey touch at or before the milestone's time. Decisions the sources leave
    /// open (insights.md §1.4):
    /// - LC without a lead-creation time, or with the lead created before the journey's first touch → FT: the touch
    ///   nearest the moment the lead was made.
    /// - OC without a time is taken as created at the conversion itself → the last touch. OC before the journey's first
    ///   touch → FT, by the same nearest-touch rule as LC (the opportunity predates every touch of the window).
    /// - Milestones on the same touch add up; with no intermediary touch the 10 % goes to the milestone touches in
    ///   proportion to their shares, so a journey always hands out exactly 1.
    /// For an account-level conversion LC is the account persons' earliest lead creation.
    static func wShaped(_ journeys: Journeys) -> Credit {
        journeys.perTouch { j, w in
            let n = w.count
            let first = journeys.touchAt[j.touches.lowerBound]
            /// The last touch at or before `time`; the first touch when the time predates the journey.
            func milestone(_ time: Int64) -> Int {
                guard time >= first else { return 0 }
                var lo = 0, hi = n  // first index with touch time > time
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if journeys.touchAt[j.touches.lowerBound + mid] <= time { lo = mid + 1 } else { hi = mid }
                }
                return lo - 1
            }
            let lc = j.leadCreatedAt.map(milestone) ?? 0
            let oc = j.opportunityCreatedAt.map(milestone) ?? n - 1
            w[0] += 0.3
            w[lc] += 0.3
            w[oc] += 0.3
            var milestones = 1
            if lc != 0 { milestones += 1 }
            if oc != 0 && oc != lc { milestones += 1 }
            let others = n - milestones
            if others > 0 {
                let share = 0.1 / Double(others)
                for i in w.indices where i != 0 && i != lc && i != oc { w[i] = share }
            } else {
                for i in w.indices { w[i] /= 0.9 }
            }
        }
    }
}
