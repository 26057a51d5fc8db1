import Foundation
import GRDB
import JourneyStore
import Testing

/// `identity_generation` moves exactly when an answer of "who holds this identifier, and which
/// account do they have" may have changed: a writer that remembers such answers across batches
/// trusts them only while it has not moved.
@Suite struct IdentityGenerationTests {
    @Test func movesWhenAnIdentifierOrAPersonsAccountChangesAndOnlyThen() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("generation-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try JourneyStore(path: folder.appendingPathComponent("journey.sqlite").path)
        try store.pool.write { db in
            var last = try IdentityGeneration.current(db)
            func step(_ sql: String, moves: Bool, _ comment: Comment) throws {
                try db.execute(sql: sql)
                let now = try IdentityGeneration.current(db)
                #expect((now != last) == moves, comment)
                last = now
            }
            let t = "'2025-01-01T00:00:00.000Z'"
            try step("INSERT INTO accounts (account_id, source, created_at, updated_at) VALUES ('a1', 's', \(t), \(t)), ('a2', 's', \(t), \(t))",
                     moves: false, "accounts are not answers of their own")
            try step("INSERT INTO persons (person_id, created_at, updated_at) VALUES ('p1', \(t), \(t)), ('p2', \(t), \(t))",
                     moves: false, "a new person changes no existing answer")
            try step("INSERT INTO identifiers (kind, value, person_id, source) VALUES ('email', 'a@x.org', 'p1', 's'), ('marketo_lead', '1', 'p1', 's')",
                     moves: false, "a new identifier changes no existing answer")
            try step("INSERT OR IGNORE INTO identifiers (kind, value, person_id, source) VALUES ('email', 'a@x.org', 'p2', 's')",
                     moves: false, "an ignored insert changes nothing")
            try step("UPDATE persons SET lifecycle_stage = 'mql', score = 40, first_name = 'Ann' WHERE person_id = 'p1'",
                     moves: false, "a derive's or a refresh's other columns are not part of the answer")
            try step("UPDATE identifiers SET source = 'other' WHERE kind = 'email'", moves: false, "nor is who told us")
            try step("UPDATE persons SET account_id = 'a1' WHERE person_id = 'p1'", moves: true, "a person's account changed")
            try step("UPDATE persons SET account_id = 'a1' WHERE person_id = 'p1'", moves: false, "set to what it was")
            try step("UPDATE identifiers SET person_id = 'p2' WHERE kind = 'marketo_lead'", moves: true, "an identifier changed hands")
            try step("INSERT OR REPLACE INTO identifiers (kind, value, person_id, source) VALUES ('marketo_lead', '1', 'p1', 's')",
                     moves: true, "a replace deletes the row it replaces")
            try step("DELETE FROM identifiers WHERE kind = 'email'", moves: true, "an identifier went")
            try step("DELETE FROM identifiers WHERE kind = 'email'", moves: false, "nothing went")
            try step("DELETE FROM persons WHERE person_id = 'p2'", moves: true, "a person went")
        }
    }
}
