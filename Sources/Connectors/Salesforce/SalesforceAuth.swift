import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Salesforce OAuth 2.0 (client credentials or refresh token). One refresh at a time: the actor
/// serializes callers, and a refresh requested by several pages at once happens once.
public actor SalesforceAuth: AuthProvider {
    let tokenURL: URL
    let form: [(String, String)]
    let timeout: Duration
    let requester: TokenRequester
    private var current: (token: String, instanceURL: URL, generation: Int)?
    private var generation = 0

    public init(loginURL: URL, form: [(String, String)], timeout: Duration) {
        tokenURL = loginURL.appendingPathComponent("services/oauth2/token")
        self.form = form
        self.timeout = timeout
        requester = TokenRequester(vendor: "Salesforce", timeout: timeout)
    }

    public func token(forceRefresh: Bool) async throws -> String {
        try await session(forceRefresh: forceRefresh).token
    }

    /// The access token and the `instance_url` the token response named (every data call goes there).
    public func session(forceRefresh: Bool = false) async throws -> (token: String, instanceURL: URL) {
        if let current, !forceRefresh { return (current.token, current.instanceURL) }
        var request = URLRequest(url: tokenURL)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = Double(timeout.components.seconds)
        request.httpBody = Data(form.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&").utf8)
        let (data, response) = try await requester.send(request)
        let status = response?.statusCode ?? 0
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard status == 200, let token = body["access_token"] as? String, let instance = (body["instance_url"] as? String).flatMap(URL.init)
        else {
            let error = body["error"] as? String ?? "HTTP \(status)"
            let description = body["error_description"] as? String ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw HTTPFailure(url: tokenURL.absoluteString, attempts: 1, reason: "Salesforce refused the token request: \(error): \(description)")
        }
        generation += 1
        current = (token, instance, generation)
        return (token, instance)
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
