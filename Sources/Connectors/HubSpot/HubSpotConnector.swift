import Foundation
public import JourneyConfig
import JourneyModel

/// HubSpot CRM v3: contacts, companies and deals read incrementally through the search API, and
/// archived records through the list API.
///
/// Each window is `[since, until]` on the object's modification property, `until` taken from
/// HubSpot's own clock (the `Date` header) when the window opens. Inside a window, pages are
/// keyset queries (`hs_object_id > last id`, ascending) rather than offsets, so records changing
/// mid-scan cannot shift a page boundary, and no query ever pages past the 10,000-result cap.
public struct HubSpotConnector: APIConnector {
    public let config: HubSpotConfig
    public let auth: any AuthProvider
    public let mapping: any RecordMapping
    public var streams: [String] { config.api.streams }

    public init(config: HubSpotConfig, auth: any AuthProvider) {
        self.config = config
        self.auth = auth
        mapping = HubSpotAPIMapping()
    }

    /// Builds the source from its config section; the token is resolved here (never printed).
    public static func source(_ section: SourceSection) throws -> APISource {
        let config = try HubSpotConfig(section: section)
        let connector = HubSpotConnector(config: config, auth: StaticToken(try section.resolve(config.token, key: "token")))
        let client = config.api.client(source: section.name, classify: Self.classify, pace: Self.pace, quota: Self.quota)
        return APISource(name: section.name, type: "hubspot", pollInterval: section.pollInterval, connector: connector, client: client)
    }

    /// HubSpot's error semantics (FORMATS §2.6).
    static func classify(_ r: HTTPResponse) -> ResponseVerdict {
        switch r.status {
        case 200..<300: return .success
        case 401: return .refreshAuth(reason: "HubSpot answered 401: \(r.bodyText)")
        case 429:
            if r.bodyText.contains("\"DAILY\"") || r.bodyText.lowercased().contains("daily limit") {
                return .fail(reason: "HubSpot's daily API limit is reached; the stream resumes on a later pass")
            }
            return .retry(after: APIClient.retryAfter(r), reason: "HubSpot rate limit (429): \(r.bodyText)")
        case 500..<600: return .retry(after: APIClient.retryAfter(r), reason: "HubSpot server error \(r.status)")
        case 403: return .fail(reason: "HubSpot refused access (403; is the scope granted to the private app?): \(r.bodyText)")
        default: return .fail(reason: "HubSpot answered \(r.status): \(r.bodyText)")
        }
    }

    /// HubSpot's rate-limit headers: with the rolling window used up, wait it out before the next
    /// call instead of running into a 429.
    static func pace(_ r: HTTPResponse) -> Duration? {
        guard let remaining = r.headers["x-hubspot-ratelimit-remaining"].flatMap({ Int($0) }), remaining <= 1 else { return nil }
        let interval = r.headers["x-hubspot-ratelimit-interval-milliseconds"].flatMap { Int64($0) } ?? 10_000
        return .milliseconds(max(0, interval))
    }

    /// The daily allocation left (`X-HubSpot-RateLimit-Daily-Remaining`).
    static func quota(_ r: HTTPResponse) -> Int? { r.headers["x-hubspot-ratelimit-daily-remaining"].flatMap { Int($0) } }

    static func modifiedProperty(_ object: String) -> String { object == "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate" }

    static let properties: [String: [String]] = [
        "contacts": ["email", "firstname", "lastname", "jobtitle", "company", "phone", "lifecyclestage", "hs_lead_status",
                     "hubspot_owner_id", "createdate", "lastmodifieddate", "salesforceleadid", "salesforcecontactid",
                     "hs_email_optout", "associatedcompanyid", "hs_merged_object_ids", "country", "industry", "numemployees",
                     "annualrevenue"],
        "companies": ["name", "domain", "industry", "numberofemployees", "annualrevenue", "country", "createdate", "hs_lastmodifieddate"],
        "deals": ["dealname", "dealstage", "pipeline", "amount", "closedate", "hubspot_owner_id", "createdate", "hs_lastmodifieddate",
                  "deal_currency_code"],
        "calls": ["hs_timestamp", "hs_call_title", "hs_call_direction", "hs_call_duration", "hs_call_status", "hs_call_disposition",
                  "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"],
        "meetings": ["hs_timestamp", "hs_meeting_title", "hs_meeting_outcome", "hs_meeting_start_time", "hs_meeting_end_time",
                     "hs_meeting_location", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"],
        "emails": ["hs_timestamp", "hs_email_direction", "hs_email_subject", "hs_email_status", "hs_email_to_email",
                   "hs_email_from_email", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"],
        "notes": ["hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate"],
    ]

    /// Objects whose records are about people through associated contacts (one touchpoint each).
    static let engagements: Set<String> = ["calls", "meetings", "emails", "notes"]

    public func readPage(stream: String, state: StreamState?, client: APIClient) async throws -> Page {
        let parts = stream.split(separator: ":").map(String.init)
        let object = parts[0]
        if parts.count > 1 { return try await readArchived(object: object, stream: stream, state: state, client: client) }
        if object == "email_events" { return try await readEmailEvents(state: state, client: client) }

        let window = try await window.current(state) { try await serverNow(object: object, client: client) }
        let modified = Self.modifiedProperty(object)
        var filters: [[String: Any]] = [
            ["propertyName": modified, "operator": "GTE", "value": window.since ?? "0"],
            ["propertyName": modified, "operator": "LTE", "value": window.until ?? "0"],
        ]
        if let lastId = window.lastId { filters.append(["propertyName": "hs_object_id", "operator": "GT", "value": lastId]) }
        let body: [String: Any] = [
            "filterGroups": [["filters": filters]],
            "sorts": [["propertyName": "hs_object_id", "direction": "ASCENDING"]],
            "properties": (Self.properties[object] ?? []) + (config.extraProperties[object] ?? []),
            "limit": config.pageSize,
        ]
        let bodyData = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let url = config.baseURL.appendingPathComponent("crm/v3/objects/\(object)/search")
        var (_, results) = try await client.send(auth: auth, { token in
            HTTPRequest(method: "POST", url: url, headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: bodyData)
        }, decode: { try Self.results(of: $0) })
        if object == "contacts" || object == "deals", !results.records.isEmpty {
            results.records = try await withAssociations(results.records, object: object, to: "companies", client: client)
        }
        if Self.engagements.contains(object), !results.records.isEmpty {
            results.records = try await withAssociations(results.records, object: object, to: "contacts", client: client)
        }
        var next = window
        // The last page is the one without `paging.next`: HubSpot's pages can be short with more
        // to come. The next page is the next keyset query, after this page's last id.
        let caughtUp = results.after == nil
        if caughtUp {
            next = self.window.closed(window)
        } else {
            next.lastId = results.lastId ?? window.lastId
        }
        return Page(records: results.records, next: next, caughtUp: caughtUp, origin: url.absoluteString, object: object)
    }

    /// Search results carry no associations: one v4 batch read per page adds each record's
    /// associated objects in the list API's inline shape (`associations.<to>.results[].id`).
    private func withAssociations(
        _ records: [(text: String, object: [String: JSONValue])], object: String, to target: String, client: APIClient
    ) async throws -> [(text: String, object: [String: JSONValue])] {
        let url = config.baseURL.appendingPathComponent("crm/v4/associations/\(object)/\(target)/batch/read")
        let inputs = records.compactMap { $0.object["id"]?.text }.map { ["id": $0] }
        let body = try JSONSerialization.data(withJSONObject: ["inputs": inputs], options: [.sortedKeys])
        let (_, links) = try await client.send(auth: auth, { token in
            HTTPRequest(method: "POST", url: url, headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body)
        }, decode: { response -> [String: [String]] in
            guard case .object(let top) = try JSONDecoder().decode(JSONValue.self, from: response.body),
                case .array(let results)? = top["results"]
            else { throw MalformedPage(url: url.absoluteString, reason: "no `results` in an associations response") }
            var out: [String: [String]] = [:]
            for case .object(let r) in results {
                guard case .object(let from)? = r["from"], let id = from["id"]?.text, case .array(let to)? = r["to"] else { continue }
                out[id] = to.compactMap { if case .object(let t) = $0 { return t["toObjectId"]?.text } else { return nil } }
            }
            return out
        })
        return records.map { record in
            guard let id = record.object["id"]?.text, let linked = links[id], !linked.isEmpty else { return record }
            var object = record.object
            var associations: [String: JSONValue] = [:]
            if case .object(let existing)? = object["associations"] { associations = existing }
            associations[target] = .object(["results": .array(linked.map { .object(["id": .string($0)]) })])
            object["associations"] = .object(associations)
            return (JSONValue.object(object).jsonText, object)
        }
    }

    /// Marketing email events (`/email/public/v1/events`): a `[since, until]` window on `created`,
    /// `until` from HubSpot's clock, read with the API's offset token inside the window.
    private func readEmailEvents(state: StreamState?, client: APIClient) async throws -> Page {
        let window = try await window.current(state) { try await serverNow(object: "contacts", client: client) }
        var components = URLComponents(url: config.baseURL.appendingPathComponent("email/public/v1/events"), resolvingAgainstBaseURL: false)!
        var query = [
            URLQueryItem(name: "startTimestamp", value: window.since), URLQueryItem(name: "endTimestamp", value: window.until),
            URLQueryItem(name: "limit", value: String(max(config.pageSize, 100))),
        ]
        if let offset = window.pageToken { query.append(URLQueryItem(name: "offset", value: offset)) }
        components.queryItems = query
        let url = components.url!
        let (_, page) = try await client.send(auth: auth, { token in
            HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"])
        }, decode: { response -> (records: [(text: String, object: [String: JSONValue])], more: Bool, offset: String?) in
            guard case .object(let top) = try JSONDecoder().decode(JSONValue.self, from: response.body),
                case .array(let events)? = top["events"]
            else { throw MalformedPage(url: url.absoluteString, reason: "no `events` array") }
            var records: [(text: String, object: [String: JSONValue])] = []
            for event in events {
                guard case .object(let o) = event, o["id"] != nil else { throw MalformedPage(url: url.absoluteString, reason: "an event without an id") }
                records.append((event.jsonText, o))
            }
            return (records, top["hasMore"] == .bool(true), top["offset"]?.text)
        })
        var next = window
        if page.more, let offset = page.offset {
            next.pageToken = offset
            return Page(records: page.records, next: next, caughtUp: false, origin: url.absoluteString, object: "email_events")
        }
        next = self.window.closed(window)
        return Page(records: page.records, next: next, caughtUp: true, origin: url.absoluteString, object: "email_events")
    }

    /// Archived records are not searchable: the list API with `archived=true`, read in full each pass.
    private func readArchived(object: String, stream: String, state: StreamState?, client: APIClient) async throws -> Page {
        var components = URLComponents(url: config.baseURL.appendingPathComponent("crm/v3/objects/\(object)"), resolvingAgainstBaseURL: false)!
        var query = [URLQueryItem(name: "archived", value: "true"), URLQueryItem(name: "limit", value: String(min(config.pageSize, 100)))]
        if let after = state?.pageToken, state?.open == true { query.append(URLQueryItem(name: "after", value: after)) }
        components.queryItems = query
        let url = components.url!
        let (_, results) = try await client.send(auth: auth, { token in
            HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"])
        }, decode: { try Self.results(of: $0) })
        let next = results.after.map { StreamState(pageToken: $0, open: true) } ?? StreamState(open: false)
        return Page(records: results.records, next: next, caughtUp: results.after == nil, origin: url.absoluteString, object: object)
    }

    /// HubSpot's clock now, in epoch ms, from the `Date` header of a one-record list call.
    private func serverNow(object: String, client: APIClient) async throws -> Timestamp {
        var components = URLComponents(url: config.baseURL.appendingPathComponent("crm/v3/objects/\(object)"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "limit", value: "1")]
        let url = components.url!
        let response = try await client.send(auth: auth) { token in HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"]) }
        guard let date = response.serverDate else {
            throw MalformedPage(url: url.absoluteString, reason: "no Date header: the window's upper bound must come from HubSpot's clock")
        }
        return Timestamp(millisecondsSinceEpoch: Int64(date.timeIntervalSince1970 * 1000))
    }

    /// Modification-time windows on HubSpot's clock.
    var window: VendorWindow { VendorWindow(format: .epochMilliseconds, lookback: config.lookback) }

    struct Results {
        var records: [(text: String, object: [String: JSONValue])]
        var after: String?
        var lastId: String?
    }

    /// Decodes a list or search page; anything else is a malformed page (and retried).
    static func results(of response: HTTPResponse) throws -> Results {
        let value = try JSONDecoder().decode(JSONValue.self, from: response.body)
        guard case .object(let top) = value, case .array(let items)? = top["results"] else {
            throw MalformedPage(url: "", reason: "no `results` array in \(response.bodyText.prefix(200))")
        }
        var records: [(text: String, object: [String: JSONValue])] = []
        var lastId: String?
        for item in items {
            guard case .object(let o) = item, let id = o["id"]?.text else {
                throw MalformedPage(url: "", reason: "a result without an id")
            }
            records.append((item.jsonText, o))
            lastId = id
        }
        var after: String?
        if case .object(let paging)? = top["paging"], case .object(let next)? = paging["next"] { after = next["after"]?.text }
        return Results(records: records, after: after, lastId: lastId)
    }

    public func check(client: APIClient) async throws {
        _ = try await serverNow(object: "contacts", client: client)
    }
}

/// HubSpot API records (`{id, properties, createdAt, updatedAt, archived, associations}`) →
/// the same canonical mapping as the UI exports, through their internal property names.
struct HubSpotAPIMapping: RecordMapping {
    let formatName = "hubspot-api"
    private let inner = HubSpotExportMapping(formatName: "hubspot-api", object: nil, timeZone: TimeZone(identifier: "UTC")!)

    func stream(fileName: String, columns: ColumnIndex) throws -> String { fileName }

    func map(_ row: SourceRow, stream: String) -> MappingResult {
        guard case .json(let record) = row.storage else { return inner.map(row, stream: stream) }
        if stream == "email_events" { return HubSpotActivityMapping.emailEvent(record, origin: row.origin) }
        if HubSpotConnector.engagements.contains(stream) { return HubSpotActivityMapping.engagement(record, object: stream) }
        var flat: [String: JSONValue] = [:]
        if case .object(let properties)? = record["properties"] {
            for (k, v) in properties { flat[k] = v }
        }
        flat["hs_object_id"] = record["id"]
        let archived = record["archived"] == .bool(true)
        let modified = HubSpotConnector.modifiedProperty(stream)
        if flat[modified] == nil || flat[modified] == .null { flat[modified] = record["updatedAt"] }
        if archived {
            flat["archived"] = .bool(true)
            if let at = record["archivedAt"] { flat[modified] = at }
        }
        if flat["createdate"] == nil || flat["createdate"] == .null { flat["createdate"] = record["createdAt"] }
        if case .object(let associations)? = record["associations"], case .object(let companies)? = associations["companies"],
            case .array(let list)? = companies["results"]
        {
            let ids = list.compactMap { item -> String? in
                if case .object(let o) = item { return o["id"]?.text }
                return nil
            }
            if !ids.isEmpty {
                flat["Associated Company IDs"] = .string(ids.joined(separator: ";"))
                if flat["associatedcompanyid"] == nil || flat["associatedcompanyid"] == .null { flat["associatedcompanyid"] = .string(ids[0]) }
            }
        }
        return inner.map(SourceRow(json: flat, origin: row.origin, nullMarkers: []), stream: stream)
    }
}
