extension Attribution {
    /// Linear: an equal share per touch, so a key touched twice gets two shares (as ChannelAttribution and HubSpot).
    static func linear(_ journeys: Journeys) -> Credit {
        journeys.perTouch { _, w in
            let share = 1 / Double(w.count)
            for i in w.indices { w[i] = share }
        }
    }
}
