import Connectors
import Daemon
import Foundation
import JourneyTesting
import Testing

/// Credentials never reach an error, a log line or `sync_state.last_error`.
@Suite struct SecretRedactionTests {
    static let secret = "s3cr3t-Value-42"

    @Test func anUnreachableMarketoIdentityServiceIsReportedWithoutTheCredentials() async throws {
        let ws = try Workspace()
        try ws.write("secrets/mkto-id", "mkto-client-id-77\n")
        try ws.write("secrets/mkto-secret", Self.secret + "\n")
        // A port nothing listens on: the token request fails in transport, the error names its URL.
        let server = try await ReplayServer { _ in ReplayServer.Reply(status: 500, body: Data()) }
        let url = server.baseURL.absoluteString
        await server.stop()
        let yaml = """
              - name: marketo
                type: marketo
                base_url: \(url)
                client_id: { file: secrets/mkto-id }
                client_secret: { file: secrets/mkto-secret }
                retry: { max_attempts: 1, base_delay: 10ms, max_delay: 10ms }

            """
        let out = try await ws.ingest(yaml)
        #expect(out[0].report.status == .failed)
        let messages = out[0].report.errors.map(\.message)
        #expect(!messages.isEmpty)
        let stored = try ws.strings("SELECT coalesce(last_error, '') FROM sync_state")
        for text in messages + stored {
            #expect(!text.contains(Self.secret) && !text.contains("mkto-client-id-77"), "\(text)")
        }
        #expect(messages.contains { $0.contains("client_secret=REDACTED") || $0.contains("token endpoint") }, "\(messages)")
    }

    @Test func urlsAndMessagesAreScrubbedAndCutShort() {
        #expect(Redaction.url("https://u:p@x.mktorest.com/identity/oauth/token?grant_type=client_credentials&client_id=abc&client_secret=\(Self.secret)")
            == "https://x.mktorest.com/identity/oauth/token?grant_type=client_credentials&client_id=REDACTED&client_secret=REDACTED")
        let body = #"{"error":"invalid_grant","refresh_token":"\#(Self.secret)","message":"contact maya.chen@brightwave.io"} Authorization: Bearer \#(Self.secret)"#
        let scrubbed = Redaction.message(body)
        #expect(!scrubbed.contains(Self.secret) && !scrubbed.contains("maya.chen"), "\(scrubbed)")
        #expect(scrubbed.contains("invalid_grant"))
        #expect(Redaction.message(String(repeating: "x", count: 5000)).count <= Redaction.excerptLimit + 1)
        let failure = HTTPFailure(url: "https://h.example/api?access_token=\(Self.secret)", attempts: 2, reason: "HTTP 401: token=\(Self.secret)")
        #expect(!failure.description.contains(Self.secret), "\(failure)")
    }
}
