import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A real HTTP server on 127.0.0.1 (a free port) that answers like a vendor API, for connector
/// tests: each request goes to a handler that replays the vendor's wire format.
public final class ReplayServer: Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        public var headers: [String: String]
        public var body: Data
    }

    /// What to answer.
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        public init(status: Int = 200, headers: [String: String] = [:], body: Data) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public static func json(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> Reply {
            Reply(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: Data(text.utf8))
        }
    }

    public let baseURL: URL
    private let task: Task<Void, any Error>

    /// Starts the server and returns once it is listening.
    public init(handler: @escaping @Sendable (Request) async -> Reply) async throws {
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var req = request
            let buffer = try await req.collectBody(upTo: 16 << 20)
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { query[String(k)] = String(v).removingPercentEncoding ?? String(v) }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let reply = await handler(Request(
                method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                body: Data(buffer.readableBytesView)))
            var fields = HTTPFields()
            for (k, v) in reply.headers {
                if let name = HTTPField.Name(k) { fields[name] = v }
            }
            return Response(status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        let port = PortBox()
        var logger = Logger(label: "replay-server")
        logger.logLevel = .critical
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.set(channel.localAddress?.port ?? 0) }, logger: logger)
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var waited = 0
        while port.get() == 0 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
            if waited > 1000 { throw CancellationError() }
        }
        baseURL = URL(string: "http://127.0.0.1:\(port.get())")!
    }

    /// Stops the server.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

private final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ p: Int) { lock.lock(); port = p; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return port }
}
