import Crypto
import Foundation

/// What a token may do; each scope includes the ones below it (admin ⊇ write ⊇ read).
public enum TokenScope: String, Sendable, CaseIterable, Comparable, Codable {
    /// The read routes: persons, journeys, next actions, reports, sources, read-only SQL.
    case read
    /// Read, and later changes analysts may make (marking suggestions done).
    case write
    /// Everything, including running a source now.
    case admin

    public static func < (a: TokenScope, b: TokenScope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The tokens file: one `scope:sha256hex` line per token, `#` comments and blank lines ignored.
/// Only hashes are stored, so the file can be read by anyone who may read the config without
/// handing out a token.
public struct TokenFile: Sendable {
    struct Entry: Sendable {
        var scope: TokenScope
        var digest: [UInt8]
    }

    let entries: [Entry]

    /// A tokens file that could not be read; names the file and line, never a token.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var message: String
        public var description: String {
            "\(file)\(line.map { ":\($0)" } ?? ""): \(message); each line is scope:sha256hex (journeylake token create --scope read prints one)"
        }
    }

    /// No tokens: every protected route answers 401.
    public static let empty = TokenFile(entries: [])

    init(entries: [Entry]) { self.entries = entries }

    public var count: Int { entries.count }

    public static func load(path: String) throws(Invalid) -> TokenFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(file: path, line: nil, message: "cannot read the tokens file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws(Invalid) -> TokenFile {
        var entries: [Entry] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let scope = TokenScope(rawValue: parts[0].lowercased()) else {
                throw Invalid(file: file, line: index + 1, message: "expected scope:sha256hex with scope read, write or admin")
            }
            guard let digest = Self.bytes(hex: parts[1]), digest.count == SHA256.byteCount else {
                // A pasted token instead of its hash is the likely mistake; the text is not echoed.
                throw Invalid(file: file, line: index + 1, message: "the hash is not 64 hex digits (store the token's SHA-256, not the token)")
            }
            entries.append(Entry(scope: scope, digest: digest))
        }
        return TokenFile(entries: entries)
    }

    /// The scope of a presented token, nil when it matches no line. Every line is compared in
    /// full whatever matches, so the time taken says nothing about the token.
    public func scope(of token: String) -> TokenScope? {
        scope(digest: Self.digest(of: token))
    }

    /// A token's SHA-256: what a dashboard session keeps instead of the token, so a reload that
    /// revokes the token ends the session too.
    static func digest(of token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    /// The scope of the token with this digest, nil when it matches no line (constant time, as `scope(of:)`).
    func scope(digest presented: [UInt8]) -> TokenScope? {
        var found: TokenScope?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(presented, entry.digest) { difference |= a ^ b }
            if difference == 0, found.map({ entry.scope > $0 }) ?? true { found = entry.scope }
        }
        return found
    }

    /// The line that stores `token` in a tokens file.
    public static func line(for token: String, scope: TokenScope) -> String {
        "\(scope.rawValue):" + SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random token (256 bits from the system's secure generator), `jl_` and base64url.
    public static func generateToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "jl_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = Self.nibble(digits[i]), let lo = Self.nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
