import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Marketo's identity service: client-credentials tokens, renewed before they expire and once on
/// 601/602; the actor makes it one refresh at a time.
public actor MarketoAuth: AuthProvider {
    let tokenURL: URL
    let clientId: String
    let clientSecret: String
    let timeout: Duration
    let requester: TokenRequester
    private var current: (token: String, expires: ContinuousClock.Instant)?

    public init(baseURL: URL, clientId: String, clientSecret: String, timeout: Duration) {
        tokenURL = baseURL.appendingPathComponent("identity/oauth/token")
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.timeout = timeout
        requester = TokenRequester(vendor: "Marketo identity", timeout: timeout)
    }

    public func token(forceRefresh: Bool) async throws -> String {
        // A token about to expire is renewed first, so no request is sent with a dying token.
        if let current, !forceRefresh, ContinuousClock.now.advanced(by: .seconds(60)) < current.expires { return current.token }
        var components = URLComponents(url: tokenURL, resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "grant_type", value: "client_credentials"), URLQueryItem(name: "client_id", value: clientId),
            URLQueryItem(name: "client_secret", value: clientSecret),
        ]
        var request = URLRequest(url: components.url!)
        request.timeoutInterval = Double(timeout.components.seconds)
        let (data, response) = try await requester.send(request)
        let status = response?.statusCode ?? 0
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard status == 200, let token = body["access_token"] as? String else {
            let reason = [body["error"] as? String, body["error_description"] as? String].compactMap { $0 }.joined(separator: ": ")
            throw HTTPFailure(url: tokenURL.absoluteString, attempts: 1,
                              reason: "Marketo identity refused the token request (HTTP \(status)): \(reason.isEmpty ? "no detail" : reason)")
        }
        let expiresIn = (body["expires_in"] as? Int) ?? 3600
        // Asking again before expiry returns the same token with its remaining life: a forced
        // refresh of an expired token therefore waits until the identity service issues a new one.
        current = (token, ContinuousClock.now.advanced(by: .seconds(max(0, expiresIn))))
        return token
    }
}
