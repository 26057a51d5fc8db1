import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Lets a request through only with a bearer token of at least `needs`: none or an unknown one
/// is 401, a weaker scope 403.
struct BearerAuth<Context: RequestContext>: RouterMiddleware {
    let needs: TokenScope
    let state: ServerState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.unauthorized }
        guard let scope = state.current.tokens.scope(of: parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw APIError.invalidToken
        }
        guard scope >= needs else { throw APIError.forbidden(needs: needs, has: scope) }
        return try await next(request, context)
    }
}

/// Every failure answers `{"error": {"code", "message"}}`: Hummingbird's own errors (no such
/// route, a malformed request) are rewritten, and anything unexpected is a 500 whose detail
/// stays in the log (its type only: an error may quote a row).
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error.status, code: Self.code(error.status), error.body ?? Self.message(error.status))
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, code: Self.code(error.status), Self.message(error.status))
        } catch {
            logger.error("request failed", metadata: ["route": "\(context.endpointPath ?? "unmatched")", "error_type": "\(type(of: error))"])
            throw APIError(.internalServerError, code: "internal", "the request failed inside the server; the log has the error type")
        }
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: return "not_found"
        case .methodNotAllowed: return "method_not_allowed"
        case .contentTooLarge: return "body_too_large"
        default: return status.code < 500 ? "bad_request" : "internal"
        }
    }

    static func message(_ status: HTTPResponse.Status) -> String {
        status == .notFound ? "no such route; GET /openapi.yaml lists them" : status.reasonPhrase
    }
}

/// Counts requests by route pattern (never the path: it holds ids), method and status, times
/// them, and logs each at debug with the same fields.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: HTTPResponse.Status
        do {
            let response = try await next(request, context)
            status = response.status
            record(request, context, status, since: start)
            return response
        } catch let error as any HTTPResponseError {
            status = error.status
            record(request, context, status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let dimensions = [("route", route), ("method", request.method.rawValue), ("status", String(status.code))]
        Counter(label: "journeylake_server_requests_total", dimensions: dimensions).increment()
        let elapsed = ContinuousClock.now - start
        Metrics.Timer(label: "journeylake_server_request_duration_seconds", dimensions: [("route", route)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        logger.debug("http request", metadata: [
            "route": "\(route)", "method": "\(request.method.rawValue)", "status": "\(status.code)",
            "duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ])
    }
}
