import Foundation
import Yams

/// Where a secret comes from: never the config file itself, so the file can be shared and reviewed.
public enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    case environment(String)
    case file(String)

    /// Reads `{ env: NAME }` or `{ file: PATH }`; a literal value is refused with a hint.
    public static func parse(_ node: ConfigNode, baseDirectory: URL) throws -> SecretReference {
        guard node.node.mapping != nil else {
            throw node.error(
                "secrets are given by reference, not inline",
                hint: "write { env: NAME } or { file: /run/credentials/journeylake.service/NAME }")
        }
        let keyed = try node.keyed(allowed: ["env", "file"])
        if let env = keyed["env"] {
            guard keyed["file"] == nil else { throw node.error("give either env or file, not both") }
            return .environment(try env.nonEmptyString())
        }
        if let file = keyed["file"] {
            let path = try file.nonEmptyString()
            return .file(path.hasPrefix("/") ? path : baseDirectory.appendingPathComponent(path).path)
        }
        throw node.error("a secret reference needs env or file")
    }

    /// The secret's value; errors name the reference, never the value.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Secret {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SecretError(reference: self, reason: "environment variable \(name) is not set or empty")
            }
            return Secret(value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SecretError(reference: self, reason: "cannot read \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw SecretError(reference: self, reason: "\(path) is empty") }
            return Secret(value)
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): return "{ env: \(name) }"
        case .file(let path): return "{ file: \(path) }"
        }
    }
}

/// A resolved secret whose printed form is always redacted, so it cannot leak through logs.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

/// A secret reference that could not be resolved.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var reference: SecretReference
    public var reason: String
    public var description: String { "secret \(reference): \(reason)" }
}
