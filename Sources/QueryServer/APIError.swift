import Foundation
public import HTTPTypes
public import Hummingbird
import JourneyModel

/// An API failure as clients see it: an HTTP status and `{"error": {"code", "message"}}`, where
/// `code` is a stable machine-readable word and `message` says what to do.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="journeylake""# }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body + "\n")))
    }

    /// The JSON body.
    public var body: String {
        var inner = JSONObjectWriter()
        inner.add("code", code)
        inner.add("message", message)
        var outer = JSONObjectWriter()
        outer.addRaw("error", json: inner.finish())
        return outer.finish()
    }

    static func badParameter(_ name: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_parameter", "query parameter '\(name)': \(message)")
    }

    static let unauthorized = APIError(
        .unauthorized, code: "unauthorized", "send Authorization: Bearer <token>; journeylake token create prints a token and its tokens-file line")
    static let invalidToken = APIError(
        .unauthorized, code: "invalid_token", "the bearer token matches no line of the tokens file (revoked, or never added)")

    static func forbidden(needs scope: TokenScope, has: TokenScope) -> APIError {
        APIError(.forbidden, code: "insufficient_scope", "this route needs a token with scope \(scope.rawValue); yours has \(has.rawValue)")
    }
}
