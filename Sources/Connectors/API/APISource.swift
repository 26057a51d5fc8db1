import Foundation
import JourneyModel

/// A source read through a vendor API: pages of each stream, each page committed with the cursor
/// that follows it, so a restart resumes at the last committed page and never skips one.
public struct APISource: IngestSource {
    public let name: String
    public let type: String
    public let pollInterval: Duration
    public let connector: any APIConnector
    public let client: APIClient

    public init(name: String, type: String, pollInterval: Duration, connector: any APIConnector, client: APIClient) {
        self.name = name
        self.type = type
        self.pollInterval = pollInterval
        self.connector = connector
        self.client = client
    }

    public func checkConnection() async throws {
        try await connector.check(client: client)
    }

    public func runPass(sink: any BatchSink, control: PassControl) async throws -> PassReport {
        var report = PassReport()
        let mapping = connector.mapping
        streams: for stream in connector.streams {
            var state = StreamState.parse(try await sink.cursor(source: name, stream: stream))
            var pending: [WriteBatch.Item] = []
            while true {
                if control.shouldStop() {
                    report.status = .stopped
                    break streams
                }
                let page: Page
                do {
                    page = try await connector.readPage(stream: stream, state: state, client: client)
                } catch {
                    // The stream ends here as failed; what was committed stays, the cursor points at it.
                    report.errors.append((stream: .stream(stream), message: "\(error)"))
                    continue streams
                }
                for (text, object) in page.records {
                    let row = SourceRow(json: object, origin: page.origin, nullMarkers: mapping.nullMarkers)
                    switch mapping.map(row, stream: page.object) {
                    case .record(let externalId, let canonical):
                        pending.append(.record(IncomingRecord(
                            stream: canonical.key.object, externalId: externalId, payload: text, contentHash: ContentHash.hex(text),
                            origin: page.origin, canonical: canonical)))
                    case .quarantine(let externalId, let reason):
                        pending.append(.quarantine(QuarantinedInput(
                            stream: stream, externalId: externalId, reason: reason, payload: text, origin: page.origin)))
                    }
                }
                let batch = WriteBatch(source: name, fetchedAt: control.clock(), items: pending, cursors: [stream: page.next.json])
                for (s, c) in try await sink.commit(batch) { report.counts[s, default: StreamCounts()] += c }
                if report.counts[stream] == nil { report.counts[stream] = StreamCounts() }
                pending.removeAll(keepingCapacity: true)
                state = page.next
                if let failure = page.failure {
                    report.errors.append((stream: .stream(stream), message: failure))
                    continue streams
                }
                if page.caughtUp { break }
            }
        }
        if !report.errors.isEmpty, report.status == .ok {
            report.status = report.errors.count >= connector.streams.count ? .failed : .partial
        }
        return report
    }
}
