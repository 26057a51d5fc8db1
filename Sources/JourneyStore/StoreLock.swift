import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-writer-at-a-time lock of a store: an exclusive advisory lock on `<store>.lock`, held by
/// a writing process (ingest, serve, reprocess, identity maintenance) for as long as it keeps the
/// store open. Readers never take it (SQLite's WAL serves them while the writer writes).
///
/// It is a POSIX record lock (`fcntl`), not `flock`: the kernel releases it when the process
/// ends however it ends (SIGKILL included), it tells a waiting process the holder's pid, and it
/// belongs to the process, so two handles on one store inside one process (tests) never block
/// each other — the lock is about processes, which is where two writers raced.
public final class StoreLock: Sendable {
    /// The lock file (`<store>.lock`).
    public let path: String
    private let descriptor: Int32

    /// What to do when another process holds the lock.
    public enum BusyPolicy: Sendable {
        /// Wait until it is released; `notify` is called once with the holder's pid before waiting.
        case wait(notify: @Sendable (_ holder: Int32?) -> Void)
        /// Fail at once with `StoreLockError.held`.
        case fail
    }

    /// Takes the lock of the store at `storePath`, creating its folder and lock file if needed.
    public init(storePath: String, whenBusy policy: BusyPolicy) throws {
        path = storePath + ".lock"
        let directory = URL(fileURLWithPath: storePath).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreLockError.cannotOpen(path: path, reason: "cannot create folder \(directory.path): \(error.localizedDescription)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreLockError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var notified = false
        while true {
            if Self.lock(fd, command: F_SETLK) == 0 { break }
            let failure = errno
            guard failure == EAGAIN || failure == EACCES || failure == EINTR else {
                close(fd)
                throw StoreLockError.cannotOpen(path: path, reason: String(cString: strerror(failure)))
            }
            if failure == EINTR { continue }
            let holder = Self.holder(fd)
            switch policy {
            case .fail:
                close(fd)
                throw StoreLockError.held(path: path, pid: holder)
            case .wait(let notify):
                if !notified {
                    notify(holder)
                    notified = true
                }
                // Blocks until the holder releases it (or exits); an interrupted wait tries again.
                if Self.lock(fd, command: F_SETLKW) == 0 { break }
                if errno != EINTR {
                    let reason = String(cString: strerror(errno))
                    close(fd)
                    throw StoreLockError.cannotOpen(path: path, reason: reason)
                }
            }
        }
        descriptor = fd
        // The holder's pid, for operators who look at the file (`fcntl` also tells it to waiters).
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit { close(descriptor) }

    private static func lock(_ fd: Int32, command: Int32) -> Int32 {
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = 0
        request.l_len = 0
        return fcntl(fd, command, &request)
    }

    /// The pid of the process holding the lock, when the kernel tells.
    private static func holder(_ fd: Int32) -> Int32? {
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        guard fcntl(fd, F_GETLK, &request) == 0, request.l_type != Int16(F_UNLCK), request.l_pid > 0 else { return nil }
        return request.l_pid
    }
}

/// Why the store's writer lock could not be taken.
public enum StoreLockError: Error, CustomStringConvertible, Sendable, Equatable {
    case held(path: String, pid: Int32?)
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .held(let path, let pid):
            let who = pid.map { "another journeylake (pid \($0))" } ?? "another journeylake"
            return "\(who) holds the store (lock \(path)); wait for it to finish or stop it, then run this again"
        case .cannotOpen(let path, let reason):
            return "cannot take the store's writer lock \(path): \(reason); check that this user may write the store's folder"
        }
    }
}
