import Foundation
public import JourneyStore
import JourneyModel
import Logging
import Metrics

/// Runs the registered derivers over what committed batches queued, one bounded transaction per
/// step. It runs after every batch and at the start of every pass, so work a crash left queued
/// is done before anything new: derived data catches up, it never silently falls behind.
public struct DerivePipeline: Sendable {
    public let store: JourneyStore
    public let derivers: [any Deriver]
    let logger: Logger

    public init(store: JourneyStore, derivers: [any Deriver], logger: Logger) {
        self.store = store
        self.derivers = derivers
        self.logger = logger
    }

    /// Whether batches must queue their changes (only when someone will read them).
    public var isActive: Bool { !derivers.isEmpty }

    /// A deriver that failed: its transaction rolled back, its work stays queued for the next drain.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var deriver: String
        public var message: String
        public var description: String {
            "deriver \(deriver) failed (its work stays queued and is retried after the next batch): \(message)"
        }
    }

    /// Derives every person and account again (what only time changes: SLA clocks, decay).
    @discardableResult
    public func rederiveEverything(at time: Timestamp = Timestamp(.now)) async -> [Failure] {
        guard isActive else { return [] }
        for deriver in derivers {
            do {
                try await store.resetDerive(deriver.name)
            } catch {
                logger.warning("cannot schedule a full derive", metadata: ["deriver": "\(deriver.name)", "error": "\(error)"])
            }
        }
        return await drain(at: time)
    }

    /// Derives everything again for the derivers that say they need it (a model learned on a
    /// store that has grown since), and works off the queue. A reset deriver's full derive
    /// covers everything queued, so the queue is not derived first and then again.
    @discardableResult
    public func refreshStale(at time: Timestamp = Timestamp(.now)) async -> [Failure] {
        guard isActive else { return [] }
        var failures: [Failure] = []
        for deriver in derivers {
            do {
                if try await store.needsFullDerive(deriver) {
                    try await store.resetDerive(deriver.name)
                }
            } catch {
                logger.warning("cannot tell whether a deriver is out of date", metadata: ["deriver": "\(deriver.name)", "error": "\(error)"])
            }
        }
        failures += await drain(at: time)
        return failures
    }

    /// Works off everything queued. A failing deriver does not stop the others or the ingest.
    @discardableResult
    public func drain(at time: Timestamp = Timestamp(.now)) async -> [Failure] {
        guard isActive else { return [] }
        var failures: [Failure] = []
        var worked = false
        for deriver in derivers {
            do {
                let clock = ContinuousClock()
                var steps = 0, persons = 0, accounts = 0, everything = false
                let started = clock.now
                while true {
                    let work = try await store.deriveStep(deriver, at: time)
                    if work.isEmpty { break }
                    worked = true
                    steps += 1
                    persons += work.persons.count + work.removedPersons.count
                    accounts += work.accounts.count + work.removedAccounts.count
                    everything = everything || work.everything || work.allPersons
                }
                if steps > 0 {
                    let elapsed = started.duration(to: clock.now)
                    Timer(label: MetricName.deriveDuration, dimensions: [("deriver", deriver.name)]).recordNanoseconds(
                        elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                    logger.info(
                        "derived",
                        metadata: [
                            "deriver": "\(deriver.name)", "persons": "\(everything ? "all" : String(persons))", "accounts": "\(accounts)",
                            "steps": "\(steps)", "seconds": "\(String(format: "%.3f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))",
                        ])
                }
            } catch {
                let failure = Failure(deriver: deriver.name, message: "\(error)")
                logger.error("derive failed", metadata: ["deriver": "\(deriver.name)", "error": "\(failure.message)"])
                Counter(label: "journeylake_derive_failures_total", dimensions: [("deriver", deriver.name)]).increment()
                Counter(label: MetricName.errors, dimensions: [("kind", "derive")]).increment()
                failures.append(failure)
            }
        }
        // Nothing was derived, so nothing new can be pruned: no extra write transaction per pass.
        guard worked else { return failures }
        do {
            try await store.pruneDeriveQueue(keepingFor: derivers.map(\.name))
        } catch {
            logger.warning("cannot prune the derive queue", metadata: ["error": "\(error)"])
        }
        return failures
    }
}
