import JourneyModel

/// Splits a connected part of the identity graph into persons: a pure function of its nodes, so
/// the same data gives the same persons whatever order and batches it arrived in, and resolving
/// one component incrementally gives what a full rebuild gives.
///
/// Links are tried in a fixed order — source-declared merges first, then shared identifiers from
/// the most durable kind (Salesforce contact ids) to the least (emails), each value's claimants in
/// key order — and a link is refused when it would put two live records of the same system object
/// into one person (unless the source merged them) or cross a separation an operator made by
/// undoing a merge.
struct IdentityPartition {
    /// Something that claims identifiers: a live source record, a source-declared merge, or an
    /// identifier only touchpoints refer to.
    struct Node: Sendable, Equatable {
        enum Role: Sendable, Equatable {
            /// A live source record of a system object (`salesforce:Lead`), one per person at most.
            case record(object: String?)
            /// Identifiers a source says are one person (a merge survivor and the ids it absorbed).
            case sourceMerge
            /// An identifier no record claims, that touchpoints name a person by.
            case reference
            /// A deleted record: it links nothing, but its identifiers that no live record claims
            /// keep naming the person its other identifiers lead to (or nobody).
            case deleted
        }
        /// Unique and sortable; nodes are tried in key order.
        var key: NodeKey
        var role: Role
        /// The identifiers that may link this node (shared mailboxes already left out).
        var identifiers: [Identifier]
    }

    /// An operator's "these must not be one person" (an undone merge): two sets of node keys.
    struct Separation: Sendable, Equatable {
        var id: Int64
        var sides: (Set<NodeKey>, Set<NodeKey>)
        static func == (a: Self, b: Self) -> Bool { a.id == b.id && a.sides.0 == b.sides.0 && a.sides.1 == b.sides.1 }
    }

    /// A link that was made: `joined` became one person with `into` through `via`.
    struct Link: Sendable, Equatable {
        var via: Identifier
        /// The node whose claim of `via` made the link.
        var node: NodeKey
        var into: [NodeKey]
        var joined: [NodeKey]
        var sourceMerge: Bool
    }

    /// A link refused because both sides hold a live record of one system object.
    struct Conflict: Sendable, Hashable {
        var identifier: Identifier
        var refusedFor: String
        var existingRecord: String
    }

    struct Person: Sendable, Equatable {
        var personId: String
        var nodes: [NodeKey]
        var identifiers: [Identifier]
    }

    struct Result: Sendable {
        var persons: [Person]
        var owner: [Identifier: String]
        var personOfNode: [NodeKey: String]
        var links: [Link]
        var conflicts: [Conflict]
    }

    /// Kinds in the order they anchor a person's id and are tried as links: the most durable
    /// system record first, emails last.
    static func rank(_ kind: IdentifierKind) -> Int {
        switch kind {
        case .salesforceContact: return 0
        case .salesforceLead: return 1
        case .hubspotContact: return 2
        case .marketoLead: return 3
        case .email: return 4
        default: return 5
        }
    }

    static func precedes(_ a: Identifier, _ b: Identifier) -> Bool {
        (rank(a.kind), a.kind.rawValue, a.value) < (rank(b.kind), b.kind.rawValue, b.value)
    }

    /// The identifier a person's id derives from: a pure function of the person's identifiers.
    static func anchor(of ids: some Sequence<Identifier>) -> Identifier? { ids.min(by: precedes) }

    static func personId(anchor: Identifier) -> String { "p_" + ContentHash.hex(anchor.description).prefix(16) }

    /// Whether an identifier is the record's own id (`salesforce:Lead:00Q…` and `salesforce_lead:00Q…`).
    static func isNative(_ id: Identifier, _ node: Node) -> Bool {
        guard case .record = node.role else { return false }
        return RecordKey(encoded: node.key.subject)?.externalId == id.value
    }

    /// The synthetic identifier of a record that has no linking identifier of its own.
    static func recordIdentifier(_ key: String) -> Identifier { Identifier(kind: "record", value: key) }

    /// `previousPerson` gives the person each node belonged to before: a link between nodes that
    /// already shared a person is not news and is not reported again.
    static func resolve(_ input: [Node], separations: [Separation], previousPerson: [NodeKey: String] = [:]) -> Result {
        let nodes = input.sorted { $0.key < $1.key }
        let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.key, $0) })
        var sets = DisjointSets(count: nodes.count)
        // Per set root: live records per system object, and the separation sides it holds.
        var objects: [[String: [NodeKey]]] = nodes.map { node in
            if case .record(let object?) = node.role { return [object: [node.key]] }
            return [:]
        }
        var sides: [Set<Int64>] = Array(repeating: [], count: nodes.count)  // id * 2 + side
        for s in separations {
            for (side, keys) in [(0, s.sides.0), (1, s.sides.1)] {
                for key in keys { if let i = index[key] { sides[i].insert(s.id * 2 + Int64(side)) } }
            }
        }
        var members: [[Int]] = nodes.indices.map { [$0] }
        var before: [Set<String>] = nodes.map { node in previousPerson[node.key].map { [$0] } ?? [] }
        var claimants: [Identifier: [Int]] = [:]
        for (i, node) in nodes.enumerated() where node.role != .deleted {
            for id in Set(node.identifiers) { claimants[id, default: []].append(i) }
        }
        // A record's own id belongs to it first: a lead's id that a Marketo lead keeps as
        // `sfdcLeadId` is the lead's, whichever key sorts first.
        for (id, holders) in claimants where holders.count > 1 {
            claimants[id] = holders.filter { Self.isNative(id, nodes[$0]) } + holders.filter { !Self.isNative(id, nodes[$0]) }
        }
        var links: [Link] = []
        var conflicts: Set<Conflict> = []

        func separated(_ a: Int, _ b: Int) -> Bool {
            sides[a].contains { sides[b].contains($0 ^ 1) }
        }
        func clash(_ a: Int, _ b: Int) -> (String, String)? {
            for object in objects[b].keys.sorted() {
                if let mine = objects[a][object]?.min() { return (mine.encoded, objects[b][object]!.min()!.encoded) }
            }
            return nil
        }
        func union(_ a: Int, _ b: Int, via: Identifier, node: Int, forced: Bool) {
            let ra = sets.find(a), rb = sets.find(b)
            guard ra != rb, !separated(ra, rb) else { return }
            if !forced, let (existing, refused) = clash(ra, rb) {
                let refusedFor = nodes[node].role == .reference ? refused : nodes[node].key.encoded
                conflicts.insert(Conflict(identifier: via, refusedFor: refusedFor, existingRecord: existing))
                return
            }
            if before[ra].isDisjoint(with: before[rb]) {
                links.append(
                    Link(via: via, node: nodes[node].key, into: members[ra].map { nodes[$0].key }, joined: members[rb].map { nodes[$0].key },
                         sourceMerge: forced))
            }
            let root = sets.union(ra, rb)
            let other = root == ra ? rb : ra
            objects[root].merge(objects[other]) { $0 + $1 }
            sides[root].formUnion(sides[other])
            members[root] += members[other]
            members[other] = []
            before[root].formUnion(before[other])
            before[other] = []
        }

        // Source-declared merges first: the source knows these are one person.
        for (i, node) in nodes.enumerated() where node.role == .sourceMerge {
            for id in node.identifiers.sorted(by: precedes) {
                for j in claimants[id] ?? [] where j != i { union(i, j, via: id, node: i, forced: true) }
            }
        }
        for id in claimants.keys.sorted(by: precedes) {
            let holders = claimants[id]!
            guard holders.count > 1 else { continue }
            for j in holders.dropFirst() { union(holders[0], j, via: id, node: j, forced: false) }
        }

        // Each identifier belongs to the person of its first claimant; a person left without any
        // (its only identifier was contested and lost) is named by its first record.
        var owned: [Int: [Identifier]] = [:]
        var owner: [Identifier: Int] = [:]
        for (id, holders) in claimants {
            let root = sets.find(holders[0])
            owned[root, default: []].append(id)
            owner[id] = root
        }
        var persons: [Person] = []
        var personOfRoot: [Int: String] = [:]
        for root in nodes.indices where sets.find(root) == root && nodes[root].role != .deleted {
            let keys = members[root].map { nodes[$0].key }
            var ids = owned[root] ?? []
            if ids.isEmpty { ids = [recordIdentifier(keys.min()!.encoded)] }
            ids.sort(by: precedes)
            let personId = personId(anchor: ids[0])
            personOfRoot[root] = personId
            persons.append(Person(personId: personId, nodes: keys.sorted(), identifiers: ids))
        }
        persons.sort { $0.personId < $1.personId }
        var ownerIds: [Identifier: String] = [:]
        for (id, root) in owner { ownerIds[id] = personOfRoot[root] }
        // A deleted record's identifiers that nobody claims follow the first of its identifiers
        // that someone does; they never name a person's id.
        var adopted: [String: [Identifier]] = [:]
        for node in nodes where node.role == .deleted {
            let ids = node.identifiers.sorted(by: precedes)
            guard let anchor = ids.first(where: { owner[$0] != nil }), let personId = personOfRoot[owner[anchor]!] else { continue }
            for id in ids where ownerIds[id] == nil {
                ownerIds[id] = personId
                adopted[personId, default: []].append(id)
            }
        }
        for i in persons.indices {
            if let extra = adopted[persons[i].personId] { persons[i].identifiers += extra.sorted(by: precedes) }
        }
        for person in persons where person.identifiers.count == 1 && ownerIds[person.identifiers[0]] == nil {
            ownerIds[person.identifiers[0]] = person.personId
        }
        var personOfNode: [NodeKey: String] = [:]
        for (i, node) in nodes.enumerated() { personOfNode[node.key] = personOfRoot[sets.find(i)] }
        return Result(
            persons: persons, owner: ownerIds, personOfNode: personOfNode, links: links,
            conflicts: conflicts.sorted { ($0.identifier.description, $0.refusedFor, $0.existingRecord) < ($1.identifier.description, $1.refusedFor, $1.existingRecord) })
    }
}

/// Union–find with path halving; the smaller index stays root so results never depend on sizes.
struct DisjointSets {
    private var parent: [Int]
    init(count: Int) { parent = Array(0..<count) }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    /// Joins two roots; returns the root that stays.
    mutating func union(_ a: Int, _ b: Int) -> Int {
        let (keep, drop) = a < b ? (a, b) : (b, a)
        parent[drop] = keep
        return keep
    }
}
