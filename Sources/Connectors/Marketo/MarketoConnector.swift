import Foundation
public import JourneyConfig
import JourneyModel

/// Marketo activities, deleted leads and changed leads, read with Marketo's paging tokens.
///
/// A paging token marks a position in Marketo's activity log; the token after the last page read
/// is committed with that page, so the next pass continues exactly there (no gap, no overlap).
/// Leads are read through their activity: each page of New Lead / Change Data Value activities
/// names the leads to fetch by id.
public struct MarketoConnector: APIConnector {
    public let config: MarketoConfig
    public let auth: MarketoAuth
    public let mapping: any RecordMapping = Self.recordMapping
    static let recordMapping = MarketoMapping(formatName: "marketo-api", object: nil, timeZone: TimeZone(identifier: "UTC")!)
    public var streams: [String] { config.api.streams }

    static let leadFields = [
        "id", "email", "firstName", "lastName", "company", "title", "phone", "leadSource", "leadStatus", "leadScore", "unsubscribed",
        "sfdcLeadId", "sfdcContactId", "sfdcAccountId", "country", "industry", "numberOfEmployees", "annualRevenue", "sicCode",
        "createdAt", "updatedAt",
    ]

    public init(config: MarketoConfig, auth: MarketoAuth) {
        self.config = config
        self.auth = auth
    }

    public static func source(_ section: SourceSection) throws -> APISource {
        let config = try MarketoConfig(section: section)
        let auth = MarketoAuth(
            baseURL: config.baseURL, clientId: try section.resolve(config.clientId, key: "client_id"),
            clientSecret: try section.resolve(config.clientSecret, key: "client_secret"), timeout: config.api.timeout)
        let client = config.api.client(source: section.name, classify: Self.classify)
        return APISource(
            name: section.name, type: "marketo", pollInterval: section.pollInterval,
            connector: MarketoConnector(config: config, auth: auth), client: client)
    }

    /// Marketo answers most errors with HTTP 200 and `success: false` (FORMATS §3.2).
    static func classify(_ r: HTTPResponse) -> ResponseVerdict {
        switch r.status {
        case 200:
            guard let top = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any],
                top["success"] as? Bool == false, let error = (top["errors"] as? [[String: Any]])?.first
            else { return .success }
            let code = "\(error["code"] ?? "")", message = error["message"] as? String ?? ""
            switch code {
            case "601", "602": return .refreshAuth(reason: "Marketo \(code): \(message)")
            case "604", "606", "608", "611", "615", "713":
                return .retry(after: code == "606" ? .seconds(20) : nil, reason: "Marketo \(code): \(message)")
            case "607": return .fail(reason: "Marketo 607: daily API quota reached; the stream resumes after the quota resets (12:00 AM US Central)")
            default: return .fail(reason: "Marketo \(code): \(message)")
            }
        case 401: return .refreshAuth(reason: "Marketo answered 401")
        case 429, 500..<600: return .retry(after: APIClient.retryAfter(r), reason: "Marketo answered \(r.status)")
        default: return .fail(reason: "Marketo answered \(r.status): \(r.bodyText.prefix(300))")
        }
    }

    private func get(_ path: String, _ query: [String: String], client: APIClient) async throws -> [String: JSONValue] {
        var components = URLComponents(url: config.baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        let url = components.url!
        let (_, body) = try await client.send(auth: auth, { token in
            HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"])
        }, decode: { response -> [String: JSONValue] in
            guard case .object(let top) = try JSONDecoder().decode(JSONValue.self, from: response.body) else {
                throw MalformedPage(url: url.absoluteString, reason: "not a JSON object")
            }
            return top
        })
        return body
    }

    public func readPage(stream: String, state: StreamState?, client: APIClient) async throws -> Page {
        if stream == "activity_types" {
            let top = try await get("rest/v1/activities/types.json", [:], client: client)
            var records: [(text: String, object: [String: JSONValue])] = []
            if case .array(let items)? = top["result"] {
                for case .object(let type) in items { records.append((JSONValue.object(type).jsonText, type)) }
            }
            let origin = config.baseURL.appendingPathComponent("rest/v1/activities/types.json").absoluteString
            return Page(records: records, next: StreamState(), caughtUp: true, origin: origin, object: "activity_types")
        }
        var token = state?.pageToken
        if token == nil {
            let since = state?.since ?? config.startAt
            token = try await get("rest/v1/activities/pagingtoken.json", ["sinceDatetime": since], client: client)["nextPageToken"]?.text
            guard token != nil else { throw MalformedPage(url: "pagingtoken.json", reason: "no nextPageToken") }
        }
        let path: String
        var query = ["nextPageToken": token!, "batchSize": String(config.batchSize)]
        switch stream {
        case "deleted_leads": path = "rest/v1/activities/deletedleads.json"
        case "leads":
            path = "rest/v1/activities.json"
            query["activityTypeIds"] = "12,13"
        default:
            path = "rest/v1/activities.json"
            query["activityTypeIds"] = config.activityTypeIds.map(String.init).joined(separator: ",")
        }
        let top = try await get(path, query, client: client)
        guard let next = top["nextPageToken"]?.text else {
            throw MalformedPage(url: path, reason: "no nextPageToken in \(top.keys.sorted())")
        }
        // A page may hold no `result` at all while `moreResult` is true.
        var activities: [[String: JSONValue]] = []
        if case .array(let items)? = top["result"] {
            for case .object(let o) in items { activities.append(o) }
        }
        let more = top["moreResult"] == .bool(true)
        var since = state?.since
        for a in activities {
            if let d = a["activityDate"]?.text, since == nil || d > since! { since = d }
        }
        let nextState = StreamState(since: since, pageToken: next, open: more)
        let origin = config.baseURL.appendingPathComponent(path).absoluteString
        if stream == "leads" {
            let ids = Array(Set(activities.compactMap { $0["leadId"]?.text })).sorted()
            let leads = ids.isEmpty ? [] : try await fetchLeads(ids, client: client)
            return Page(records: leads, next: nextState, caughtUp: !more, origin: origin, object: "leads")
        }
        let records = activities.map { activity -> (text: String, object: [String: JSONValue]) in
            (JSONValue.object(activity).jsonText, activity)
        }
        return Page(records: records, next: nextState, caughtUp: !more, origin: origin, object: "activities")
    }

    private func fetchLeads(_ ids: [String], client: APIClient) async throws -> [(text: String, object: [String: JSONValue])] {
        var out: [(text: String, object: [String: JSONValue])] = []
        for chunk in stride(from: 0, to: ids.count, by: 300).map({ Array(ids[$0..<min($0 + 300, ids.count)]) }) {
            let top = try await get(
                "rest/v1/leads.json",
                ["filterType": "id", "filterValues": chunk.joined(separator: ","), "fields": Self.leadFields.joined(separator: ",")],
                client: client)
            if case .array(let items)? = top["result"] {
                for case .object(let lead) in items { out.append((JSONValue.object(lead).jsonText, lead)) }
            }
        }
        return out
    }

    public func check(client: APIClient) async throws {
        _ = try await get("rest/v1/activities/types.json", [:], client: client)
    }
}
