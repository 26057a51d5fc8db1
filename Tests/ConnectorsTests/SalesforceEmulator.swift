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
        let after = group(5)
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
        pendingBatches[key] = Array(rows)
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
