import HTTPTypes
import Hummingbird

extension API {
    /// The routes any local process may call: liveness, readiness, metrics, the API's description.
    func addOpenRoutes(_ routes: Routes) {
        routes.add(.get, "/healthz", nil) { _, _ in Reply.text("{\"status\": \"ok\"}\n") }
        routes.add(.get, "/readyz", nil) { _, _ in
            self.state.isReady
                ? Reply.text("{\"status\": \"ready\"}\n")
                : Reply.text("{\"status\": \"not_ready\"}\n", status: .serviceUnavailable)
        }
        routes.add(.get, "/metrics", nil) { _, _ in
            Reply.text(await self.metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        routes.add(.get, "/openapi.yaml", nil) { _, _ in Reply.text(OpenAPIDocument.yaml, contentType: "application/yaml") }
    }
}

extension Request {
    /// A query parameter, nil when absent or empty.
    func parameter(_ name: String) -> String? {
        uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `limit` (1…`max`, default `default`).
    func limit(default value: Int = 100, max: Int = 1000) throws -> Int {
        guard let text = parameter("limit") else { return value }
        guard let n = Int(text), (1...max).contains(n) else { throw APIError.badParameter("limit", "must be a whole number from 1 to \(max)") }
        return n
    }
}
