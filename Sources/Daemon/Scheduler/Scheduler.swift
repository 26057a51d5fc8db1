import Foundation
public import Connectors
import JourneyModel
import Logging
public import QueryServer
public import ServiceLifecycle
import Synchronization

/// Runs every source on its own interval (with jitter), up to `max_concurrent_sources` at once,
/// backs a failing source off without delaying the others, runs a source now when the admin API
/// asks, re-derives everyone hourly, and pings the systemd watchdog from its loop, so a hung
/// scheduler is restarted. On graceful shutdown no new pass starts and each pass in flight stops
/// after its current batch commits.
public final class Scheduler: Service, SourceSyncing {
    /// One configured source and where it stands.
    struct Entry {
        var source: any IngestSource
        var enabled: Bool
        var due: ContinuousClock.Instant
        /// Position in the config: ties (at start-up, every source) run in config order.
        var order: Int
        var failures = 0
        var running = false
        /// Waiting for the next pass (queued by the admin API).
        var requested = false
        var waitingForNext: [CheckedContinuation<SyncRequestResult, Never>] = []
        var waitingForCurrent: [CheckedContinuation<SyncRequestResult, Never>] = []
    }

    struct State {
        var entries: [String: Entry] = [:]
        var ingestor: Ingestor
        var settings: SchedulerSettings
        var stopping = false
        var rederiveDue: ContinuousClock.Instant
        var rederiving = false
    }

    enum Event: Sendable {
        case tick, poke, stop, rederived
        case finished(String, SourceOutcome)
    }

    private let state: Mutex<State>
    private let events: AsyncStream<Event>
    private let wake: AsyncStream<Event>.Continuation
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let clock = ContinuousClock()
    /// Called after each pass with its outcome (metrics, `STATUS=`).
    private let onPass: @Sendable (SourceOutcome) -> Void

    public init(
        ingestor: Ingestor, sources: [(source: any IngestSource, enabled: Bool)], settings: SchedulerSettings, notifier: SystemdNotifier,
        logger: Logger, onPass: @escaping @Sendable (SourceOutcome) -> Void = { _ in }
    ) {
        let now = clock.now
        var initial = State(ingestor: ingestor, settings: settings, rederiveDue: now.advanced(by: settings.rederiveEvery))
        for (i, (source, enabled)) in sources.enumerated() {
            initial.entries[source.name] = Entry(source: source, enabled: enabled, due: now, order: i)
        }
        state = Mutex(initial)
        (events, wake) = AsyncStream.makeStream(of: Event.self)
        self.notifier = notifier
        self.logger = logger
        self.onPass = onPass
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    /// The ingestor in force (a reload replaces it): its store and the derivers of its definitions.
    var ingestor: Ingestor { state.withLock { $0.ingestor } }

    /// The `order` of a source a reload removed while its pass ran.
    static let removedOrder = Int.max

    /// The loop's period: often enough for the watchdog and for 1 s intervals.
    var tick: Duration { min(.seconds(1), notifier.watchdogInterval ?? .seconds(1)) }

    public func run() async throws {
        let wake = self.wake
        let tick = self.tick
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: tick)
                        wake.yield(.tick)
                    }
                }
                var lastPing: ContinuousClock.Instant?
                for await event in events {
                    handle(event)
                    if let interval = notifier.watchdogInterval, lastPing.map({ clock.now - $0 >= interval }) ?? true {
                        notifier.notify(.watchdog)
                        lastPing = clock.now
                    }
                    if state.withLock({ $0.stopping && !$0.rederiving && !$0.entries.values.contains(where: \.running) }) { break }
                    startDueWork(in: &group)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            wake.yield(.stop)
        }
        // Anyone still waiting for a pass learns that none will come.
        let waiting = state.withLock { s in s.entries.values.flatMap { $0.waitingForNext + $0.waitingForCurrent } }
        for w in waiting { w.resume(returning: .stopping) }
        logger.info("scheduler stopped")
    }

    private func handle(_ event: Event) {
        switch event {
        case .tick, .poke: break
        case .stop:
            state.withLock { $0.stopping = true }
            logger.notice("stopping: no new pass starts; passes in flight stop after their current batch")
        case .rederived:
            state.withLock { s in
                s.rederiving = false
                s.rederiveDue = clock.now.advanced(by: s.settings.rederiveEvery)
            }
        case .finished(let name, let outcome):
            let waiters = state.withLock { s -> [CheckedContinuation<SyncRequestResult, Never>] in
                guard var e = s.entries[name] else { return [] }
                e.running = false
                e.failures = outcome.failed ? e.failures + 1 : 0
                let delay = s.settings.delay(interval: e.source.pollInterval, failures: e.failures, random: Double.random(in: 0..<1))
                e.due = clock.now.advanced(by: delay)
                if e.failures > 0 {
                    logger.warning("source backing off", metadata: [
                        "source": "\(name)", "failures": "\(e.failures)", "next_in_seconds": "\(delay.components.seconds)",
                    ])
                }
                let waiters = e.waitingForCurrent
                e.waitingForCurrent = []
                // A source a reload removed while it ran is gone once its pass ends.
                s.entries[name] = e.order == Self.removedOrder ? nil : e
                return waiters
            }
            let summary = SyncSummary(outcome)
            for w in waiters { w.resume(returning: .finished(summary)) }
            onPass(outcome)
        }
    }

    private func startDueWork(in group: inout DiscardingTaskGroup) {
        let now = clock.now
        let (passes, rederive) = state.withLock { s -> ([(String, any IngestSource, Ingestor)], Ingestor?) in
            guard !s.stopping else { return ([], nil) }
            var slots = s.settings.maxConcurrentSources - s.entries.values.filter(\.running).count
            var picked: [(String, any IngestSource, Ingestor)] = []
            // Requested first, then the most overdue.
            let due = s.entries.filter { $0.value.enabled && !$0.value.running && ($0.value.requested || $0.value.due <= now) }
                .sorted { ($0.value.requested ? 0 : 1, $0.value.due, $0.value.order) < ($1.value.requested ? 0 : 1, $1.value.due, $1.value.order) }
            for (name, var e) in due where slots > 0 {
                e.running = true
                e.requested = false
                e.waitingForCurrent = e.waitingForNext
                e.waitingForNext = []
                s.entries[name] = e
                picked.append((name, e.source, s.ingestor))
                slots -= 1
            }
            var rederive: Ingestor?
            if !s.rederiving, now >= s.rederiveDue {
                s.rederiving = true
                rederive = s.ingestor
            }
            return (picked, rederive)
        }
        let wake = self.wake
        for (name, source, ingestor) in passes {
            logger.debug("pass starting", metadata: ["source": "\(name)"])
            group.addTask {
                let outcome = await ingestor.run(source, waitForSettling: false, shouldStop: { Task.isCancelled || self.isStopping })
                wake.yield(.finished(name, outcome))
            }
        }
        if let rederive {
            group.addTask {
                await rederive.derive.rederiveEverything()
                wake.yield(.rederived)
            }
        }
    }

    /// Puts a reloaded config in force: new sources are due now, removed ones are dropped (a
    /// pass in flight finishes), kept ones keep their schedule; with `rederive`, everyone is
    /// derived again under the new definitions.
    public func apply(
        ingestor: Ingestor, sources: [(source: any IngestSource, enabled: Bool)], settings: SchedulerSettings, rederive: Bool
    ) {
        let now = clock.now
        let dropped = state.withLock { s -> [CheckedContinuation<SyncRequestResult, Never>] in
            s.ingestor = ingestor
            s.settings = settings
            if rederive { s.rederiveDue = now }
            var entries: [String: Entry] = [:]
            for (i, (source, enabled)) in sources.enumerated() {
                var e = s.entries[source.name] ?? Entry(source: source, enabled: enabled, due: now, order: i)
                e.source = source
                e.enabled = enabled
                e.order = i
                entries[source.name] = e
            }
            let gone = s.entries.filter { entries[$0.key] == nil }
            // A removed source's pass in flight still reports to its waiters through `running`
            // bookkeeping; it is kept until it finishes.
            for (name, e) in gone where e.running {
                entries[name] = Entry(
                    source: e.source, enabled: false, due: e.due, order: Self.removedOrder, running: true,
                    waitingForCurrent: e.waitingForCurrent)
            }
            s.entries = entries
            return gone.values.flatMap(\.waitingForNext)
        }
        for w in dropped { w.resume(returning: .unknownSource) }
        wake.yield(.poke)
    }

    public func requestSync(of name: String, wait: Bool) async -> SyncRequestResult {
        if !wait {
            let result = state.withLock { s -> SyncRequestResult in
                if s.stopping { return .stopping }
                guard var e = s.entries[name] else { return .unknownSource }
                guard e.enabled else { return .disabled }
                e.requested = true
                s.entries[name] = e
                return .queued
            }
            wake.yield(.poke)
            return result
        }
        return await withCheckedContinuation { continuation in
            let immediate = state.withLock { s -> SyncRequestResult? in
                if s.stopping { return .stopping }
                guard var e = s.entries[name] else { return .unknownSource }
                guard e.enabled else { return .disabled }
                e.requested = true
                e.waitingForNext.append(continuation)
                s.entries[name] = e
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) } else { wake.yield(.poke) }
        }
    }
}

extension SyncSummary {
    init(_ outcome: SourceOutcome) {
        self.init(
            source: outcome.source, status: outcome.report.status.rawValue,
            streams: outcome.report.counts.sorted { $0.key < $1.key }.map { stream, c in
                StreamSummary(stream: stream, read: c.read, new: c.new, updated: c.updated, unchanged: c.unchanged, deleted: c.deleted,
                              quarantined: c.quarantined)
            },
            errors: outcome.report.errors.map { "\($0.stream): \($0.message)" })
    }
}
