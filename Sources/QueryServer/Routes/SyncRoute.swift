import Hummingbird
import JourneyModel

extension API {
    /// `POST /v1/sources/{name}/sync[?wait=true]`: runs the source now (202 queued; with wait,
    /// 200 and what the pass did).
    func sync(_ request: Request, context: Context) async throws -> Response {
        let name = try context.parameters.require("name")
        let wait = request.parameter("wait").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        switch await sources.requestSync(of: name, wait: wait) {
        case .unknownSource:
            throw APIError(.notFound, code: "not_found", "no source named '\(name)' in the config in force (GET /v1/sources lists them)")
        case .disabled:
            throw APIError(.conflict, code: "source_disabled", "source '\(name)' has enabled: false; enable it and reload first")
        case .stopping:
            throw APIError(.serviceUnavailable, code: "stopping", "the daemon is stopping; no new pass starts")
        case .queued:
            return Reply.text("{\"source\": \(JSONObjectWriter.quoted(name)), \"status\": \"queued\"}\n", status: .accepted)
        case .finished(let summary):
            return try Reply.encode(summary)
        }
    }
}
