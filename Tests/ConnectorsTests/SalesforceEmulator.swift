import Foundation
import JourneyModel
import JourneyTesting

/// A Salesforce org on 127.0.0.1 for tests: OAuth token endpoint, `queryAll` with the SOQL shapes
/// the connector sends (SystemModstamp window, `Id >` keyset, ORDER BY Id, LIMIT), batches chained
/// by `nextRecordsUrl`, the `Date` header as the server clock, and faults on demand.
actor SalesforceEmulator {
    var objects: [String: [String: [String: Any]]] = [:]  // object → Id → record (wire JSON)
    var tokenGeneration = 0
    var validToken: String { "00Dtoken-\(tokenGeneration)" }
    /// Rows per response batch; smaller than a query's LIMIT makes the server chain batches.
    var maxBatch = 2000
    private var pendingBatches: [String: [[String: Any]]] = [:]
    private(set) var queries: [String] = []
    private(set) var requests = 0
    var faultsBeforeQuery: [Int: (Int, String)] = [:]
    var expireTokenBeforeQuery: Int?
    var baseURL = ""

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/salesforce/\(name)"))
    }

    func seedFromFixtures() throws {
        for file in ["query_accounts", "query_campaign_members", "query_campaigns", "query_contacts", "query_events", "query_leads_page1",
                     "query_leads_page2", "query_opportunities", "query_opportunity_contact_roles", "query_opportunity_history",
                     "query_tasks", "queryall_leads_deleted"] {
            let top = try JSONSerialization.jsonObject(with: Self.fixture(file + ".json")) as! [String: Any]
            for r in top["records"] as! [[String: Any]] {
                let type = (r["attributes"] as! [String: Any])["type"] as! String
                objects[type, default: [:]][r["Id"] as! String] = r
            }
        }
    }

    /// At most this many rows per query answer, with `done: true` and the true `totalSize`: the
    /// short answer with more to come that a replayed org gives.
    var maxRowsPerQuery: Int?
    /// Objects whose keyset continuations (`Id > '…'`) are answered as if the query had no keyset
    /// filter: rows the cursor already passed, again and again.
    var ignoreKeyset: Set<String> = []
    func setMaxRowsPerQuery(_ n: Int?) { maxRowsPerQuery = n }
    func ignoreKeyset(of object: String) { ignoreKeyset.insert(object) }
    func setBase(_ url: String) { baseURL = url }
    func setMaxBatch(_ n: Int) { maxBatch = n }
    func failBeforeQuery(_ n: Int, status: Int, body: String) { faultsBeforeQuery[n] = (status, body) }
    func expireTokenBefore(query n: Int) { expireTokenBeforeQuery = n }
    func put(_ object: String, _ record: [String: Any]) { objects[object, default: [:]][record["Id"] as! String] = record }
    var requestCount: Int { requests }

    func handle(_ request: ReplayServer.Request) -> ReplayServer.Reply {
        requests += 1
        if request.path == "/services/oauth2/token" {
            let form = Dictionary(uniqueKeysWithValues: String(decoding: request.body, as: UTF8.self).split(separator: "&").map {
                let kv = $0.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                return (kv[0], kv.count > 1 ? kv[1] : "")
            })
            guard form["client_id"] == "jl-client", form["client_secret"] == "jl-secret", form["grant_type"] == "client_credentials" else {
                return .json(#"{"error":"invalid_client","error_description":"invalid client credentials"}"#, status: 400)
            }
            tokenGeneration += 1
            return .json(#"{"access_token":"\#(validToken)","instance_url":"\#(baseURL)","token_type":"Bearer","issued_at":"1741942800123","scope":"api"}"#)
        }
        guard request.headers["authorization"] == "Bearer \(validToken)" else {
            return .json(String(decoding: try! Self.fixture("error_invalid_session_id.json"), as: UTF8.self), status: 401)
        }
        if request.path.hasSuffix("/limits") { return .json(#"{"DailyApiRequests":{"Max":15000,"Remaining":14990}}"#) }
        if request.path.contains("/jobs/query") { return bulk(request) }
        if let range = request.path.range(of: "/query/") {
            let key = String(request.path[range.upperBound...])
            return batch(key: key)
        }
        guard request.path.hasSuffix("/queryAll"), let soql = request.query["q"] else { return .json("[]", status: 404) }
        queries.append(soql)
        let n = queries.count
        if expireTokenBeforeQuery == n {
            expireTokenBeforeQuery = nil
            tokenGeneration += 1  // the session the client holds is no longer valid
            return .json(String(decoding: try! Self.fixture("error_invalid_session_id.json"), as: UTF8.self), status: 401)
        }
        if let (status, body) = faultsBeforeQuery.removeValue(forKey: n) { return .json(body, status: status) }
        return run(soql)
    }

    /// Bulk API 2.0 query jobs: create, poll (in progress for `bulkPollsBeforeComplete` polls),
    /// results as quoted CSV pages chained by `Sforce-Locator`.
    var bulkJobs: [String: (rows: [[String: Any]], fields: [String], polls: Int)] = [:]
    var bulkPollsBeforeComplete = 2
    var bulkFailJobs = 0
    private(set) var bulkJobsCreated = 0

    func setBulkFailures(_ n: Int) { bulkFailJobs = n }

    private func bulk(_ request: ReplayServer.Request) -> ReplayServer.Reply {
        let parts = request.path.split(separator: "/").map(String.init)  // services data v62.0 jobs query [id] [results]
        if request.method == "POST" {
            let body = try! JSONSerialization.jsonObject(with: request.body) as! [String: Any]
            let soql = body["query"] as! String
            let regex = try! NSRegularExpression(pattern: #"^SELECT (.+) FROM (\w+) WHERE SystemModstamp <= (\S+)$"#)
            guard let m = regex.firstMatch(in: soql, range: NSRange(soql.startIndex..., in: soql)) else {
                return .json(#"[{"message":"unexpected bulk query","errorCode":"INVALIDJOB"}]"#, status: 400)
            }
            let g = { (i: Int) in String(soql[Range(m.range(at: i), in: soql)!]) }
            let fields = g(1).split(separator: ",").map(String.init)
            let until = TimestampParser.utc.parse(g(3))!
            let rows = (objects[g(2)] ?? [:]).values.filter { TimestampParser.utc.parse($0["SystemModstamp"] as! String)! <= until }
                .sorted { ($0["Id"] as! String) < ($1["Id"] as! String) }
            bulkJobsCreated += 1
            let id = "7505g00000Qj9X\(String(format: "%04d", bulkJobsCreated))"
            bulkJobs[id] = (rows, fields, 0)
            return .json(#"{"id":"\#(id)","operation":"queryAll","state":"UploadComplete","contentType":"CSV"}"#)
        }
        let id = parts[5]
        guard var job = bulkJobs[id] else { return .json(#"[{"message":"no such job","errorCode":"NOT_FOUND"}]"#, status: 404) }
        if parts.count == 6 {
            job.polls += 1
            bulkJobs[id] = job
            if bulkFailJobs > 0 {
                bulkFailJobs -= 1
                return .json(#"{"id":"\#(id)","state":"Failed"}"#)
            }
            return .json(#"{"id":"\#(id)","state":"\#(job.polls > bulkPollsBeforeComplete ? "JobComplete" : "InProgress")"}"#)
        }
        let offset = Int(request.query["locator"] ?? "0") ?? 0
        let max = Int(request.query["maxRecords"] ?? "2000") ?? 2000
        let slice = job.rows.dropFirst(offset).prefix(max)
        func quote(_ v: Any?) -> String {
            let text: String
            switch v {
            case nil, is NSNull: text = ""
            case let b as Bool: text = b ? "true" : "false"
            case let x: text = "\(x!)"
            }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var csv = job.fields.map { "\"\($0)\"" }.joined(separator: ",") + "\n"
        for row in slice { csv += job.fields.map { quote(row[$0]) }.joined(separator: ",") + "\n" }
        let next = offset + slice.count < job.rows.count ? String(offset + slice.count) : "null"
        return ReplayServer.Reply(status: 200, headers: ["Content-Type": "text/csv", "Sforce-Locator": next,
                                                        "Sforce-NumberOfRecords": String(slice.count)], body: Data(csv.utf8))
    }

    private func run(_ soql: String) -> ReplayServer.Reply {
        let pattern = #"^SELECT (.+) FROM (\w+) WHERE SystemModstamp >= (\S+) AND SystemModstamp <= (\S+)(?: AND Id > '(\w+)')? ORDER BY Id ASC LIMIT (\d+)$"#
        let regex = try! NSRegularExpression(pattern: pattern)
        guard let m = regex.firstMatch(in: soql, range: NSRange(soql.startIndex..., in: soql)) else {
            return .json(#"[{"message":"unexpected query: \#(soql)","errorCode":"MALFORMED_QUERY"}]"#, status: 400)
        }
        func group(_ i: Int) -> String? {
            let r = m.range(at: i)
            return r.location == NSNotFound ? nil : String(soql[Range(r, in: soql)!])
        }
        let fields = group(1)!.split(separator: ",").map(String.init)
        let object = group(2)!
        let since = TimestampParser.utc.parse(group(3)!)!, until = TimestampParser.utc.parse(group(4)!)!
        let after = ignoreKeyset.contains(object) ? nil : group(5)
        let limit = Int(group(6)!)!
        let rows = (objects[object] ?? [:]).values.filter { r in
            let stamp = TimestampParser.utc.parse(r["SystemModstamp"] as! String)!
            return stamp >= since && stamp <= until && (after.map { (r["Id"] as! String) > $0 } ?? true)
        }.sorted { ($0["Id"] as! String) < ($1["Id"] as! String) }.prefix(limit).map { r -> [String: Any] in
            var out: [String: Any] = ["attributes": r["attributes"]!]
            for f in fields { out[f] = r[f] ?? NSNull() }
            return out
        }
        let key = UUID().uuidString
        pendingBatches[key] = Array(rows.prefix(maxRowsPerQuery ?? rows.count))
        return batch(key: key + "-0", total: rows.count)
    }

    private func batch(key: String, total: Int? = nil) -> ReplayServer.Reply {
        let parts = key.split(separator: "-")
        let offset = Int(parts.last!)!
        let id = parts.dropLast().joined(separator: "-")
        let rows = pendingBatches[id] ?? []
        let slice = Array(rows.dropFirst(offset).prefix(maxBatch))
        var body: [String: Any] = ["totalSize": total ?? rows.count, "done": offset + slice.count >= rows.count, "records": slice]
        if offset + slice.count < rows.count { body["nextRecordsUrl"] = "/services/data/v62.0/query/\(id)-\(offset + slice.count)" }
        return .json(String(decoding: try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self))
    }
}
