import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP client for tests of the daemon's API on 127.0.0.1.
public struct HTTPTestClient: Sendable {
    /// What came back.
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String

        /// The body as a JSON value.
        public func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
        /// `error.code` of an error body.
        public var errorCode: String? { ((try? json()) as? [String: Any]).flatMap { $0["error"] as? [String: Any] }?["code"] as? String }
    }

    public let baseURL: URL
    /// Sent as `Authorization: Bearer …` when set.
    public var token: String?

    public init(baseURL: URL, token: String? = nil) {
        self.baseURL = baseURL
        self.token = token
    }

    public func with(token: String?) -> HTTPTestClient { HTTPTestClient(baseURL: baseURL, token: token) }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, headers: headers)
    }

    public func post(_ path: String, json: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        try await send("POST", path, body: json.map { Data($0.utf8) }, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a })
    }

    public func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL.absoluteString + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 120
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields { if let k = k as? String, let v = v as? String { fields[k.lowercased()] = v } }
        return Reply(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
    }
}
