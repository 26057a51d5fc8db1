import Testing

import JourneyModel

/// The text forms a record carries for the store (its key, version, a touchpoint's time and
/// person list) are made with it and follow every change to what they are made from.
struct RecordTextTests {
    @Test func aKeysTextFollowsEachOfItsParts() {
        var key = RecordKey(system: "marketo", object: "activities", externalId: "1000001")
        #expect(key.description == "marketo:activities:1000001")
        key.externalId = "7:8"
        #expect(key.description == "marketo:activities:7:8")
        key.object = "leads"
        key.system = "hubspot"
        #expect(key.description == "hubspot:leads:7:8")
        #expect(RecordKey(encoded: key.description) == key)
        var read = RecordKey(encoded: "marketo:leads:7:8")
        #expect(read?.description == "marketo:leads:7:8")
        read?.system = "hubspot"
        #expect(read?.description == "hubspot:leads:7:8")
        #expect(RecordKey(encoded: "marketo::7") == nil && RecordKey(encoded: "marketo:leads") == nil)
    }

    @Test func keysAreEqualAndHashAlikeByTheirPartsWhateverWayTheyWereMade() {
        var changed = RecordKey(system: "marketo", object: "leads", externalId: "1")
        changed.externalId = "2"
        let made = RecordKey(system: "marketo", object: "leads", externalId: "2")
        #expect(changed == made)
        #expect(Set([changed, made]).count == 1)
        #expect(made != RecordKey(system: "marketo", object: "lead", externalId: "s2"))
        #expect(made != RecordKey(system: "hubspot", object: "leads", externalId: "2"))
    }

    @Test func aRecordsVersionTextFollowsItsVersion() {
        var record = CanonicalRecord(key: RecordKey(system: "s", object: "o", externalId: "1"))
        #expect(record.versionText == nil)
        record.version = Timestamp(millisecondsSinceEpoch: 1_735_689_610_000)
        #expect(record.versionText == "2025-01-01T00:00:10.000Z")
        #expect(record == CanonicalRecord(key: record.key, version: record.version))
        record.version = nil
        #expect(record.versionText == nil)
    }

    @Test func aTouchpointsTimeAndPersonTextsFollowThem() {
        var tp = TouchpointFacts(
            person: [Identifier(kind: .email, value: "maya@example.com")], occurredAt: Timestamp(millisecondsSinceEpoch: 0),
            channel: .web, action: .webVisit, side: .marketing)
        #expect(tp.occurredText == "1970-01-01T00:00:00.000Z")
        #expect(tp.personText == "email:maya@example.com")
        tp.occurredAt = Timestamp(millisecondsSinceEpoch: 1_735_689_610_123)
        tp.person.append(Identifier(kind: .marketoLead, value: "15212"))
        #expect(tp.occurredText == "2025-01-01T00:00:10.123Z")
        #expect(tp.personText == IdentifierList.encode(tp.person))
        #expect(IdentifierList.decode(tp.personText ?? "") == tp.person)
        tp.person = []
        #expect(tp.personText == nil)
    }
}
