@testable import Daemon
import Foundation
import JourneyConfig
import JourneyTesting
import Testing

/// When sources run next, and what the daemon tells systemd.
@Suite struct SchedulingTests {
    /// A long pass derives once `derive_every` has passed, then waits at least twice as long as
    /// that derive took, so deriving mid-pass never takes more than a third of it; zero derives
    /// after every batch.
    @Test func aPassDerivesEveryIntervalButNeverMoreThanAThirdOfTheTime() async throws {
        let zero = DeriveCadence(every: .zero)
        #expect(zero.isDue())
        zero.derived(taking: .seconds(3600))
        #expect(zero.isDue())

        let cadence = DeriveCadence(every: .milliseconds(20))
        #expect(!cadence.isDue(), "not before the first interval")
        try await Task.sleep(for: .milliseconds(40))
        #expect(cadence.isDue())
        cadence.derived(taking: .seconds(1800))  // a derive of half an hour: the next waits an hour
        try await Task.sleep(for: .milliseconds(40))
        #expect(!cadence.isDue())
        cadence.derived(taking: .milliseconds(1))  // a quick one: back to the interval
        try await Task.sleep(for: .milliseconds(40))
        #expect(cadence.isDue())
    }

    @Test func aFailingSourceWaitsItsIntervalDoubledPerFailureUpToTheCapAndJitterSpreadsRuns() {
        let s = SchedulerSettings(jitter: 0.1, maxBackoff: .seconds(3600))
        #expect(s.delay(interval: .seconds(300), failures: 0, random: 0.5) == .seconds(300))
        #expect(s.delay(interval: .seconds(300), failures: 1, random: 0.5) == .seconds(600))
        #expect(s.delay(interval: .seconds(300), failures: 3, random: 0.5) == .seconds(2400))
        #expect(s.delay(interval: .seconds(300), failures: 4, random: 0.5) == .seconds(3600))
        #expect(s.delay(interval: .seconds(300), failures: 60, random: 0.5) == .seconds(3600))
        // An interval longer than the cap is never shortened by backing off.
        #expect(s.delay(interval: .seconds(7200), failures: 2, random: 0.5) == .seconds(7200))
        #expect(s.delay(interval: .seconds(300), failures: 0, random: 0) == .seconds(270))
        #expect(s.delay(interval: .seconds(300), failures: 0, random: 0.999_999) > .seconds(329))
        #expect(SchedulerSettings(jitter: 0).delay(interval: .seconds(60), failures: 0, random: 0.9) == .seconds(60))
    }

    @Test func daemonSectionIsReadAndCheckedWithFileAndLine() throws {
        let ws = try Workspace()
        let base = "store: { path: journey.sqlite }\nsources: [{name: a, type: files, path: drop, format: salesforce-data-export}]\n"
        let good = try JourneyLakeConfig.load(path: ws.write("a.yaml", base + "daemon: { max_concurrent_sources: 4, jitter: 0.2, max_backoff: 30m }\n").path)
        let s = try SchedulerSettings(node: good.daemon)
        #expect(s.maxConcurrentSources == 4 && s.jitter == 0.2 && s.maxBackoff == .seconds(1800))
        let bad = try JourneyLakeConfig.load(path: ws.write("b.yaml", base + "daemon: { jitter: 2 }\n").path)
        #expect(throws: ConfigError.self) { try SchedulerSettings(node: bad.daemon) }
        let unknown = try JourneyLakeConfig.load(path: ws.write("c.yaml", base + "daemon: { threads: 2 }\n").path)
        #expect(throws: (any Error).self) { try SchedulerSettings(node: unknown.daemon) }
    }

    @Test func notifierSendsOneDatagramPerCallToTheSocketAndNothingWithoutOne() async throws {
        let socket = try NotifySocket()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "10000000"])
        #expect(notifier.isActive && notifier.watchdogInterval == .seconds(5))
        notifier.notify(.ready, .status("ready: 2 sources\nsecond line"))
        notifier.notify(.watchdog)
        notifier.notify(.reloading)
        #expect(try await socket.waitFor("RELOADING=1"))
        #expect(socket.messages.first == "READY=1\nSTATUS=ready: 2 sources second line")
        #expect(socket.lines.contains("WATCHDOG=1"))
        #expect(socket.lines.contains { $0.hasPrefix("MONOTONIC_USEC=") })
        // systemd watching another process, or nobody: no watchdog pings, no datagrams.
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"]).watchdogInterval == nil)
        let silent = SystemdNotifier(environment: [:])
        #expect(!silent.isActive)
        silent.notify(.ready)
    }
}
