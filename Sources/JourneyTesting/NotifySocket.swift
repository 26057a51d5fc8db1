import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real datagram socket to pass as `NOTIFY_SOCKET`, standing in for systemd: it collects
/// what the daemon says.
public final class NotifySocket {
    public let path: String
    private let fd: Int32

    public init() throws {
        // sun_path holds 108 bytes: a short name under /tmp, not the (long) test folder.
        path = "/tmp/jl-notify-\(UInt32.random(in: 0...UInt32.max)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Every datagram received so far (each may hold several `KEY=value` lines).
    public private(set) var messages: [String] = []

    /// Reads what has arrived, without waiting.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
    }

    /// Waits until some datagram has a line starting with `prefix`; false after `timeout`.
    public func waitFor(_ prefix: String, timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            drain()
            if lines.contains(where: { $0.hasPrefix(prefix) }) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Every line of every datagram, in order.
    public var lines: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }
}
