extension Attribution {
    /// First touch: the whole conversion to the journey's first touch.
    static func firstTouch(_ journeys: Journeys) -> Credit {
        journeys.perTouch { _, w in w[0] = 1 }
    }

    /// Last touch: the whole conversion to the journey's last touch (the one right before the conversion).
    static func lastTouch(_ journeys: Journeys) -> Credit {
        journeys.perTouch { _, w in w[w.count - 1] = 1 }
    }
}
