import Dispatch
import Foundation
import JourneyModel
import JourneyStore
import Synchronization

/// Carries a read-only query's output from the thread SQLite runs it on to the HTTP response,
/// in chunks, with back-pressure: at most `capacity` chunks wait, then SQLite waits for the
/// client. A client that stops reading for `stallLimit` ends the query, so no reader holds a
/// connection (and the WAL) for a client that went away without closing.
final class QueryStream: Sendable {
    static let chunkBytes = 32 * 1024
    static let capacity = 4
    static let stallLimit: DispatchTimeInterval = .seconds(60)

    private struct State {
        var chunks: [[UInt8]] = []
        var finished = false
        var failure: (any Error)?
        var cancelled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// The client went away or stopped reading.
    struct Abandoned: Error {}

    private let state = Mutex(State())
    private let space = DispatchSemaphore(value: QueryStream.capacity)

    /// Runs `produce` on a thread of its own (SQLite blocks it); what it writes to the sink it
    /// is given arrives in `next()`.
    static func start(_ produce: @escaping @Sendable (inout ChunkWriter) throws -> Void) -> QueryStream {
        let stream = QueryStream()
        Thread.detachNewThread {
            var writer = ChunkWriter(stream: stream)
            do {
                try produce(&writer)
                try writer.flush()
                stream.finish(nil)
            } catch {
                stream.finish(error)
            }
        }
        return stream
    }

    /// The next chunk; nil after the last. Throws what the producer threw once its chunks are taken.
    func next() async throws -> [UInt8]? {
        while true {
            enum Step { case chunk([UInt8]), end((any Error)?), wait }
            let step = state.withLock { s -> Step in
                if !s.chunks.isEmpty { return .chunk(s.chunks.removeFirst()) }
                if s.finished { return .end(s.failure) }
                return .wait
            }
            switch step {
            case .chunk(let bytes):
                space.signal()
                return bytes
            case .end(let failure):
                if let failure { throw failure }
                return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { s -> Bool in
                        if !s.chunks.isEmpty || s.finished { return true }
                        s.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }

    /// Stops the producer at its next chunk (the client is gone).
    func cancel() {
        state.withLock { $0.cancelled = true }
        for _ in 0...Self.capacity { space.signal() }
    }

    fileprivate func put(_ bytes: [UInt8]) throws {
        guard space.wait(timeout: .now() + Self.stallLimit) == .success else { throw Abandoned() }
        let waiter = try state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.cancelled { throw Abandoned() }
            s.chunks.append(bytes)
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    private func finish(_ failure: (any Error)?) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.finished = true
            s.failure = failure
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }
}

/// Collects text into chunks of `QueryStream.chunkBytes` and hands each full one over.
struct ChunkWriter {
    fileprivate let stream: QueryStream
    private var buffer: [UInt8] = []
    /// True once a chunk has gone to the client: errors can no longer change the status.
    private(set) var sent = false

    fileprivate init(stream: QueryStream) {
        self.stream = stream
        buffer.reserveCapacity(QueryStream.chunkBytes)
    }

    mutating func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= QueryStream.chunkBytes { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try stream.put(buffer)
        sent = true
        buffer.removeAll(keepingCapacity: true)
    }

    /// Drops what was written but not yet sent (an error answer replaces it).
    mutating func discardUnsent() { buffer.removeAll(keepingCapacity: true) }
}

/// Writes a query result as the API's JSON (`{"columns", "rows", "row_count", "truncated"}`) or
/// as CSV (a header line, then rows), into a chunk writer.
struct QueryResultEncoder: QueryResultSink {
    enum Format: String { case json, csv }

    let format: Format
    var out: ChunkWriter
    private var names: [String] = []
    private var count = 0

    init(format: Format, out: ChunkWriter) {
        self.format = format
        self.out = out
    }

    mutating func columns(_ names: [String]) throws {
        self.names = names
        switch format {
        case .csv: try out.write(QueryCell.csvLine(names) + "\r\n")
        case .json: try out.write("{\"columns\": [" + names.map(JSONObjectWriter.quoted).joined(separator: ", ") + "], \"rows\": [")
        }
    }

    mutating func row(_ cells: [QueryCell]) throws {
        switch format {
        case .csv: try out.write(QueryCell.csvLine(cells.map(\.plain)) + "\r\n")
        case .json: try out.write((count == 0 ? "\n" : ",\n") + QueryCell.jsonObject(names, cells))
        }
        count += 1
    }

    /// Closes the JSON document; `error` (JSON) says why the rows stopped early.
    mutating func finish(_ summary: QuerySummary?, error: APIError? = nil) throws {
        guard format == .json else { return }
        var tail = "\n], \"row_count\": \(count), \"truncated\": \(summary?.truncated ?? false)"
        if let error { tail += ", " + String(error.body.dropFirst().dropLast()) }
        try out.write(tail + "}\n")
    }
}
