import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the daemon is (`sd_notify`): one datagram per message to the socket
/// `NOTIFY_SOCKET` names (a path, or `@name` in the abstract namespace). Without the variable
/// (not run by systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    /// What can be said.
    public enum State: Sendable, Equatable {
        /// Start-up is done: the config is valid, the store open, the listener bound.
        case ready
        /// A reload began; `ready` ends it. systemd wants the monotonic time with it.
        case reloading
        /// Shutdown began.
        case stopping
        /// The scheduler loop is alive (sent every half `WatchdogSec`).
        case watchdog
        /// Free text `systemctl status` shows.
        case status(String)

        var line: String {
            switch self {
            case .ready: return "READY=1"
            case .reloading:
                // DispatchTime is CLOCK_MONOTONIC on Linux, the clock systemd means.
                return "RELOADING=1\nMONOTONIC_USEC=\(DispatchTime.now().uptimeNanoseconds / 1000)"
            case .stopping: return "STOPPING=1"
            case .watchdog: return "WATCHDOG=1"
            // One line: a newline would start another assignment.
            case .status(let text): return "STATUS=" + text.replacingOccurrences(of: "\n", with: " ")
            }
        }
    }

    let socketPath: String?
    /// How often to send `watchdog` (half of `WATCHDOG_USEC`), nil when systemd watches nothing
    /// or watches another process (`WATCHDOG_PID`).
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    public var isActive: Bool { socketPath != nil }

    /// Sends the states in one datagram. Failures are ignored: systemd's absence or a full
    /// socket must never stop the daemon (systemd notices a missing watchdog ping itself).
    public func notify(_ states: State...) {
        guard let socketPath, !states.isEmpty else { return }
        let message = states.map(\.line).joined(separator: "\n")
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        // `@name` is an abstract socket: its address starts with a NUL byte.
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        _ = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, text, strlen(text), Int32(MSG_NOSIGNAL), $0, length) }
            }
        }
    }
}
