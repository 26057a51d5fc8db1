import Foundation
import HTTPTypes
import Hummingbird
import JourneyStore
import Logging

/// `POST /v1/query`'s body.
struct QueryRequestBody: Decodable {
    var sql: String
    /// json (default) or csv; an `Accept: text/csv` header asks for csv too.
    var format: String?
    /// Fewer rows than the server's `query_max_rows`, never more.
    var maxRows: Int?

    enum CodingKeys: String, CodingKey {
        case sql, format
        case maxRows = "max_rows"
    }
}

extension API {
    /// Read-only SQL through the store's read API (`JourneyReader.query`, the one
    /// `journeylake query` uses): refused statements are 403, SQL errors and the time limit
    /// 400, and rows stream as SQLite produces them.
    func query(_ request: Request, context: Context) async throws -> Response {
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let body: QueryRequestBody
        do {
            body = try JSONDecoder().decode(QueryRequestBody.self, from: Data(bytes.readableBytesView))
        } catch {
            throw APIError(.badRequest, code: "invalid_body", #"the body must be JSON: {"sql": "SELECT …", "format": "json" | "csv", "max_rows": 1000}"#)
        }
        let accept = request.headers[.accept] ?? ""
        let formatName = body.format ?? (accept.contains("text/csv") ? "csv" : "json")
        guard let format = QueryResultEncoder.Format(rawValue: formatName) else {
            throw APIError(.badRequest, code: "invalid_body", "format must be json or csv")
        }
        let settings = state.current.settings
        if let max = body.maxRows, max < 1 { throw APIError(.badRequest, code: "invalid_body", "max_rows must be at least 1") }
        let limits = QueryLimits(time: settings.queryTimeout, rows: min(body.maxRows ?? settings.queryMaxRows, settings.queryMaxRows))
        let reader = self.reader
        let sql = body.sql
        let stream = QueryStream.start { out in
            var encoder = QueryResultEncoder(format: format, out: out)
            do {
                let summary = try reader.query(sql, limits: limits, into: &encoder)
                try encoder.finish(summary)
                out = encoder.out
            } catch let error as QueryError where encoder.out.sent && format == .json {
                // Rows have gone out under 200: the document ends saying why it stopped.
                try encoder.finish(nil, error: APIError(queryError: error))
                out = encoder.out
            } catch let error as QueryError {
                throw APIError(queryError: error)
            }
        }
        // The status waits for the first chunk (or the end): an error before any row is sent
        // still gets its own status.
        let first: [UInt8]?
        do {
            first = try await stream.next()
        } catch let error as APIError {
            throw error
        } catch {
            logger.error("query failed", metadata: ["error_type": "\(type(of: error))"])
            throw APIError(.serviceUnavailable, code: "store_unavailable", "the query could not run: \(error)")
        }
        var headers = HTTPFields()
        headers[.contentType] = format == .csv ? "text/csv; charset=utf-8" : "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { stream.cancel() }
            if let first { try await writer.write(ByteBuffer(bytes: first)) }
            // A csv result cut by an error ends without the final chunk: the client sees an
            // incomplete transfer, never a silently short table.
            while let chunk = try await stream.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        })
    }
}
