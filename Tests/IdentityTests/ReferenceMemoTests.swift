import Foundation
import GRDB
@testable import Identity
import JourneyModel
import JourneyStore
import JourneyTesting
import Testing

/// One pass's batches remember who holds the identifiers they looked up (`IdentityResolution`'s
/// memo). What it remembers must never outlive a change: a person's account moving, an identifier
/// going — whether this pass's own batch changed it or another writer did between two batches.
@Suite struct ReferenceMemoTests {
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_740_000_000_000

    /// A lead's version; with `touch`, it also says the lead filled in a form then.
    static func lead(_ id: String, email: String, version: Int64, touch: Bool = false) -> WriteBatch {
        let at = Timestamp(millisecondsSinceEpoch: start + version * day)
        var record = CanonicalRecord(key: RecordKey(system: "marketo", object: "leads", externalId: id), version: at)
        record.identifiers = [Identifier(kind: .marketoLead, value: id), Identifier(kind: .email, value: email)]
        record.person = PersonFacts(email: email, firstName: "Lead \(id)")
        if touch {
            record.touchpoints = [TouchpointFacts(
                person: [Identifier(kind: .marketoLead, value: id)], occurredAt: at, channel: .form, action: .formSubmitted, side: .marketing)]
        }
        return WriteBatch(source: "leads", fetchedAt: Timestamp(Date()), items: [
            .record(IncomingRecord(stream: "leads", externalId: id, payload: "{\"id\":\(id),\"v\":\(version)}", contentHash: "l\(id)v\(version)",
                                   origin: nil, canonical: record)),
        ])
    }

    /// A Marketo "Delete Lead": the lead's record goes and its id names nobody any more.
    static func deleteLead(_ id: String, activity n: Int) -> WriteBatch {
        var record = CanonicalRecord(key: RecordKey(system: "marketo", object: "activities", externalId: "\(n)"))
        record.tombstones = [Tombstone(
            target: RecordKey(system: "marketo", object: "leads", externalId: id), deletedAt: Timestamp(millisecondsSinceEpoch: start + 9 * day),
            reason: "lead deleted in Marketo", identifiers: [Identifier(kind: .marketoLead, value: id)])]
        return WriteBatch(source: "acts", fetchedAt: Timestamp(Date()), items: [
            .record(IncomingRecord(stream: "activities", externalId: "\(n)", payload: "{\"n\":\(n)}", contentHash: "a\(n)", origin: nil,
                                   canonical: record)),
        ])
    }

    /// Opens of the leads named, one activity each.
    static func opens(_ pairs: [(n: Int, lead: String)]) -> WriteBatch {
        WriteBatch(source: "acts", fetchedAt: Timestamp(Date()), items: pairs.map { n, lead in
            let touch = TouchpointFacts(
                person: [Identifier(kind: .marketoLead, value: lead)], occurredAt: Timestamp(millisecondsSinceEpoch: start + 10 * day + Int64(n)),
                channel: .email, action: .emailOpened, side: .marketing)
            let record = CanonicalRecord(key: RecordKey(system: "marketo", object: "activities", externalId: "\(n)"), touchpoints: [touch])
            return .record(IncomingRecord(stream: "activities", externalId: "\(n)", payload: "{\"n\":\(n)}", contentHash: "a\(n)", origin: nil,
                                          canonical: record))
        })
    }

    /// The touchpoint's person and account, and the person and account its lead has now.
    static func owners(_ store: JourneyStore, activity n: Int, lead: String) throws -> (touch: [String?], lead: [String?]) {
        try owners(store, touchpoint: "marketo:activities:\(n)", lead: lead)
    }

    static func owners(_ store: JourneyStore, touchpoint: String, lead: String) throws -> (touch: [String?], lead: [String?]) {
        try store.pool.read { db in
            let touch = try Row.fetchOne(db, sql: "SELECT person_id, account_id FROM touchpoints WHERE touchpoint_id = ?", arguments: [touchpoint])
            let now = try Row.fetchOne(db, sql: """
                SELECT i.person_id, p.account_id FROM identifiers i JOIN persons p USING (person_id) WHERE i.kind = 'marketo_lead' AND i.value = ?
                """, arguments: [lead])
            return ([touch?[0], touch?[1]], [now?[0], now?[1]])
        }
    }

    @Test func aRememberedPersonOrAccountIsNotUsedOnceItChanged() async throws {
        let ws = try Workspace()
        let store = try JourneyStore(path: ws.storePath)
        let pass = IdentityResolution()  // one pass: its batches remember
        let other = IdentityResolution()  // another writer, as another process would be

        for (id, email) in [("1", "ann@acme.example"), ("2", "bob@globex.example"), ("3", "cy@initech.example")] {
            _ = try await store.write(Self.lead(id, email: email, version: 1), identity: pass)
        }
        // The pass looks up all three leads, and remembers them.
        _ = try await store.write(Self.opens([(1, "1"), (2, "2"), (3, "3")]), identity: pass)
        for (n, lead) in [(1, "1"), (2, "2"), (3, "3")] {
            let o = try Self.owners(store, activity: n, lead: lead)
            #expect(o.touch == o.lead && o.touch[1] != nil, "activity \(n)")
        }

        // Another writer moves lead 2 to another company between two of the pass's batches.
        let before = try Self.owners(store, activity: 2, lead: "2").lead
        _ = try await store.write(Self.lead("2", email: "bob@acme.example", version: 2), identity: other)
        let moved = try Self.owners(store, activity: 2, lead: "2").lead
        #expect(moved[0] == before[0] && moved[1] != before[1], "lead 2 keeps its person and changes account")
        _ = try await store.write(Self.opens([(4, "2"), (5, "1")]), identity: pass)
        #expect(try Self.owners(store, activity: 4, lead: "2").touch == moved, "the pass saw the other writer's change")

        // A batch of the pass that moves lead 2 and has a touch of it: the touch is written after
        // the batch's resolution moved the account, so it must not take the remembered one.
        _ = try await store.write(Self.lead("2", email: "bob@initech.example", version: 3, touch: true), identity: pass)
        let form = try Self.owners(store, touchpoint: "marketo:leads:2", lead: "2")
        #expect(form.touch == form.lead && form.lead[1] != moved[1], "the form's account is lead 2's new one")

        // The pass's own batch moves lead 3; its next batch must not use what it read before.
        _ = try await store.write(Self.opens([(6, "3")]), identity: pass)
        _ = try await store.write(Self.lead("3", email: "cy@globex.example", version: 2), identity: pass)
        _ = try await store.write(Self.opens([(7, "3"), (11, "1")]), identity: pass)
        let three = try Self.owners(store, activity: 7, lead: "3")
        #expect(three.touch == three.lead && three.lead[1] == before[1], "lead 3 is at globex now, and so is its new touch")

        // One batch of the pass deletes lead 1 and has a touch of it: the deletion is resolved
        // before the touch is written, and lead 1's id names nobody by then — not the person the
        // pass remembered (nor the one its lookups before the resolution found).
        let ann = try Self.owners(store, activity: 1, lead: "1").lead[0]
        let deleteAndTouch = WriteBatch(
            source: "acts", fetchedAt: Timestamp(Date()), items: Self.deleteLead("1", activity: 8).items + Self.opens([(9, "1")]).items)
        _ = try await store.write(deleteAndTouch, identity: pass)
        let gone = try Self.owners(store, activity: 9, lead: "1")
        #expect(gone.lead == [nil, nil] && gone.touch[0] == nil, "lead 1's id names nobody; its touch has no person (was \(String(describing: ann)))")
        _ = try await store.write(Self.opens([(10, "2")]), identity: pass)
        let two = try Self.owners(store, activity: 10, lead: "2")
        #expect(two.touch == two.lead && two.lead[1] == form.lead[1])
    }

    @Test func aPassGivesEachTouchTheSameOwnerAsFreshBatchesDo() async throws {
        // Many batches of one pass over persons that keep changing account, against the same
        // batches each written with identity that remembers nothing.
        var results: [[String: [String?]]] = []
        for remembering in [true, false] {
            let ws = try Workspace()
            let store = try JourneyStore(path: ws.storePath)
            let pass = IdentityResolution()
            func identity() -> IdentityResolution { remembering ? pass : IdentityResolution() }
            let companies = ["acme", "globex", "initech"]
            for id in 1...6 { _ = try await store.write(Self.lead("\(id)", email: "l\(id)@\(companies[id % 3]).example", version: 1), identity: identity()) }
            var n = 0
            for round in 1...6 {
                n += 1
                _ = try await store.write(Self.opens((1...6).map { lead in (n * 10 + lead, "\(lead)") }), identity: identity())
                let mover = 1 + round % 6
                _ = try await store.write(
                    Self.lead("\(mover)", email: "l\(mover)@\(companies[(mover + round) % 3]).example", version: Int64(1 + round)), identity: identity())
            }
            results.append(try await store.pool.read { db in
                var out: [String: [String?]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT touchpoint_id, person_id, account_id FROM touchpoints") {
                    out[row[0]] = [row[1], row[2]]
                }
                return out
            })
        }
        #expect(results[0].count == 36 && results[1].count == 36)
        let differing = results[0].keys.filter { results[0][$0] != results[1][$0] }.sorted()
        #expect(differing.isEmpty, "remembering gave other owners to \(differing)")
    }
}
