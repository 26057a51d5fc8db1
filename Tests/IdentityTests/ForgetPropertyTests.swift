import Foundation
import GRDB
import Identity
import JourneyModel
import JourneyStore
import JourneyTesting
import Testing

/// `forget` on messy identity data (same-system duplicates, shared mailboxes, emails typed into the
/// wrong record, changed emails, deleted records, touchpoints for people no record describes), a
/// random person each time: nobody else loses a record, incremental resolution still equals a
/// rebuild, nothing names the person afterwards, and ingesting everything again brings nothing back.
@Suite struct ForgetPropertyTests {
    typealias Data = IdentityResolutionTests

    @Test(arguments: IdentityResolutionTests.seeds) func forgettingAnyoneLeavesEveryoneElseAndStaysForgotten(seed: UInt64) async throws {
        let data = Data.data(seed: seed &* 104_729)
        var g = Data.Generator(state: seed)
        let ws = try await Data().ingestShuffled(data, &g)
        let store = try JourneyStore(path: ws.storePath)
        let persons = try ws.strings("SELECT person_id FROM persons ORDER BY person_id")
        let records = Set(try ws.strings("SELECT record_key FROM source_records"))
        var emails: [String] = []
        var removed = 0
        // Three persons, one after another (a person may have gone with an earlier one's shared data: skipped).
        for _ in 0..<3 {
            let person = persons[g.next(persons.count)]
            guard try ws.count("SELECT count(*) FROM persons WHERE person_id = '\(person)'") == 1 else { continue }
            emails += try ws.strings("SELECT value FROM identifiers WHERE kind = 'email' AND person_id = '\(person)'")
            let mine = try ws.strings("SELECT record_key FROM person_records WHERE person_id = '\(person)'")
            let touches = try ws.strings("SELECT touchpoint_id FROM touchpoints WHERE person_id = '\(person)'")
            let mode: ForgetMode = g.chance(50) ? .delete : .anonymise
            let done = try await IdentityMaintenance(store: store).forget(person, mode: mode)
            #expect(done.persons == 1)
            removed += done.records
            // Its records and touchpoints are gone (the id itself may live on as another person's,
            // when the identifier it derives from was shared with them).
            let leftOfIt = try ws.strings("SELECT record_key FROM source_records").filter(Set(mine).contains)
            #expect(leftOfIt == [], "seed \(seed)")
            let touchesLeft = try ws.strings("SELECT touchpoint_id FROM touchpoints").filter(Set(touches).contains)
            #expect(touchesLeft == [], "seed \(seed)")
        }

        // Nobody else loses a record: the ones that went were the persons'.
        let left = Set(try ws.strings("SELECT record_key FROM source_records"))
        #expect(left.isSubset(of: records))
        #expect(records.subtracting(left).count == removed, "seed \(seed)")

        // What incremental resolution left is what a rebuild makes.
        let afterForget = try Data.ownership(ws)
        let report = try IdentityMaintenance(store: store).rebuild()
        #expect(report.recordsMoved == 0 && report.touchpointsMoved == 0 && report.personsBefore == report.personsAfter, "seed \(seed)")
        let rebuilt = try Data.ownership(ws)
        #expect(rebuilt == afterForget, "seed \(seed): \(Data.difference(rebuilt, afterForget))")

        // An address of the person that no remaining record claims is spelled nowhere but in
        // other records' raw versions that the request listed.
        let stillClaimed = Set(try ws.strings("SELECT value FROM record_identifiers UNION SELECT value FROM identity_aliases"))
        for email in emails where !stillClaimed.contains(email) {
            #expect(try ws.count("SELECT count(*) FROM identifiers WHERE value = '\(email)'") == 0, "seed \(seed) \(email)")
            #expect(try ws.count("SELECT count(*) FROM persons WHERE primary_email = '\(email)'") == 0, "seed \(seed) \(email)")
            #expect(try ws.count("SELECT count(*) FROM deleted_persons WHERE primary_email = '\(email)'") == 0, "seed \(seed) \(email)")
            #expect(try ws.count("SELECT count(*) FROM person_merges WHERE via_value = '\(email)'") == 0, "seed \(seed) \(email)")
            #expect(try ws.count("SELECT count(*) FROM orphan_touchpoints WHERE value = '\(email)'") == 0, "seed \(seed) \(email)")
            #expect(try ws.count("SELECT count(*) FROM released_identifiers WHERE value = '\(email)'") == 0, "seed \(seed) \(email)")
            // Raw versions that still spell it are live records of someone else (a colleague's
            // record naming the person), and the request listed them.
            let spelled = try ws.strings("""
                SELECT DISTINCT r.source || '/' || r.stream || '/' || r.external_id FROM raw_records r
                WHERE instr(lower(r.payload), '\(email)') > 0 AND NOT EXISTS (
                  SELECT 1 FROM source_records s JOIN touchpoints t ON t.touchpoint_id = s.record_key
                  WHERE s.source = r.source AND s.stream = r.stream AND s.external_id = r.external_id AND s.deleted = 0)
                  AND NOT EXISTS (
                  SELECT 1 FROM source_records s JOIN person_records p ON p.record_key = s.record_key
                  WHERE s.source = r.source AND s.stream = r.stream AND s.external_id = r.external_id AND s.deleted = 0)
                """)
            #expect(spelled == [], "seed \(seed) \(email): raw versions of no live record spell it")
        }

        // Everything arrives again, under new file names: nothing of the person comes back.
        for (system, rows) in data {
            let header = system == "t" ? "ID,At,A,Email" : "ID,Email,Other,Updated,Deleted"
            try ws.write("\(system)/again.csv", ([header] + rows).joined(separator: "\n") + "\n")
        }
        _ = try await ws.ingest(Data.sources(["a", "b", "c", "t"]), batchSize: 1 + g.next(25))
        let again = try Data.ownership(ws)
        #expect(again == afterForget, "seed \(seed): \(Data.difference(again, afterForget))")
        #expect(Set(try ws.strings("SELECT record_key FROM source_records")) == left, "seed \(seed)")
    }
}
