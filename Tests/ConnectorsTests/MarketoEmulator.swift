import Foundation
import JourneyTesting

/// A Marketo instance on 127.0.0.1 for tests: identity tokens, the activity log read with paging
/// tokens (Marketo scans a slice of its log per call, so pages can be short or empty while
/// `moreResult` is true), deleted leads, leads by id, and `success: false` errors with HTTP 200.
actor MarketoEmulator {
    var log: [[String: Any]] = []
    var leads: [String: [String: Any]] = [:]
    /// Log entries scanned per call: pages hold the matching ones among them.
    var scanWindow = 8
    var tokenGeneration = 0
    var currentToken: String { "tok-\(tokenGeneration):sj" }
    private var dataCalls = 0
    var faultsBeforeCall: [Int: String] = [:]
    private(set) var requests = 0

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/marketo/\(name)"))
    }

    func seedFromFixtures() throws {
        for file in ["activities_page1", "activities_page2", "deleted_leads"] {
            let top = try JSONSerialization.jsonObject(with: Self.fixture(file + ".json")) as! [String: Any]
            log += top["result"] as! [[String: Any]]
        }
        let top = try JSONSerialization.jsonObject(with: Self.fixture("leads_by_id.json")) as! [String: Any]
        for lead in top["result"] as! [[String: Any]] {
            let id = "\(lead["id"]!)"
            leads[id] = lead
            // Each lead's creation is a New Lead (type 12) activity in the log.
            log.append(["id": 800_000 + Int(id)!, "marketoGUID": "\(800_000 + Int(id)!)", "leadId": Int(id)!,
                        "activityDate": lead["createdAt"]!, "activityTypeId": 12, "attributes": [] as [Any]])
        }
        sortLog()
    }

    private func sortLog() {
        log.sort { ($0["activityDate"] as! String, "\($0["marketoGUID"]!)") < ($1["activityDate"] as! String, "\($1["marketoGUID"]!)") }
    }

    func append(_ activity: [String: Any]) { log.append(activity); sortLog() }
    /// The whole log as a bulk activities export file.
    func bulkExport() throws -> String { try MarketoConnectorTests.bulkExport(log) }
    func setScanWindow(_ n: Int) { scanWindow = n }
    func failBeforeCall(_ n: Int, fixture: String) { faultsBeforeCall[n] = fixture }
    func expireToken() { tokenGeneration += 1 }
    var requestCount: Int { requests }

    func handle(_ request: ReplayServer.Request) -> ReplayServer.Reply {
        requests += 1
        if request.path == "/identity/oauth/token" {
            guard request.query["client_id"] == "mkto-id", request.query["client_secret"] == "mkto-secret" else {
                return .json(#"{"error":"unauthorized","error_description":"Bad client credentials"}"#, status: 401)
            }
            if tokenGeneration == 0 { tokenGeneration = 1 }
            return .json(#"{"access_token":"\#(currentToken)","token_type":"bearer","expires_in":3599,"scope":"apiuser@northwind-analytics.com"}"#)
        }
        dataCalls += 1
        if let fixture = faultsBeforeCall.removeValue(forKey: dataCalls) {
            return .json(String(decoding: try! Self.fixture(fixture), as: UTF8.self))
        }
        guard request.headers["authorization"] == "Bearer \(currentToken)" else {
            return .json(String(decoding: try! Self.fixture("error_602_access_token_expired.json"), as: UTF8.self))
        }
        switch request.path {
        case "/rest/v1/activities/pagingtoken.json":
            let since = request.query["sinceDatetime"] ?? ""
            let index = log.firstIndex { ($0["activityDate"] as! String) >= since } ?? log.count
            return reply(["success": true, "nextPageToken": "T\(index)"])
        case "/rest/v1/activities.json", "/rest/v1/activities/deletedleads.json":
            guard let token = request.query["nextPageToken"], token.hasPrefix("T"), let start = Int(token.dropFirst()) else {
                return reply(["success": false, "errors": [["code": "1003", "message": "Invalid nextPageToken"]]])
            }
            let types = request.path.hasSuffix("deletedleads.json")
                ? [37] : (request.query["activityTypeIds"] ?? "").split(separator: ",").compactMap { Int($0) }
            let end = min(log.count, start + scanWindow)
            let batch = Int(request.query["batchSize"] ?? "300") ?? 300
            let matching = log[start..<end].filter { types.contains($0["activityTypeId"] as! Int) }.prefix(batch)
            var body: [String: Any] = ["requestId": "r\(requests)", "success": true, "nextPageToken": "T\(end)", "moreResult": end < log.count]
            if !matching.isEmpty { body["result"] = Array(matching) }
            return reply(body)
        case "/rest/v1/leads.json":
            let ids = (request.query["filterValues"] ?? "").split(separator: ",").map(String.init)
            return reply(["success": true, "result": ids.compactMap { leads[$0] }])
        case "/rest/v1/activities/types.json":
            let top = try! JSONSerialization.jsonObject(with: Self.fixture("activity_types.json")) as! [String: Any]
            return reply(["success": true, "result": top["result"]!])
        default:
            return .json("{}", status: 404)
        }
    }

    private func reply(_ body: [String: Any]) -> ReplayServer.Reply {
        .json(String(decoding: try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self))
    }
}
