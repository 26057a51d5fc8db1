import JourneyModel
import Testing

@testable import Identity

/// Node keys written as they are stored (`merge:…`, `deleted:…`), for readable tests.
extension NodeKey: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(encoded: value) }
}

/// The partition rules on their own: guards, source merges, separations, deleted records.
@Suite struct IdentityPartitionTests {
    typealias Node = IdentityPartition.Node
    static let email = Identifier(kind: .email, value: "maya@brightwave.io")

    static func record(_ key: String, _ ids: [Identifier]) -> Node {
        Node(key: .record(key), role: .record(object: RecordKey(encoded: key)?.objectName), identifiers: ids)
    }

    static func lead(_ id: String, _ more: [Identifier] = []) -> Node {
        record("salesforce:Lead:\(id)", [Identifier(kind: .salesforceLead, value: id)] + more)
    }

    func groups(_ result: IdentityPartition.Result) -> Set<Set<String>> {
        Set(result.persons.map { Set($0.nodes.map(\.encoded)) })
    }

    @Test func twoRecordsOfOneObjectAreNeverJoinedButARecordOfAnotherSystemJoinsTheFirst() {
        let hubspot = Self.record("hubspot:contacts:501", [Identifier(kind: .hubspotContact, value: "501"), Self.email])
        let result = IdentityPartition.resolve([Self.lead("B", [Self.email]), Self.lead("A", [Self.email]), hubspot], separations: [])
        #expect(groups(result) == [["salesforce:Lead:A", "hubspot:contacts:501"], ["salesforce:Lead:B"]])
        #expect(result.conflicts.map(\.refusedFor) == ["salesforce:Lead:B"])
        #expect(result.owner[Self.email] == result.personOfNode["salesforce:Lead:A"])
    }

    @Test func aSourceMergeJoinsRecordsOfOneObject() {
        let merge = Node(key: "merge:salesforce:Lead:B", role: .sourceMerge,
                         identifiers: [Identifier(kind: .salesforceLead, value: "A"), Identifier(kind: .salesforceLead, value: "B")])
        let result = IdentityPartition.resolve([Self.lead("A"), Self.lead("B"), merge], separations: [])
        #expect(groups(result) == [["salesforce:Lead:A", "salesforce:Lead:B", "merge:salesforce:Lead:B"]])
        #expect(result.conflicts.isEmpty)
        #expect(result.links.allSatisfy { $0.sourceMerge })
    }

    @Test func aSeparationKeepsTwoSidesApartThroughEveryIdentifier() {
        let phone = Identifier(kind: "phone", value: "+4915100000")
        let a = Self.record("a:people:1", [Self.email, phone]), b = Self.record("b:people:2", [Self.email, phone])
        let apart = IdentityPartition.Separation(id: 1, sides: (["a:people:1"], ["b:people:2"]))
        #expect(groups(IdentityPartition.resolve([a, b], separations: [])).count == 1)
        let result = IdentityPartition.resolve([a, b], separations: [apart])
        #expect(groups(result).count == 2)
        #expect(result.conflicts.isEmpty)  // a separation is intended, not a conflict
    }

    @Test func aDeletedRecordsUnclaimedIdsFollowItsOtherIdsOrNameNobody() {
        let marketo = Identifier(kind: .marketoLead, value: "3010")
        let live = Self.lead("A", [Self.email])
        let deleted = Node(key: "deleted:marketo:leads:3010", role: .deleted, identifiers: [marketo, Self.email])
        let result = IdentityPartition.resolve([live, deleted], separations: [])
        #expect(result.owner[marketo] == result.personOfNode["salesforce:Lead:A"])
        #expect(result.persons.count == 1)
        // It never names the person's id: the anchor stays the live lead's.
        #expect(result.persons[0].personId == IdentityPartition.personId(anchor: Identifier(kind: .salesforceLead, value: "A")))
        let alone = IdentityPartition.resolve([deleted], separations: [])
        #expect(alone.persons.isEmpty && alone.owner.isEmpty)
    }

    @Test func theResultDoesNotDependOnTheInputOrder() {
        let nodes = [
            Self.lead("A", [Self.email]), Self.lead("B", [Self.email]),
            Self.record("hubspot:contacts:1", [Identifier(kind: .salesforceLead, value: "B"), Self.email]),
            Self.record("marketo:leads:7", [Identifier(kind: .salesforceLead, value: "A")]),
        ]
        let reference = IdentityPartition.resolve(nodes, separations: [])
        for permutation in [[3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]] {
            let result = IdentityPartition.resolve(permutation.map { nodes[$0] }, separations: [])
            #expect(result.persons == reference.persons)
            #expect(result.conflicts == reference.conflicts)
        }
        // The contested email goes with lead A (first by key); B keeps its own id and its HubSpot contact.
        #expect(groups(reference) == [["salesforce:Lead:A", "marketo:leads:7"], ["salesforce:Lead:B", "hubspot:contacts:1"]])
    }
}
