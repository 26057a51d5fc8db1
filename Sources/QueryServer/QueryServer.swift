import Foundation
import HTTPTypes
import Hummingbird
import Insights
import JourneyStore
public import Logging
public import ServiceLifecycle

/// The analysts' HTTP API (Hummingbird): the store's read API, the Insights reports, read-only
/// SQL and the admin sync, behind bearer tokens; `/healthz`, `/readyz`, `/metrics` and
/// `/openapi.yaml` are open; the dashboard under `/ui/`, behind sessions made from the same
/// tokens. A `Service`: it runs until the service group shuts down.
public struct QueryServer: Service {
    let storePath: String
    let state: ServerState
    let sources: any SourceSyncing
    let metrics: any MetricsExporting
    let logger: Logger
    let feedback: (any SuggestionFeedbackRecording)?
    let forgetting: (any PersonForgetting)?
    let onListening: @Sendable (_ host: String, _ port: Int) async -> Void

    /// - Parameters:
    ///   - storePath: the journey store; it must exist (the daemon opens it for writing first).
    ///   - feedback: the store writer's way to record the dashboard's done/dismissed marks; nil
    ///     leaves the buttons out.
    ///   - forgetting: the store writer's way to forget a person (`POST /v1/forget`); nil: it answers 503.
    ///   - onListening: called once the listener is bound, with the address and actual port
    ///     (`listen: 127.0.0.1:0` picks a free one).
    public init(
        storePath: String, state: ServerState, sources: any SourceSyncing, metrics: any MetricsExporting, logger: Logger,
        feedback: (any SuggestionFeedbackRecording)? = nil, forgetting: (any PersonForgetting)? = nil,
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) {
        self.storePath = storePath
        self.state = state
        self.sources = sources
        self.metrics = metrics
        self.logger = logger
        self.feedback = feedback
        self.forgetting = forgetting
        self.onListening = onListening
    }

    /// Connections the read routes may use at once: a long query holds one, the rest keep serving.
    static let readerConnections = 4

    public func run() async throws {
        let settings = state.current.settings
        let api = try API(
            reader: JourneyReader(path: storePath, connections: Self.readerConnections), storePath: storePath, state: state,
            sources: sources, metrics: metrics, logger: logger, feedback: feedback,
            forgetting: forgetting)
        let onListening = self.onListening
        let logger = self.logger
        // Hummingbird logs each request at its own levels: quieter than ours, and never the path.
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .notice)
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "journeylake"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                logger.notice("http listening", metadata: ["listen": "\(settings.host):\(port)"])
                await onListening(settings.host, port)
            },
            logger: serverLogger)
        try await app.run()
    }
}

/// The routes and what they share.
struct API: Sendable {
    let reader: JourneyReader
    let storePath: String
    let state: ServerState
    let sources: any SourceSyncing
    let metrics: any MetricsExporting
    let logger: Logger
    let reports: DefinitionsReaders<ReportReader>
    let nextActions: DefinitionsReaders<NextActionReader>
    /// The daemon's write path for the dashboard's done/dismissed buttons; nil: they are not offered.
    let feedback: (any SuggestionFeedbackRecording)?
    /// The daemon's write path for `POST /v1/forget`; nil: the route answers 503.
    let forgetting: (any PersonForgetting)?
    /// The dashboard's logins.
    let sessions = DashboardSessions()

    init(reader: JourneyReader, storePath: String, state: ServerState, sources: any SourceSyncing, metrics: any MetricsExporting,
         logger: Logger, feedback: (any SuggestionFeedbackRecording)? = nil, forgetting: (any PersonForgetting)? = nil) {
        self.reader = reader
        self.storePath = storePath
        self.state = state
        self.sources = sources
        self.metrics = metrics
        self.logger = logger
        self.feedback = feedback
        self.forgetting = forgetting
        self.reports = DefinitionsReaders(path: storePath) { try ReportReader(path: $0, definitions: $1) }
        self.nextActions = DefinitionsReaders(path: storePath) { try NextActionReader(path: $0, definitions: $1) }
    }

    typealias Context = BasicRequestContext

    func router() -> Router<Context> { routes().router }

    /// The router, and every route it serves with the scope it needs (nil: open), which a test
    /// holds against the OpenAPI document.
    func routes() -> Routes {
        let routes = Routes(router: Router(context: Context.self), state: state)
        routes.router.add(middleware: RequestMetricsMiddleware(logger: logger))
        routes.router.add(middleware: ErrorBodyMiddleware(logger: logger))
        addOpenRoutes(routes)
        addPersonRoutes(routes)
        addReportRoutes(routes)
        routes.add(.get, "/v1/sources", .read) { _, _ in
            let configured = self.state.current.sources.map { ($0.name, $0.enabled) }
            let reader = self.reader
            return try Reply.encode(try await self.reading { SyncStateRow.listing(stored: try reader.syncState(), configured: configured) })
        }
        routes.add(.post, "/v1/query", .read) { request, context in try await self.query(request, context: context) }
        routes.add(.post, "/v1/sources/{name}/sync", .admin) { request, context in try await self.sync(request, context: context) }
        routes.add(.post, "/v1/forget", .admin) { request, _ in try await self.forget(request) }
        // The dashboard's pages are HTML for browsers, not part of the API the OpenAPI document
        // describes: they are served beside it, outside the route list.
        Dashboard(api: self).register(on: routes.router)
        return routes
    }

    /// Runs a store read off the cooperative pool (SQLite blocks its thread) and turns store
    /// failures into API errors.
    func reading<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await Blocking.run(body)
        } catch let error as APIError {
            throw error
        } catch let error as QueryError {
            throw APIError(queryError: error)
        } catch {
            // Store errors name paths, never rows: safe to log and to show.
            logger.error("store read failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "store_unavailable", "\(error)")
        }
    }
}

extension APIError {
    /// A read-only SQL failure: refused statements 403, anything SQLite rejects or stops 400.
    init(queryError: QueryError) {
        switch queryError {
        case .writeRefused: self.init(.forbidden, code: "read_only", queryError.description)
        case .timeLimitExceeded: self.init(.badRequest, code: "time_limit_exceeded", queryError.description)
        case .failed: self.init(.badRequest, code: "sql_error", queryError.description)
        case .noPersonFound: self.init(.notFound, code: "not_found", "no such person")
        }
    }
}

/// One served route: method, path as the OpenAPI document writes it, and the scope it needs.
struct RouteEntry: Sendable, Hashable {
    var method: String
    var path: String
    var scope: TokenScope?
}

/// Registers routes under the scope each needs (one authenticated group per scope) and keeps
/// the list.
final class Routes {
    let router: Router<API.Context>
    private let groups: [TokenScope: RouterGroup<API.Context>]
    private(set) var entries: [RouteEntry] = []

    init(router: Router<API.Context>, state: ServerState) {
        self.router = router
        var groups: [TokenScope: RouterGroup<API.Context>] = [:]
        for scope in TokenScope.allCases { groups[scope] = router.group().add(middleware: BearerAuth(needs: scope, state: state)) }
        self.groups = groups
    }

    func add(
        _ method: HTTPRequest.Method, _ path: String, _ scope: TokenScope?,
        use handler: @escaping @Sendable (Request, API.Context) async throws -> some ResponseGenerator
    ) {
        entries.append(RouteEntry(method: method.rawValue.lowercased(), path: path, scope: scope))
        if let scope {
            groups[scope]!.on(RouterPath(path), method: method, use: handler)
        } else {
            router.on(RouterPath(path), method: method, use: handler)
        }
    }
}

/// Runs blocking work on a thread of its own, so SQLite never holds one of Swift's few
/// cooperative threads (two on CI) while HTTP requests wait.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

/// Response bodies: JSON with snake_case keys, sorted like the reports, or text as given.
enum Reply {
    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return text(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n", status: status)
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
