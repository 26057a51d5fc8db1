import Foundation
public import JourneyModel

/// A configured source that can make one incremental pass over its data.
///
/// A source only reads and maps; it hands bounded batches to a `BatchSink`, which commits each
/// batch (records, quarantine, progress) in one transaction. Sources never touch the store.
public protocol IngestSource: Sendable {
    var name: String { get }
    var type: String { get }
    var pollInterval: Duration { get }
    func runPass(sink: any BatchSink, control: PassControl) async throws -> PassReport
    /// One cheap check that the source is reachable with its credentials (`config check --connect`).
    func checkConnection() async throws
}

/// Where batches go: the daemon implements it on the journey store.
public protocol BatchSink: Sendable {
    /// Progress a file-drop source committed earlier, by file path.
    func fileProgress(source: String) async throws -> [String: FileProgress]
    /// The cursor a stream committed last (`sync_state.cursor`), nil before its first read.
    func cursor(source: String, stream: String) async throws -> String?
    /// Commits one batch atomically and says what it did per stream.
    func commit(_ batch: WriteBatch) async throws -> [String: StreamCounts]
    /// Told before a pass reads about `records` records (a file drop's unread bytes), so a
    /// large load can prepare the store for it.
    func expectLoad(source: String, records: Int) async throws
}

extension BatchSink {
    public func expectLoad(source: String, records: Int) async throws {}
}

/// How a pass should behave.
public struct PassControl: Sendable {
    public var batchSize: Int
    /// `ingest` waits for files still being written; `serve` skips them until the next poll.
    public var waitForSettling: Bool
    /// Checked between batches: the current batch commits whole, then the pass stops.
    public var shouldStop: @Sendable () -> Bool
    public var clock: @Sendable () -> Timestamp

    public init(
        batchSize: Int, waitForSettling: Bool, shouldStop: @escaping @Sendable () -> Bool = { false },
        clock: @escaping @Sendable () -> Timestamp = { Timestamp(.now) }
    ) {
        self.batchSize = batchSize
        self.waitForSettling = waitForSettling
        self.shouldStop = shouldStop
        self.clock = clock
    }
}

/// What one pass did.
public struct PassReport: Sendable {
    public enum Status: String, Sendable { case ok, partial, failed, stopped }

    public var status: Status = .ok
    public var counts: [String: StreamCounts] = [:]
    /// Problems that failed part of the pass: of one stream, or of the source as a whole.
    public var errors: [(stream: StreamScope, message: String)] = []
    /// Files left for a later pass because they were still being written.
    public var waiting: [String] = []
    public var filesSkipped = 0

    public init() {}
}
