import Foundation
import JourneyModel

/// What a vendor connector says; everything else (the paging loop, retries, budgets, the commit
/// of page + cursor) is `APISource`'s, written once.
public protocol APIConnector: Sendable {
    /// The streams it reads, in order.
    var streams: [String] { get }
    /// The mapping of its records to the canonical model.
    var mapping: any RecordMapping { get }
    /// Reads the next page of `stream` after `state` (nil: the stream's first read).
    func readPage(stream: String, state: StreamState?, client: APIClient) async throws -> Page
    /// One cheap authenticated call (`config check --connect`).
    func check(client: APIClient) async throws
}

/// A stream's resumable position, stored as JSON text in `sync_state.cursor` and committed in the
/// same transaction as the records read up to it. Connectors decide what the fields mean.
public struct StreamState: Codable, Sendable, Hashable {
    /// Lower bound of the current window (inclusive), e.g. a modification time in epoch ms.
    public var since: String?
    /// Upper bound of the current window (inclusive), fixed from the server's clock when it opens.
    public var until: String?
    /// Keyset position inside the window: the last record id read.
    public var lastId: String?
    /// A vendor paging token inside the window.
    public var pageToken: String?
    /// True while a window is open (a pass was interrupted inside it).
    public var open: Bool

    public init(since: String? = nil, until: String? = nil, lastId: String? = nil, pageToken: String? = nil, open: Bool = false) {
        self.since = since
        self.until = until
        self.lastId = lastId
        self.pageToken = pageToken
        self.open = open
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public static func parse(_ text: String?) -> StreamState? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(StreamState.self, from: data)
    }
}

/// One page as read: raw records (JSON text as received) and where to go next.
public struct Page: Sendable {
    /// Each record's JSON text and decoded object.
    public var records: [(text: String, object: [String: JSONValue])]
    /// State after this page; committed with its records.
    public var next: StreamState
    /// True when the stream is caught up (its window closed and nothing more to read now).
    public var caughtUp: Bool
    /// Where the page came from, for quarantine rows.
    public var origin: String
    /// The object its records are, for the mapping (a stream of archived contacts holds contacts).
    public var object: String
    /// Set when the stream must end failed after this page's state is committed (e.g. a vendor
    /// job that failed: the state says to start a new one next pass).
    public var failure: String?
    /// True when asking again from the same state is the point (polling a vendor job that is
    /// still running); any other page whose state was already asked for in this pass is a loop.
    public var polls = false

    public init(records: [(text: String, object: [String: JSONValue])], next: StreamState, caughtUp: Bool, origin: String, object: String) {
        self.records = records
        self.next = next
        self.caughtUp = caughtUp
        self.origin = origin
        self.object = object
    }
}

/// The vendor answered a page that does not move its stream forward: the next request would
/// repeat one already sent in this pass (a keyset continuation answered with rows the cursor had
/// passed, a paging token handed back unchanged). The stream fails instead of looping and burning
/// the vendor's API allocation; its committed cursor stays at the last page that advanced.
public struct PagingLoop: Error, CustomStringConvertible, Sendable {
    public var source: String
    public var stream: String
    /// The state the vendor's answer would have the stream ask from again (`sync_state.cursor` JSON).
    public var cursor: String
    public init(source: String, stream: String, cursor: String) {
        self.source = source
        self.stream = stream
        self.cursor = cursor
    }
    public var description: String {
        "source '\(source)', stream '\(stream)': the vendor's page did not advance the cursor, so the next request would repeat "
            + "one already sent in this pass (cursor \(cursor)); the stream stops here instead of looping. The committed cursor is "
            + "the last one that advanced; if the vendor keeps answering this way, report it to them"
    }
}

/// A page body that is not what the vendor documents: the stream stops, nothing is committed.
public struct MalformedPage: Error, CustomStringConvertible, Sendable {
    public var url: String
    public var reason: String
    public init(url: String, reason: String) {
        self.url = Redaction.url(url)
        self.reason = Redaction.message(reason)
    }
    public var description: String { "malformed response from \(url): \(reason)" }
}
