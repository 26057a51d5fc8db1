import Foundation
import JourneyModel

/// The first read of an object through Bulk API 2.0 (`bulk_backfill: true`): one `queryAll` job
/// for everything up to the window's upper bound, its CSV results read page by page with the
/// `Sforce-Locator`, each page committed with the job id and locator so a restart resumes there.
/// After the last page the stream continues incrementally through REST from that upper bound.
extension SalesforceConnector {
    /// `pageToken` values of a backfill: `bulk:<job id>` (waiting for the job) and
    /// `bulk:<job id>:<locator>` (reading results; locator `-` for the first page).
    static func bulkToken(job: String, locator: String?) -> String { locator.map { "bulk:\(job):\($0)" } ?? "bulk:\(job)" }

    func readBulk(stream: String, window: StreamState, base: URL, client: APIClient) async throws -> Page {
        let origin = base.appendingPathComponent("jobs/query").absoluteString
        let parts = (window.pageToken ?? "bulk").split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var next = window
        guard parts.count >= 2, !parts[1].isEmpty else {
            // Create the job: every row up to the window's upper bound, deleted ones included.
            let soql = "SELECT \(config.fields(for: stream).joined(separator: ",")) FROM \(stream) WHERE SystemModstamp <= \(window.until!)"
            let body = try JSONSerialization.data(withJSONObject: [
                "operation": "queryAll", "query": soql, "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF",
            ], options: [.sortedKeys])
            let url = base.appendingPathComponent("jobs/query")
            let (_, job) = try await client.send(auth: auth, { token in
                HTTPRequest(method: "POST", url: url, headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body)
            }, decode: { response -> String in
                guard let top = try JSONSerialization.jsonObject(with: response.body) as? [String: Any], let id = top["id"] as? String else {
                    throw MalformedPage(url: url.absoluteString, reason: "no job id")
                }
                return id
            })
            next.pageToken = Self.bulkToken(job: job, locator: nil)
            return Page(records: [], next: next, caughtUp: false, origin: origin, object: stream)
        }
        let job = parts[1]
        if parts.count == 2 {
            // Wait for the job, politely: one status call per poll interval.
            try await Task.sleep(for: config.bulkPollInterval)
            let url = base.appendingPathComponent("jobs/query/\(job)")
            let (_, state) = try await client.send(auth: auth, { token in
                HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"])
            }, decode: { response -> String in
                guard let top = try JSONSerialization.jsonObject(with: response.body) as? [String: Any], let s = top["state"] as? String else {
                    throw MalformedPage(url: url.absoluteString, reason: "no job state")
                }
                return s
            })
            switch state {
            case "JobComplete": next.pageToken = Self.bulkToken(job: job, locator: "-")
            case "Failed", "Aborted":
                // Nothing of this job was read: the next pass starts a new one.
                next.pageToken = "bulk"
                var page = Page(records: [], next: next, caughtUp: false, origin: origin, object: stream)
                page.failure = "Salesforce Bulk API job \(job) ended \(state); a new job starts on the next pass"
                return page
            default:
                // Still running: the next page asks the same status again, on purpose.
                var page = Page(records: [], next: next, caughtUp: false, origin: origin, object: stream)
                page.polls = true
                return page
            }
            return Page(records: [], next: next, caughtUp: false, origin: origin, object: stream)
        }
        let locator = parts[2]
        var components = URLComponents(url: base.appendingPathComponent("jobs/query/\(job)/results"), resolvingAgainstBaseURL: false)!
        var query = [URLQueryItem(name: "maxRecords", value: String(config.pageSize * 5))]
        if locator != "-" { query.insert(URLQueryItem(name: "locator", value: locator), at: 0) }
        components.queryItems = query
        let url = components.url!
        let (response, records) = try await client.send(auth: auth, { token in
            HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)", "Accept": "text/csv"])
        }, decode: { try Self.csvRecords($0.body) })
        let nextLocator = response.headers["sforce-locator"] ?? "null"
        if nextLocator == "null" || nextLocator.isEmpty {
            // Backfill done: REST windows continue from its upper bound.
            return Page(records: records, next: self.window.closed(window), caughtUp: true, origin: url.absoluteString, object: stream)
        }
        next.pageToken = Self.bulkToken(job: job, locator: nextLocator)
        return Page(records: records, next: next, caughtUp: false, origin: url.absoluteString, object: stream)
    }

    /// Bulk CSV results (quoted values, empty = null) → records, through the RFC 4180 reader.
    static func csvRecords(_ data: Data) throws -> [(text: String, object: [String: JSONValue])] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("journeylake-bulk-\(UUID().uuidString).csv")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var reader = try CSVReader(path: file.path)
        defer { reader.close() }
        guard let header = try reader.next() else { return [] }
        var out: [(text: String, object: [String: JSONValue])] = []
        while let row = try reader.next() {
            guard row.fields.count == header.fields.count, row.malformation == nil else {
                throw MalformedPage(url: "", reason: "a Bulk API result row on line \(row.line) does not match its header")
            }
            var object: [String: JSONValue] = [:]
            var w = JSONObjectWriter()
            for (name, value) in zip(header.fields, row.fields) {
                object[name] = value.isEmpty ? .null : .string(value)
                w.add(name, value.isEmpty ? nil : value)
            }
            out.append((w.finish(), object))
        }
        return out
    }
}
