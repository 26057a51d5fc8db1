import Foundation
import JourneyModel
import JourneyTesting

/// A HubSpot CRM API on 127.0.0.1 for tests: it serves records in HubSpot's wire format (seeded
/// from the vendor samples), implements the search semantics the connector relies on (GTE/LTE/GT
/// filters, ascending id sort, `after` offsets with the 10,000-result cap, `Date` header as the
/// server clock), and injects faults on demand.
actor HubSpotEmulator {
    struct Record {
        var id: Int64
        var properties: [String: String?]
        var createdAt: String
        var updatedMs: Int64
        var archived = false
    }

    enum Fault {
        case status(Int, body: String, retryAfter: String?)
        case malformedBody
        case truncatedBody
    }

    var objects: [String: [Int64: Record]] = [:]
    /// Associations `object → target → id → ids`, as the v4 batch read answers them.
    var associationsOf: [String: [String: [String: [String]]]] = [:]
    var emailEvents: [[String: Any]] = []
    /// The server's clock: the real one, as HTTP servers stamp their own `Date` header.
    var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
    var faults: [Fault] = []
    /// Rate-limit headers sent with every search page (HubSpot's `X-HubSpot-RateLimit-*`).
    var rateLimitHeaders: [String: String] = [:]
    func setRateLimitHeaders(_ h: [String: String]) { rateLimitHeaders = h }
    /// Fault to inject once, before the n-th search request (1-based) of the test.
    var faultsBeforeSearch: [Int: Fault] = [:]
    private(set) var requests: [String] = []
    private(set) var searches = 0
    /// Called after each search page is served: lets a test change data between pages.
    var afterSearchPage: (@Sendable (inout [String: [Int64: Record]], Int) -> Void)?

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/hubspot/\(name)"))
    }

    /// Seeds contacts, companies and deals from the vendor samples.
    func seedFromFixtures() throws {
        for (file, object) in [("contacts_search_page1.json", "contacts"), ("contacts_search_page2.json", "contacts"),
                               ("companies_list.json", "companies"), ("deals_list.json", "deals"), ("contacts_archived.json", "contacts"),
                               ("calls_list.json", "calls"), ("meetings_list.json", "meetings"), ("emails_list.json", "emails"),
                               ("notes_list.json", "notes")] {
            let top = try JSONSerialization.jsonObject(with: Self.fixture(file)) as! [String: Any]
            for r in top["results"] as! [[String: Any]] {
                let id = Int64(r["id"] as! String)!
                var props: [String: String?] = [:]
                for (k, v) in r["properties"] as! [String: Any] { props[k] = v as? String }
                let updated = TimestampParser.utc.parse(r["updatedAt"] as! String)!.millisecondsSinceEpoch
                var rec = Record(id: id, properties: props, createdAt: r["createdAt"] as! String, updatedMs: updated)
                rec.archived = (r["archived"] as? Bool) ?? false
                objects[object, default: [:]][id] = rec
                for (target, value) in r["associations"] as? [String: Any] ?? [:] {
                    let results = (value as? [String: Any])?["results"] as? [[String: Any]] ?? []
                    associationsOf[object, default: [:]][target, default: [:]][String(id)] = results.compactMap { $0["id"] as? String }
                }
            }
        }
    }

    func seedAssociationsFromFixture() throws {
        let top = try JSONSerialization.jsonObject(with: Self.fixture("associations_v4_batch_read_contacts_to_companies.json")) as! [String: Any]
        for r in top["results"] as! [[String: Any]] {
            let from = (r["from"] as! [String: Any])["id"] as! String
            associationsOf["contacts", default: [:]]["companies", default: [:]][from] = (r["to"] as! [[String: Any]]).map { "\($0["toObjectId"]!)" }
        }
        for file in ["email_events_page1.json", "email_events_page2.json"] {
            let top = try JSONSerialization.jsonObject(with: Self.fixture(file)) as! [String: Any]
            emailEvents += top["events"] as! [[String: Any]]
        }
        emailEvents.sort { ($0["created"] as! Int64, $0["id"] as! String) < ($1["created"] as! Int64, $1["id"] as! String) }
    }

    /// At most this many results per search page, whatever the limit (short pages, more to come).
    var maxSearchResults: Int?
    func setMaxSearchResults(_ n: Int?) { maxSearchResults = n }
    func add(_ object: String, _ record: Record) { objects[object, default: [:]][record.id] = record }
    func inject(_ fault: Fault) { faults.append(fault) }
    func injectBeforeSearch(_ n: Int, _ fault: Fault) { faultsBeforeSearch[n] = fault }
    func onSearchPage(_ f: @escaping @Sendable (inout [String: [Int64: Record]], Int) -> Void) { afterSearchPage = f }
    func update(_ object: String, id: Int64, property: String, value: String, atMs: Int64) {
        objects[object]?[id]?.properties[property] = value
        objects[object]?[id]?.updatedMs = atMs
    }
    var requestCount: Int { requests.count }

    static func modifiedProperty(_ object: String) -> String { object == "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate" }

    func json(_ r: Record, object: String) -> [String: Any] {
        var props: [String: Any] = [:]
        for (k, v) in r.properties { props[k] = v ?? NSNull() }
        let updated = Timestamp(millisecondsSinceEpoch: r.updatedMs).iso8601
        props[Self.modifiedProperty(object)] = updated
        props["hs_object_id"] = String(r.id)
        var out: [String: Any] = ["id": String(r.id), "properties": props, "createdAt": r.createdAt, "updatedAt": updated, "archived": r.archived]
        if r.archived { out["archivedAt"] = updated }
        return out
    }

    func handle(_ request: ReplayServer.Request) -> ReplayServer.Reply {
        requests.append("\(request.method) \(request.path)")
        let date = Self.httpDate(nowMs)
        guard request.headers["authorization"] == "Bearer pat-test-token" else {
            return .json(#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#, status: 401, headers: ["Date": date])
        }
        let parts = request.path.split(separator: "/").map(String.init)  // crm v3 objects {object} [search]
        if parts.count == 7, parts[1] == "v4", parts[2] == "associations", parts[6] == "read" {
            let query = try! JSONSerialization.jsonObject(with: request.body) as! [String: Any]
            let ids = (query["inputs"] as! [[String: Any]]).map { $0["id"] as! String }
            let results: [[String: Any]] = ids.compactMap { id in
                guard let to = associationsOf[parts[3]]?[parts[4]]?[id] else { return nil }
                return ["from": ["id": id], "to": to.map { ["toObjectId": Int64($0)!, "associationTypes": [["category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"]]] }]
            }
            return .json(Self.text(["status": "COMPLETE", "results": results]), headers: ["Date": date])
        }
        if request.path == "/email/public/v1/events" {
            let start = Int64(request.query["startTimestamp"] ?? "0") ?? 0, end = Int64(request.query["endTimestamp"] ?? "0") ?? 0
            let limit = Int(request.query["limit"] ?? "100") ?? 100
            let offset = Int(request.query["offset"] ?? "0") ?? 0
            let matching = emailEvents.filter { let c = $0["created"] as! Int64; return c >= start && c <= end }
            let page = Array(matching.dropFirst(offset).prefix(limit))
            let more = offset + page.count < matching.count
            return .json(Self.text(["hasMore": more, "offset": String(offset + page.count), "events": page]), headers: ["Date": date])
        }
        guard parts.count >= 4, parts[0] == "crm", parts[2] == "objects" else { return .json("{}", status: 404) }
        let object = parts[3]
        let isSearch = parts.count == 5 && parts[4] == "search"
        if isSearch {
            searches += 1
            if let fault = faultsBeforeSearch.removeValue(forKey: searches) { return reply(for: fault, date: date) }
        }
        if !faults.isEmpty { return reply(for: faults.removeFirst(), date: date) }
        let all = (objects[object] ?? [:]).values.sorted { $0.id < $1.id }
        if !isSearch {
            let archived = request.query["archived"] == "true"
            let limit = Int(request.query["limit"] ?? "10") ?? 10
            let offset = Int(request.query["after"] ?? "0") ?? 0
            let matching = all.filter { $0.archived == archived }
            let slice = Array(matching.dropFirst(offset).prefix(limit))
            var body: [String: Any] = ["results": slice.map { json($0, object: object) }]
            if offset + limit < matching.count { body["paging"] = ["next": ["after": String(offset + limit)]] }
            return .json(Self.text(body), headers: ["Date": date])
        }
        let query = try! JSONSerialization.jsonObject(with: request.body) as! [String: Any]
        let groups = query["filterGroups"] as? [[String: Any]] ?? []
        let filters = groups.first?["filters"] as? [[String: Any]] ?? []
        let limit = min(query["limit"] as? Int ?? 10, 200)
        let after = Int((query["after"] as? String) ?? "0") ?? 0
        if after + limit > 10_000 {
            return .json(#"{"status":"error","message":"paging beyond 10000 results is not supported","category":"VALIDATION_ERROR"}"#, status: 400, headers: ["Date": date])
        }
        let modified = Self.modifiedProperty(object)
        let matching = all.filter { r in
            guard !r.archived else { return false }
            return filters.allSatisfy { f in
                let name = f["propertyName"] as! String, op = f["operator"] as! String
                let value = Int64(f["value"] as! String)!
                let actual = name == "hs_object_id" ? r.id : (name == modified ? r.updatedMs : 0)
                switch op {
                case "GTE": return actual >= value
                case "LTE": return actual <= value
                case "GT": return actual > value
                case "LT": return actual < value
                default: return false
                }
            }
        }
        // HubSpot may answer fewer results than the limit with more to come (`paging.next`).
        let page = Array(matching.dropFirst(after).prefix(min(limit, maxSearchResults ?? limit)))
        var body: [String: Any] = ["total": matching.count, "results": page.map { json($0, object: object) }]
        let end = after + page.count
        if end < matching.count { body["paging"] = ["next": ["after": String(end), "link": "?after=\(end)"]] }
        let text = Self.text(body)
        afterSearchPage?(&objects, searches)
        return .json(text, headers: ["Date": date].merging(rateLimitHeaders) { a, _ in a })
    }

    func reply(for fault: Fault, date: String) -> ReplayServer.Reply {
        switch fault {
        case .status(let status, let body, let retryAfter):
            var headers = ["Date": date]
            if let retryAfter { headers["Retry-After"] = retryAfter }
            return .json(body, status: status, headers: headers)
        case .malformedBody:
            return .json("<html>502 Bad Gateway</html>", headers: ["Date": date])
        case .truncatedBody:
            return .json(#"{"total":3,"results":[{"id":"1","properties":{"email":"#, headers: ["Date": date])
        }
    }

    static func text(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func httpDate(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
