import Foundation

/// How a record reached a batch: fetched now, or mapped again from what the store kept.
public enum Delivery: Sendable, Equatable {
    /// Read from the source in this pass.
    case fetched
    /// The stored current version of `recordKey`, mapped again with today's mapping
    /// (`journeylake reprocess`): its raw copy exists, and it is applied even though it is unchanged.
    case replayed(recordKey: String)
    /// A quarantined input that today's mapping accepts: it leaves `quarantine` as it loads.
    case retried(quarantineId: Int64)
}

/// One source record as received, with what it means canonically.
public struct IncomingRecord: Sendable {
    public var stream: String
    public var externalId: String
    /// The record as received, as JSON text (the raw zone keeps it to replay mappings).
    public var payload: String
    /// The same record as a tabular row's values, which the raw zone keeps instead of `payload`
    /// (its header's names once); nil: the text itself is kept.
    public var tabular: TabularPayload?
    public var contentHash: String
    /// Where it came from: `file.csv:42` or a URL.
    public var origin: String?
    public var canonical: CanonicalRecord
    public var delivery: Delivery

    public init(
        stream: String, externalId: String, payload: String, tabular: TabularPayload? = nil, contentHash: String, origin: String?,
        canonical: CanonicalRecord, delivery: Delivery = .fetched
    ) {
        self.stream = stream
        self.externalId = externalId
        self.payload = payload
        self.tabular = tabular
        self.contentHash = contentHash
        self.origin = origin
        self.canonical = canonical
        self.delivery = delivery
    }
}

/// A tabular row as the raw zone keeps it: the payload object's values in column order, and its
/// keys — the file's header — as one text shared by every row of the file.
public struct TabularPayload: Sendable, Equatable {
    /// The column names as a JSON array of strings (the key of their row in `raw_columns`).
    public var columns: String
    /// The values as a JSON array, one per column: a string, or `null` past a short row's end.
    public var values: String

    public init(columns: String, values: String) {
        self.columns = columns
        self.values = values
    }
}

/// A record as the raw zone keeps it, read back for mapping again.
public enum RawPayload: Sendable, Equatable {
    /// The text as received: a JSON object (API pages, JSON-lines files, rows kept before 0019).
    case text(String)
    /// A tabular row: its values under its header.
    case tabular(TabularPayload)
}

/// An input that could not be normalized; kept with its reason instead of being dropped.
public struct QuarantinedInput: Sendable {
    public var stream: String
    public var externalId: String?
    public var reason: QuarantineReason
    public var payload: String
    public var origin: String?
    /// Where the input starts in its file (path and byte offset): what tells two identical bad rows
    /// apart. Nil for inputs without a stable position (API pages), which their text identifies.
    public var position: String?
    /// What this quarantine entry takes the place of, when it comes from mapping stored data again.
    public var replaces: Replaced?

    /// Stored data that today's mapping rejects.
    public enum Replaced: Sendable, Equatable {
        /// A record that loaded before: it leaves the live tables (its raw versions stay).
        case record(key: String)
        /// A quarantined input rejected again: its row is kept, with today's reason.
        case quarantineRow(id: Int64)
    }

    public init(
        stream: String, externalId: String?, reason: QuarantineReason, payload: String, origin: String?, position: String? = nil,
        replaces: Replaced? = nil
    ) {
        self.stream = stream
        self.externalId = externalId
        self.reason = reason
        self.payload = payload
        self.origin = origin
        self.position = position
        self.replaces = replaces
    }
}

/// Where a file-drop source has got to in one file; committed with the batch it ends.
public struct FileProgress: Sendable, Equatable {
    public var path: String
    public var stream: String?
    public var size: Int64
    public var modifiedNanoseconds: Int64
    public var headHash: String
    public var byteOffset: Int64
    public var rowNumber: Int64
    public var completed: Bool

    public init(path: String, stream: String?, size: Int64, modifiedNanoseconds: Int64, headHash: String,
                byteOffset: Int64, rowNumber: Int64, completed: Bool) {
        self.path = path
        self.stream = stream
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.headHash = headHash
        self.byteOffset = byteOffset
        self.rowNumber = rowNumber
        self.completed = completed
    }
}

/// Everything one transaction writes: records, quarantine rows and the source's progress.
public struct WriteBatch: Sendable {
    public enum Item: Sendable {
        case record(IncomingRecord)
        case quarantine(QuarantinedInput)
    }

    public var source: String
    public var fetchedAt: Timestamp
    public var items: [Item]
    public var fileProgress: FileProgress?
    /// Cursor text per stream to store in `sync_state.cursor`.
    public var cursors: [String: String]
    /// Set for batches of `journeylake reprocess`: how far the run has got, committed with them.
    /// Such batches read nothing from the source, so they leave `sync_state` alone.
    public var replayProgress: ReplayProgress?

    public init(source: String, fetchedAt: Timestamp, items: [Item] = [], fileProgress: FileProgress? = nil,
                cursors: [String: String] = [:], replayProgress: ReplayProgress? = nil) {
        self.source = source
        self.fetchedAt = fetchedAt
        self.items = items
        self.fileProgress = fileProgress
        self.cursors = cursors
        self.replayProgress = replayProgress
    }
}

/// Where a `journeylake reprocess` run over one source (and stream selection) has got to: the
/// last stored record it re-mapped, then the last quarantine row it retried.
public struct ReplayProgress: Sendable, Equatable {
    public enum Phase: String, Sendable { case records, quarantine }

    /// `*` for every stream, else the selected streams, sorted and comma-separated.
    public var scope: String
    public var phase: Phase
    public var afterRecord: String?
    public var afterQuarantine: Int64?
    public var startedAt: Timestamp

    public init(scope: String, phase: Phase, afterRecord: String?, afterQuarantine: Int64?, startedAt: Timestamp) {
        self.scope = scope
        self.phase = phase
        self.afterRecord = afterRecord
        self.afterQuarantine = afterQuarantine
        self.startedAt = startedAt
    }
}

/// What a batch did, per stream: every input is exactly one of new, updated, unchanged, deleted,
/// quarantined or suppressed.
public struct StreamCounts: Sendable, Equatable {
    public var read = 0
    public var new = 0
    public var updated = 0
    public var unchanged = 0
    public var deleted = 0
    public var quarantined = 0
    /// Inputs about a forgotten person (`journeylake forget`), refused without being stored.
    public var suppressed = 0
    /// `quarantined`, split by reason code (reports and `journeylake_quarantined_total` group by it).
    public var quarantinedByCode: [QuarantineCode: Int] = [:]

    public init() {}

    public static func += (lhs: inout StreamCounts, rhs: StreamCounts) {
        lhs.read += rhs.read
        lhs.new += rhs.new
        lhs.updated += rhs.updated
        lhs.unchanged += rhs.unchanged
        lhs.deleted += rhs.deleted
        lhs.quarantined += rhs.quarantined
        lhs.suppressed += rhs.suppressed
        lhs.quarantinedByCode.merge(rhs.quarantinedByCode, uniquingKeysWith: +)
    }
}
