import Foundation
import Hummingbird
import JourneyStore
import Logging

/// `POST /v1/forget`'s body.
struct ForgetRequestBody: Decodable {
    /// An email, a person id, an identifier value or `kind:value`, as `journeylake forget` takes.
    var who: String
    var anonymise: Bool?
    var reason: String?
}

extension API {
    /// `POST /v1/forget` (admin): `journeylake forget` through the running daemon's writer. 200 and
    /// the audit row (counts, never whom); 404 when nothing matches and `who` is no identifier; 409
    /// when `who` is a bare value several persons' identifiers share.
    /// The body names a person: it is never logged (request logs carry the route and status only).
    func forget(_ request: Request) async throws -> Response {
        guard let forgetting else {
            throw APIError(.serviceUnavailable, code: "not_available", "this server has no store writer; run `journeylake forget` instead")
        }
        let bytes = try await request.body.collect(upTo: 64 << 10)
        guard let body = try? JSONDecoder().decode(ForgetRequestBody.self, from: Data(bytes.readableBytesView)),
              !body.who.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw APIError(.badRequest, code: "invalid_body", #"the body must be JSON: {"who": "email, person id or kind:value", "anonymise": false, "reason": "DSR-1042"}"#)
        }
        let answer: ForgetAnswer
        do {
            answer = try await forgetting.forget(body.who, anonymise: body.anonymise ?? false, reason: body.reason)
        } catch {
            // Store errors name paths, never rows.
            logger.error("forget failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "store_unavailable", "\(error)")
        }
        switch answer {
        case .forgotten(let done): return try Reply.encode(done)
        case .nobody(let why): throw APIError(.notFound, code: "not_found", why)
        case .ambiguous(let why): throw APIError(.conflict, code: "ambiguous", why)
        }
    }
}
