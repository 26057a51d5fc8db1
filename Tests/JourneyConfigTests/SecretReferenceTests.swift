import Foundation
import JourneyConfig
import Testing

@Suite("Secret references")
struct SecretReferenceTests {
    /// Parses the `token:` value of a source section as a secret reference.
    private func reference(_ tokenYAML: String) throws -> SecretReference {
        let section = try onlySection("  - name: a\n    type: files\n    token: \(tokenYAML)")
        return try SecretReference.parse(try sectionValue(section, "token"), baseDirectory: section.baseDirectory)
    }

    private func referenceErrors(_ tokenYAML: String) -> [ConfigError] {
        configErrors { _ = try reference(tokenYAML) }
    }

    @Test("{ env: NAME } resolves from the given environment")
    func environment() throws {
        let ref = try reference("{ env: JL_TEST_TOKEN }")
        #expect(ref == .environment("JL_TEST_TOKEN"))
        #expect(ref.description == "{ env: JL_TEST_TOKEN }")
        let secret = try ref.resolve(environment: ["JL_TEST_TOKEN": "s3cr3t-value", "OTHER": "x"])
        #expect(secret.value == "s3cr3t-value")
    }

    @Test("block-style env references parse too")
    func blockStyle() throws {
        let section = try onlySection("  - name: a\n    type: files\n    token:\n      env: API_TOKEN")
        #expect(try SecretReference.parse(try sectionValue(section, "token"), baseDirectory: section.baseDirectory)
            == .environment("API_TOKEN"))
    }

    @Test("a missing or empty variable is an error naming the variable, never a value")
    func missingEnvironment() throws {
        let ref = SecretReference.environment("JL_MISSING_TOKEN")
        for env in [[:], ["JL_MISSING_TOKEN": ""], ["JL_OTHER": "hunter2-other-value"]] {
            do {
                _ = try ref.resolve(environment: env)
                Issue.record("expected an error for \(env.keys.sorted())")
            } catch let error as SecretError {
                let text = "\(error)"
                #expect(text.contains("JL_MISSING_TOKEN"))
                #expect(!text.contains("hunter2"))
                #expect(error.reference == ref)
            }
        }
    }

    @Test("{ file: path } reads the file and trims surrounding whitespace")
    func fileReference() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jl-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("token")
        try "  tok-3n value \n\n".write(to: file, atomically: true, encoding: .utf8)

        let ref = try reference("{ file: \(file.path) }")
        #expect(ref == .file(file.path))
        #expect(try ref.resolve(environment: [:]).value == "tok-3n value")
    }

    @Test("a relative file reference resolves against the config file's folder")
    func relativeFileReference() throws {
        let ref = try reference("{ file: secrets/token }")
        #expect(ref == .file("/srv/journeylake/conf/secrets/token"))
    }

    @Test("an unreadable or empty secret file is an error naming the path")
    func badFiles() throws {
        let missing = SecretReference.file("/nonexistent-\(UUID().uuidString)/token")
        #expect(throws: SecretError.self) { _ = try missing.resolve(environment: [:]) }
        do {
            _ = try missing.resolve(environment: [:])
        } catch let error as SecretError {
            #expect(error.description.contains("/token"))
        }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jl-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty")
        try " \n".write(to: empty, atomically: true, encoding: .utf8)
        #expect(throws: SecretError.self) { _ = try SecretReference.file(empty.path).resolve(environment: [:]) }
    }

    @Test("an inline literal is refused with a hint, and the literal is not echoed")
    func inlineLiteral() throws {
        let yaml = configYAML(sources: "  - name: a\n    type: files\n    token: sk-live-abc123")
        let section = try #require(try JourneyLakeConfig.parse(yaml: yaml, file: configFile).sources.first)
        let errors = configErrors {
            _ = try SecretReference.parse(try sectionValue(section, "token"), baseDirectory: section.baseDirectory)
        }
        let error = try #require(errors.first)
        #expect(error.message.contains("by reference"))
        #expect(error.hint?.contains("{ env: NAME }") == true)
        #expect(error.key == "sources[0].token")
        #expect(error.line == line(of: "token:", in: yaml))
        #expect(!error.description.contains("sk-live-abc123"))
    }

    @Test("malformed references are refused")
    func malformed() {
        #expect(referenceErrors("{ env: A, file: /b }").first?.message.contains("either env or file") == true)
        #expect(referenceErrors("{}").first?.message.contains("needs env or file") == true)
        let typo = referenceErrors("{ evn: A }")
        #expect(typo.first?.hint == "did you mean 'env'?")
        #expect(referenceErrors("{ env: \"\" }").first?.message.contains("must not be empty") == true)
        #expect(referenceErrors("[a, b]").first?.message.contains("by reference") == true)
    }

    @Test("a resolved secret never prints its value")
    func redacted() {
        let secret = Secret("hunter2")
        #expect(secret.description == "<redacted>")
        #expect(secret.debugDescription == "<redacted>")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(!"\([secret])".contains("hunter2"))
        #expect(secret.value == "hunter2")
    }
}
