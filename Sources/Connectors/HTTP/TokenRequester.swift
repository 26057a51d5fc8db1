import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends token requests for an auth provider: its own session (no connection shared with other
/// sources, so a closed keep-alive connection of another source is never reused) and a few retries
/// on transport errors — a token call that times out once must not fail a whole pass.
struct TokenRequester: Sendable {
    let session: URLSession
    let attempts: Int
    let vendor: String

    init(vendor: String, timeout: Duration, attempts: Int = 3) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Double(timeout.components.seconds)
        session = URLSession(configuration: configuration)
        self.attempts = attempts
        self.vendor = vendor
    }

    /// The response to `request`; transport failures are retried with a short backoff and, in the
    /// end, reported with the URL and the number of attempts.
    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse?) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (data, response) = try await session.data(for: request)
                return (data, response as? HTTPURLResponse)
            } catch is URLError where attempt < attempts {
                try await Task.sleep(for: .milliseconds(500 * attempt))
            } catch {
                throw HTTPFailure(
                    url: request.url?.absoluteString ?? "", attempts: attempt,
                    reason: "could not reach \(vendor)'s token endpoint: \(error.localizedDescription)")
            }
        }
    }
}
