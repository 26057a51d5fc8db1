import Hummingbird
import Insights
import JourneyModel
import JourneyStore

extension API {
    /// Persons, journeys and next actions: the store's read API, paged with opaque cursors.
    func addPersonRoutes(_ routes: Routes) {
        let reader = self.reader
        routes.add(.get, "/v1/persons", .read) { request, _ in
            let email = request.parameter("email")
            let limit = try request.limit()
            let cursor = try Self.cursor(request)
            return try Reply.encode(try await self.reading { try reader.persons(email: email, limit: limit, after: cursor) })
        }
        routes.add(.get, "/v1/persons/{id}", .read) { request, context in
            let id = try context.parameters.require("id")
            guard let person = try await self.reading({ try reader.person(id: id) }) else { throw APIError.noSuchPerson }
            return try Reply.encode(person)
        }
        routes.add(.get, "/v1/persons/{id}/journey", .read) { request, context in
            let id = try context.parameters.require("id")
            let limit = try request.limit(default: 500, max: 5000)
            let cursor = try Self.cursor(request)
            guard let (journey, next) = try await self.reading({ try reader.journey(personId: id, limit: limit, after: cursor) }) else {
                throw APIError.noSuchPerson
            }
            return try Reply.encode(JourneyPage(journey: journey, nextCursor: next))
        }
        routes.add(.get, "/v1/next-actions", .read) { request, _ in
            let filter = NextActionPageFilter(
                owner: request.parameter("owner"), stage: request.parameter("stage"), action: request.parameter("action"),
                limit: try request.limit(), after: try Self.cursor(request))
            let page = try await self.reading { try reader.nextActions(filter) }
            // Each item is the object `journeylake next-actions --format json` prints, with whom it is for.
            let items = page.items.map { stored in
                var json = String(NextActionRow(stored).json.dropLast())
                for (key, value) in [("primary_email", stored.primaryEmail), ("owner", stored.owner), ("lifecycle_stage", stored.lifecycleStage)] {
                    json += ", \(JSONObjectWriter.quoted(key)): \(value.map(JSONObjectWriter.quoted) ?? "null")"
                }
                return json + "}"
            }
            let next = page.nextCursor.map(JSONObjectWriter.quoted) ?? "null"
            return Reply.text("{\"items\": [" + items.joined(separator: ", ") + "], \"next_cursor\": \(next)}\n")
        }
    }

    static func cursor(_ request: Request) throws -> PageCursor? {
        guard let token = request.parameter("cursor") else { return nil }
        guard let cursor = PageCursor(token: token) else {
            throw APIError.badParameter("cursor", "not a cursor this API gave out; pass next_cursor from the previous page as is")
        }
        return cursor
    }
}

/// A journey with a page of its timeline.
struct JourneyPage: Encodable {
    var journey: PersonJourney
    var nextCursor: String?

    enum CodingKeys: String, CodingKey { case person, identifiers, timeline, activeLinks, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(journey.person, forKey: .person)
        try c.encode(journey.identifiers, forKey: .identifiers)
        try c.encode(journey.timeline, forKey: .timeline)
        try c.encode(journey.activeLinks, forKey: .activeLinks)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

extension APIError {
    static let noSuchPerson = APIError(.notFound, code: "not_found", "no person has this id (GET /v1/persons?email= finds one by email)")
}
