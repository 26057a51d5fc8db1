import Foundation
public import JourneyConfig

/// How often and how patiently a request is retried: exponential backoff with full jitter,
/// a vendor's `Retry-After` taking precedence, bounded by `maxDelay`.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// `retry: { max_attempts: 6, base_delay: 500ms, max_delay: 60s }` in a source's config.
    public init(_ node: ConfigNode?) throws {
        self.init()
        guard let node else { return }
        let keyed = try node.keyed(allowed: ["max_attempts", "base_delay", "max_delay"])
        maxAttempts = try keyed["max_attempts"]?.int(in: 1...100) ?? maxAttempts
        baseDelay = try keyed["base_delay"]?.duration() ?? baseDelay
        maxDelay = try keyed["max_delay"]?.duration() ?? maxDelay
    }

    func delay(attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maxDelay) }
        let exponent = min(attempt - 1, 20)
        let ceiling = min(baseDelay * (1 << exponent), maxDelay)
        let ms = ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000
        return .milliseconds(Int64.random(in: (ms / 2)...max(ms / 2, ms)))
    }
}

/// An operator-set request budget per source (per minute and per day), so JourneyLake leaves the
/// rest of a vendor's allocation to the company's other integrations.
public actor RequestBudget {
    let perMinute: Int?
    let perDay: Int?
    private var minuteWindow: [ContinuousClock.Instant] = []
    private var dayWindow: [ContinuousClock.Instant] = []

    public init(perMinute: Int?, perDay: Int?) {
        self.perMinute = perMinute
        self.perDay = perDay
    }

    /// Waits until one more request fits in the budget. A day budget that is used up throws, so
    /// the stream ends as partial and resumes on a later pass instead of blocking for hours.
    public func acquire() async throws {
        let clock = ContinuousClock()
        while true {
            let now = clock.now
            minuteWindow.removeAll { now - $0 > .seconds(60) }
            dayWindow.removeAll { now - $0 > .seconds(86_400) }
            if let perDay, dayWindow.count >= perDay {
                throw HTTPFailure(url: "", attempts: 0, reason: "the source's request budget of \(perDay) per day is used up")
            }
            if let perMinute, minuteWindow.count >= perMinute, let oldest = minuteWindow.first {
                try await Task.sleep(until: oldest.advanced(by: .seconds(60)), clock: clock)
                continue
            }
            minuteWindow.append(now)
            dayWindow.append(now)
            return
        }
    }
}
