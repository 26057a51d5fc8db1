import Foundation
import GRDB
@testable import JourneyStore
import JourneyModel
import Testing

/// The forgotten persons' list: salted hashes only, and the addresses a quarantined row spells.
@Suite struct SuppressionListTests {
    @Test func findsTheAddressesARowSpellsWhateverSurroundsThem() {
        let text = #"{"Email":"Maya.Chen@Brightwave.io","cc":"<pat@x.io>; 'ann.lee@otherco.io',bob+news@mail.example.com"}"#
        #expect(SuppressionList.emailCandidates(in: text)
            == ["Maya.Chen@Brightwave.io", "pat@x.io", "ann.lee@otherco.io", "bob+news@mail.example.com"])
        #expect(SuppressionList.emailCandidates(in: "3004,MAYA.CHEN@brightwave.io,Maya,not-a-time") == ["MAYA.CHEN@brightwave.io"])
        #expect(SuppressionList.emailCandidates(in: "no address @ here, nor @, nor a@") == [])
    }

    @Test func storesSaltedHashesAndMatchesAnyCasingOfAForgottenAddress() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("suppression-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try JourneyStore(path: folder.appendingPathComponent("journey.sqlite").path)
        let other = try JourneyStore(path: folder.appendingPathComponent("other.sqlite").path)
        let maya = Identifier(kind: .email, value: "maya.chen@brightwave.io")
        try store.pool.write { db in
            #expect(try SuppressionList.load(db) == nil)
            let list = try SuppressionList.forWriting(db)
            try db.execute(sql: "INSERT INTO forget_log (forgotten_at, mode, persons, identifiers, records, raw_versions, touchpoints_removed, touchpoints_anonymised, derived_rows, quarantine_rows, identity_log_rows) VALUES ('2026-01-01T00:00:00.000Z', 'delete', 1, 1, 0, 0, 0, 0, 0, 0, 0)")
            try db.execute(sql: "INSERT INTO suppressed_identifiers (hash, kind, forget_id) VALUES (?, 'email', 1)", arguments: [list.hash(maya)])
            let loaded = try #require(try SuppressionList.load(db))
            #expect(try loaded.contains(maya))
            #expect(try loaded.request(forgetting: maya) == 1)
            #expect(try !loaded.contains(Identifier(kind: .email, value: "mark.chen@brightwave.io")))
            #expect(try loaded.mentionsSuppressedEmail("3004,MAYA.CHEN@Brightwave.IO,bad-row"))
            #expect(try !loaded.mentionsSuppressedEmail("3005,ann.lee@otherco.io"))
            // Only the hash is stored, and another store salts the same address differently.
            #expect(try String.fetchAll(db, sql: "SELECT hash FROM suppressed_identifiers").allSatisfy { !$0.contains("maya") && $0.count == 64 })
        }
        let elsewhere = try other.pool.write { try SuppressionList.forWriting($0).hash(maya) }
        #expect(try store.pool.read { try SuppressionList.forWriting($0).hash(maya) } != elsewhere)
    }

    /// A batch holds a short list as a set, and a long one only in SQLite; either way it finds what
    /// is stored, and what a refused record reveals counts for the batch's later records at once.
    @Test func findsEntriesWhetherTheListIsHeldOrLookedUpAndLearnsWithinABatch() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("suppression-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try JourneyStore(path: folder.appendingPathComponent("journey.sqlite").path)
        let maya = Identifier(kind: .email, value: "maya.chen@brightwave.io")
        let lead = Identifier(kind: .marketoLead, value: "3004")
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO forget_log (forgotten_at, mode, persons, identifiers, records, raw_versions, touchpoints_removed, touchpoints_anonymised, derived_rows, quarantine_rows, identity_log_rows) VALUES ('2026-01-01T00:00:00.000Z', 'delete', 1, 1, 0, 0, 0, 0, 0, 0, 0)")
            try db.execute(sql: "INSERT INTO suppressed_identifiers (hash, kind, forget_id) VALUES (?, 'email', 1)",
                           arguments: [try SuppressionList.forWriting(db).hash(maya)])
            let held = try #require(try SuppressionList.load(db))
            #expect(try held.contains(maya) && !held.contains(lead))
            try held.reveal([lead], recordKey: "marketo:leads:3004", request: 1, db: db)
            #expect(try held.contains(lead) && held.contains(recordKey: "marketo:leads:3004"))

            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i <= \(SuppressionList.heldInMemory))
                INSERT INTO suppressed_identifiers (hash, kind, forget_id) SELECT printf('%064d', i), 'email', 1 FROM n
                """)
            let long = try #require(try SuppressionList.load(db))
            #expect(try long.contains(maya) && long.contains(lead) && !long.contains(Identifier(kind: .email, value: "ann@otherco.io")))
        }
    }

    /// The stored form is SHA-256 of the salt, a NUL and `kind:value`, in lower-case hex — checked
    /// against coreutils' `sha256sum`, so the fast path stays the documented definition.
    @Test func theHashIsSHA256OfTheSaltANulAndTheIdentifier() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("suppression-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try JourneyStore(path: folder.appendingPathComponent("journey.sqlite").path)
        for id in [Identifier(kind: .email, value: "maya.chen@brightwave.io"), Identifier(kind: .marketoLead, value: "3004"),
                   Identifier(kind: .email, value: "zoë@exämple.org")] {
            let (salt, hash) = try store.pool.read { db in
                let list = try SuppressionList.forWriting(db)
                return (list.salt, list.hash(id))
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["sha256sum"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Foundation.Data((salt + "\u{0}" + id.description).utf8))
            try input.fileHandleForWriting.close()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(hash == String(printed.prefix(64)), "\(id)")
        }
    }
}
