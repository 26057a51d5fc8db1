import Foundation
public import JourneyConfig

/// `daemon:` — how `serve` schedules the sources.
///
/// Keys: `max_concurrent_sources` (default 2: sources fetch concurrently, the store still has
/// one writer), `jitter` (fraction of each interval, default 0.1, so sources configured alike do
/// not hit the store and the vendors in lockstep), `max_backoff` (default 1h: a failing source
/// waits its interval doubled per consecutive failure, up to this or its interval if longer),
/// `rederive_every` (default 1h: everyone is derived again for what only time changes).
public struct SchedulerSettings: Sendable, Equatable {
    public var maxConcurrentSources: Int
    public var jitter: Double
    public var maxBackoff: Duration
    public var rederiveEvery: Duration

    public static let keys = ["max_concurrent_sources", "jitter", "max_backoff", "rederive_every"]

    public init(maxConcurrentSources: Int = 2, jitter: Double = 0.1, maxBackoff: Duration = .seconds(3600),
                rederiveEvery: Duration = .seconds(3600)) {
        self.maxConcurrentSources = maxConcurrentSources
        self.jitter = jitter
        self.maxBackoff = maxBackoff
        self.rederiveEvery = rederiveEvery
    }

    public init(node: ConfigNode?) throws {
        self.init()
        guard let node else { return }
        let keyed = try node.keyed(allowed: Self.keys)
        maxConcurrentSources = try keyed["max_concurrent_sources"]?.int(in: 1...64) ?? maxConcurrentSources
        if let j = keyed["jitter"] {
            guard let value = Double(try j.string()), (0...0.5).contains(value) else {
                throw j.error("expected a fraction from 0 to 0.5", hint: "0.1 spreads each run over ±10% of its interval")
            }
            jitter = value
        }
        maxBackoff = try keyed["max_backoff"]?.duration() ?? maxBackoff
        rederiveEvery = try keyed["rederive_every"]?.duration() ?? rederiveEvery
        if rederiveEvery < .seconds(1) { throw keyed["rederive_every"]!.error("must be at least 1s") }
    }

    /// How long after a pass the source runs again: its interval, doubled per consecutive
    /// failure (capped), spread by `jitter`; `random` is uniform in 0..<1.
    public func delay(interval: Duration, failures: Int, random: Double) -> Duration {
        var base = interval
        if failures > 0 {
            let cap = max(interval, maxBackoff)
            base = interval * (1 << min(failures, 20))
            if base > cap { base = cap }
        }
        return base * (1 + jitter * (2 * random - 1))
    }
}
