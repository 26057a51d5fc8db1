public import Insights
public import JourneyStore
import Synchronization

/// What the API serves by that a reload may change: replaced whole, so a request sees one
/// consistent configuration.
public struct ServerConfiguration: Sendable {
    public var settings: ServerSettings
    public var tokens: TokenFile
    /// The shared definitions the reports are computed under.
    public var definitions: Definitions
    /// Every configured source, for `GET /v1/sources` (sources that never ran are listed too).
    public var sources: [ConfiguredSource]

    public init(settings: ServerSettings, tokens: TokenFile, definitions: Definitions, sources: [ConfiguredSource]) {
        self.settings = settings
        self.tokens = tokens
        self.definitions = definitions
        self.sources = sources
    }
}

/// A source as the config names it.
public struct ConfiguredSource: Sendable, Equatable {
    public var name: String
    public var enabled: Bool

    public init(name: String, enabled: Bool) {
        self.name = name
        self.enabled = enabled
    }
}

/// The server's mutable state, shared with the daemon: the configuration in force and whether
/// the daemon is ready (`/readyz`).
public final class ServerState: Sendable {
    private let configuration: Mutex<ServerConfiguration>
    private let ready = Mutex(false)

    public init(_ configuration: ServerConfiguration) {
        self.configuration = Mutex(configuration)
    }

    public var current: ServerConfiguration { configuration.withLock { $0 } }

    /// Puts a reloaded configuration in force for the next request.
    public func replace(_ new: ServerConfiguration) { configuration.withLock { $0 = new } }

    /// True between the daemon's start-up and the start of its shutdown.
    public var isReady: Bool {
        get { ready.withLock { $0 } }
        set { ready.withLock { $0 = newValue } }
    }
}

/// What the API asks of the scheduler: run one source now.
public protocol SourceSyncing: Sendable {
    /// Queues a pass of `source` ahead of its schedule; with `wait`, returns once it has run.
    func requestSync(of source: String, wait: Bool) async -> SyncRequestResult
}

/// The answer to a sync request.
public enum SyncRequestResult: Sendable, Equatable {
    case unknownSource
    case disabled
    /// The daemon is stopping: nothing new starts.
    case stopping
    case queued
    case finished(SyncSummary)
}

/// What one pass of a source did, as the admin API reports it.
public struct SyncSummary: Sendable, Equatable, Codable {
    public var source: String
    /// ok, partial, failed or stopped.
    public var status: String
    public var streams: [StreamSummary]
    /// Why streams failed (redacted at the source: no secret reaches it).
    public var errors: [String]

    public init(source: String, status: String, streams: [StreamSummary], errors: [String]) {
        self.source = source
        self.status = status
        self.streams = streams
        self.errors = errors
    }
}

/// One stream's counts in a pass.
public struct StreamSummary: Sendable, Equatable, Codable {
    public var stream: String
    public var read: Int
    public var new: Int
    public var updated: Int
    public var unchanged: Int
    public var deleted: Int
    public var quarantined: Int

    public init(stream: String, read: Int, new: Int, updated: Int, unchanged: Int, deleted: Int, quarantined: Int) {
        self.stream = stream
        self.read = read
        self.new = new
        self.updated = updated
        self.unchanged = unchanged
        self.deleted = deleted
        self.quarantined = quarantined
    }
}

/// The Prometheus text `/metrics` serves, made by whoever owns the metrics (the daemon).
public protocol MetricsExporting: Sendable {
    func exposition() async -> String
}

/// What `POST /v1/forget` asks of the store's one writer (the daemon): a GDPR erasure while it
/// runs, since `journeylake forget` would wait for the daemon to stop.
public protocol PersonForgetting: Sendable {
    /// Forgets the person `who` names (as `journeylake forget`).
    func forget(_ who: String, anonymise: Bool, reason: String?) async throws -> ForgetAnswer
}

/// What a forget request came to.
public enum ForgetAnswer: Sendable, Equatable {
    case forgotten(ForgetRecord)
    /// Nothing matches and the text is no identifier either; why, for the reply.
    case nobody(String)
    /// A bare value several persons' identifiers share; which, for the reply.
    case ambiguous(String)
}

/// What the dashboard asks of the store's one writer (the daemon): record what someone did with a
/// suggestion, so the feedback loop sees it and the prospect's suggestions are derived again.
public protocol SuggestionFeedbackRecording: Sendable {
    /// Marks the person's open suggestion of `action`; throws `FeedbackError.noOpenSuggestion`
    /// when there is none (taken, ignored or withdrawn meanwhile).
    func record(_ feedback: SuggestionFeedback, person: String, action: String) async throws
}
