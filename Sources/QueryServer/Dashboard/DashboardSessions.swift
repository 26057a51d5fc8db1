import Foundation
import Synchronization

/// The dashboard's logins: each session was made from an API token, and keeps that token's
/// digest (never the token), so the tokens file in force decides its scope on every request and
/// revoking a token (then a reload) ends its sessions. Sessions live in memory: a restart logs
/// everyone out, which is the safe way round.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        let tokenDigest: [UInt8]
        /// Sent back in every form of the session's pages and checked on every post.
        let csrf: String
        let created: ContinuousClock.Instant
        var lastSeen: ContinuousClock.Instant
    }

    /// A session unused this long ends.
    static let idleLimit: Duration = .seconds(8 * 3600)
    /// A session ends this long after the login, used or not.
    static let lifetime: Duration = .seconds(24 * 3600)
    /// At most this many at once: the oldest ends first, so a login loop cannot fill memory.
    static let capacity = 10_000

    private let sessions = Mutex<[String: Session]>([:])
    private let clock = ContinuousClock()

    /// A new session for a checked token; returns its id (the cookie's value).
    func create(tokenDigest: [UInt8]) -> String {
        let id = Self.randomToken()
        let now = clock.now
        let session = Session(tokenDigest: tokenDigest, csrf: Self.randomToken(), created: now, lastSeen: now)
        sessions.withLock { all in
            all = all.filter { now - $0.value.created < Self.lifetime && now - $0.value.lastSeen < Self.idleLimit }
            if all.count >= Self.capacity, let oldest = all.min(by: { $0.value.created < $1.value.created }) {
                all[oldest.key] = nil
            }
            all[id] = session
        }
        return id
    }

    /// The live session with this id (its last use now), nil when there is none or it expired.
    func session(id: String) -> Session? {
        let now = clock.now
        return sessions.withLock { all in
            guard var session = all[id] else { return nil }
            guard now - session.created < Self.lifetime, now - session.lastSeen < Self.idleLimit else {
                all[id] = nil
                return nil
            }
            session.lastSeen = now
            all[id] = session
            return session
        }
    }

    func end(id: String) { sessions.withLock { $0[id] = nil } }

    /// 256 bits from the system's secure generator, base64url: a cookie value and a CSRF token.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares two secrets in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}
