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
        var read: Set<String> = []
        let mapping = connector.mapping
        let (_, counts) = try await withCommitPipeline(sink: sink) { pipeline, group in
            var items = BatchBuilder(mapping: mapping, capacity: 0)
            streams: for stream in connector.streams {
                var state = StreamState.parse(try await sink.cursor(source: name, stream: stream))
                // Every state this pass has asked from: a vendor answer leading back to one of
                // them would make the loop repeat requests forever.
                var asked: Set<StreamState> = [state ?? StreamState()]
                while true {
                    if control.shouldStop() {
                        report.status = .stopped
                        break streams
                    }
                    let page: Page
                    do {
                        // The page before this one may still be committing: reading and writing overlap.
                        page = try await connector.readPage(stream: stream, state: state, client: client)
                    } catch {
                        // The stream ends here as failed; what was committed stays, the cursor points at it.
                        report.errors.append((stream: .stream(stream), message: "\(error)"))
                        continue streams
                    }
                    if !page.caughtUp, !page.polls, !asked.insert(page.next).inserted {
                        // Nothing of this page is committed: it holds rows the cursor already passed.
                        report.errors.append((stream: .stream(stream), message: "\(PagingLoop(source: name, stream: stream, cursor: page.next.json))"))
                        continue streams
                    }
                    for (text, object) in page.records {
                        let row = SourceRow(json: object, origin: page.origin, nullMarkers: mapping.nullMarkers)
                        items.add(row, stream: page.object, quarantineStream: stream, payload: text, rawText: { text })
                    }
                    let batch = WriteBatch(source: name, fetchedAt: control.clock(), items: items.take(), cursors: [stream: page.next.json])
                    try await pipeline.submit(batch, in: &group)
                    read.insert(stream)
                    state = page.next
                    if let failure = page.failure {
                        report.errors.append((stream: .stream(stream), message: failure))
                        continue streams
                    }
                    if page.caughtUp { break }
                }
            }
        }
        for (s, c) in counts { report.counts[s, default: StreamCounts()] += c }
        for stream in read where report.counts[stream] == nil { report.counts[stream] = StreamCounts() }
        if !report.errors.isEmpty, report.status == .ok {
            report.status = report.errors.count >= connector.streams.count ? .failed : .partial
        }
        return report
    }
}
