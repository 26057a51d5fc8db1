import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// Re-resolves the part of the identity graph a change can reach and writes the difference:
/// which person owns each identifier, each record and each touchpoint. Incremental resolution
/// (after a batch, after an unmerge) and a full rebuild run the same code on a smaller or larger
/// part of the graph, which is what makes them agree.
struct IdentityResolver {
    let db: Database
    let rules: IdentityRules
    let now: String
    /// Source name for identifier rows whose claimant is unknown.
    let source: String

    /// What one pass changed: the persons whose attributes must be re-derived.
    struct Outcome {
        var persons: Set<String> = []
        /// Every person the region resolved to.
        var survivors: Set<String> = []
        var removed: Set<String> = []
        /// Persons touchpoints moved to: those without an account take the person's.
        var receivedTouchpoints: Set<String> = []
        var links = 0
        var conflicts = 0
    }

    /// The graph region under resolution and how it looked before.
    struct Region {
        var records: Set<String> = []
        var aliasRecords: Set<String> = []
        var deletedRecords: Set<String> = []
        var deletedIds: [String: [Identifier]] = [:]
        var identifiers: Set<Identifier> = []
        var persons: Set<String> = []
        var recordIds: [String: [Identifier]] = [:]
        var aliases: [String: [Identifier]] = [:]
        var recordPerson: [String: String] = [:]
        /// When each live record says its person was first seen (its created date, else its version).
        var recordFirstSeen: [String: String] = [:]
        var owner: [Identifier: String] = [:]
        /// The source each owned identifier is credited to.
        var ownerSource: [Identifier: String] = [:]
        /// For a rebuild: the identifiers the region's touchpoints name their persons by (an
        /// identifier no record claims stands for a person only while one does).
        var referenced: Set<Identifier>?
    }

    typealias Changes = IdentityChanges

    // MARK: Loading

    private func exists(_ table: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table))") ?? true
    }


    /// Walks from the changed records and persons along shared identifiers and current person
    /// membership until nothing new is reached: every component the change can affect, whole.
    /// With `references` (a rebuild: a table of `person_id, person_ref`, the touchpoints' distinct
    /// pairs) it also reads which identifiers each reached person's touchpoints name, the exact
    /// test for keeping an identifier no record claims.
    ///
    /// The walk goes in waves: everything reached in one wave is looked up together, one query per
    /// table (its keys passed as one JSON array), not one per record, identifier and person (a
    /// dozen small queries per record, before). The region is the closure of the reachability
    /// relation, so the order it is found in changes nothing.
    func region(from changes: Changes, references: String? = nil) throws -> Region {
        var region = Region()
        if references != nil { region.referenced = [] }
        let hasAliases = try exists("identity_aliases")
        let hasReleased = try exists("released_identifiers")
        var recordWave = changes.records, idWave: [Identifier] = [], personWave = Array(changes.persons)
        func visit(_ id: Identifier) { if region.identifiers.insert(id).inserted { idWave.append(id) } }
        func visitPerson(_ p: String) { if region.persons.insert(p).inserted { personWave.append(p) } }
        var seenRecords: Set<String> = []
        while !recordWave.isEmpty || !idWave.isEmpty || !personWave.isEmpty {
            let records = recordWave.subtracting(seenRecords)
            recordWave.removeAll()
            seenRecords.formUnion(records)
            if !records.isEmpty {
                let keys = JSONObjectWriter.array(records)
                try each("""
                    SELECT record_key, person_id, coalesce(created_at, version_at) FROM person_records
                    WHERE record_key IN (SELECT value FROM json_each(?))
                    """, keys) { row in
                    let r: String = row[0], p: String = row[1]
                    region.records.insert(r)
                    region.recordPerson[r] = p
                    region.recordFirstSeen[r] = row[2]
                    region.recordIds[r] = []
                    visitPerson(p)
                }
                try identifiersOf(records: keys, table: "record_identifiers") { r, id in
                    // A record's claims count only while the record is live (has its person row).
                    guard region.recordIds[r] != nil else { return }
                    region.recordIds[r]!.append(id)
                    if rules.links(id) { visit(id) }
                }
                // What a deleted record was known by, and what a source merged into a record.
                if hasReleased {
                    try identifiersOf(records: keys, table: "released_identifiers") { r, id in
                        region.deletedRecords.insert(r)
                        region.deletedIds[r, default: []].append(id)
                        if rules.links(id) { visit(id) }
                    }
                }
                if hasAliases {
                    try identifiersOf(records: keys, table: "identity_aliases") { r, id in
                        region.aliasRecords.insert(r)
                        region.aliases[r, default: []].append(id)
                        visit(id)
                    }
                }
            }
            if !idWave.isEmpty {
                let ids = idWave
                idWave.removeAll()
                let linking = Self.keys(ids.filter(rules.links))
                func recordsNaming(_ table: String) throws {
                    try each("""
                        SELECT t.record_key FROM json_each(?) j CROSS JOIN \(table) t
                        ON t.kind = j.value ->> '$[0]' AND t.value = j.value ->> '$[1]'
                        """, linking) { recordWave.insert($0[0]) }
                }
                if linking != "[]" {
                    try recordsNaming("record_identifiers")
                    if hasAliases { try recordsNaming("identity_aliases") }
                    if hasReleased { try recordsNaming("released_identifiers") }
                }
                try each("""
                    SELECT i.kind, i.value, i.person_id, i.source FROM json_each(?) j CROSS JOIN identifiers i
                    ON i.kind = j.value ->> '$[0]' AND i.value = j.value ->> '$[1]'
                    """, Self.keys(ids)) { row in
                    let id = Identifier(kind: IdentifierKind(rawValue: row[0]), value: row[1])
                    let p: String = row[2]
                    region.owner[id] = p
                    region.ownerSource[id] = row[3]
                    visitPerson(p)
                }
            }
            if !personWave.isEmpty {
                let persons = JSONObjectWriter.array(personWave)
                personWave.removeAll()
                try each("SELECT record_key FROM person_records WHERE person_id IN (SELECT value FROM json_each(?))", persons) {
                    recordWave.insert($0[0])
                }
                try each("SELECT kind, value FROM identifiers WHERE person_id IN (SELECT value FROM json_each(?))", persons) { row in
                    visit(Identifier(kind: IdentifierKind(rawValue: row[0]), value: row[1]))
                }
                if let references {
                    try each("SELECT person_ref FROM \(references) WHERE person_id IN (SELECT value FROM json_each(?))", persons) { row in
                        guard let id = chosenReference(row[0]) else { return }
                        region.referenced?.insert(id)
                        visit(id)
                    }
                }
            }
        }
        return region
    }

    /// Runs a query over one wave's keys (a JSON array), row by row.
    private func each(_ sql: String, _ keys: String, _ body: (Row) throws -> Void) throws {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: [keys])
        while let row = try rows.next() { try body(row) }
    }

    /// The identifiers `table` keeps per record, for a wave of records, in each record's key order
    /// (the order one record's own lookup gives).
    private func identifiersOf(records keys: String, table: String, _ body: (String, Identifier) throws -> Void) throws {
        try each("""
            SELECT record_key, kind, value FROM \(table) WHERE record_key IN (SELECT value FROM json_each(?))
            ORDER BY record_key, kind, value
            """, keys) { row in
            try body(row[0], Identifier(kind: IdentifierKind(rawValue: row[1]), value: row[2]))
        }
    }

    /// A JSON array of `[kind, value]` pairs, for `json_each`.
    static func keys(_ ids: [Identifier]) -> String {
        var out: [UInt8] = [91]
        for id in ids {
            if out.count > 1 { out.append(44) }
            out.append(91)
            JSONObjectWriter.appendString(id.kind.rawValue, to: &out)
            out.append(44)
            JSONObjectWriter.appendString(id.value, to: &out)
            out.append(93)
        }
        out.append(93)
        return String(decoding: out, as: UTF8.self)
    }


    // MARK: Touchpoint references

    /// The identifier a touchpoint belongs by: the first its source gave that is not a shared mailbox.
    func chosenReference(_ encoded: String) -> Identifier? {
        IdentifierList.decode(encoded).first(where: rules.links)
    }

    func isReleased(_ id: Identifier) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM released_identifiers WHERE kind = ? AND value = ?)"),
            arguments: [id.kind.rawValue, id.value]) ?? false
    }

    // MARK: Resolving

    /// Resolves a region and writes what changed. `references` are the identifiers touchpoints
    /// about to be written name their persons by (they keep those persons alive).
    func resolve(_ region: Region, changes: Changes, references: Set<Identifier> = []) throws -> Outcome {
        var nodes: [IdentityPartition.Node] = []
        var claimed: Set<Identifier> = []
        var previous: [NodeKey: String] = [:]
        for key in region.records {
            let ids = region.recordIds[key] ?? []
            claimed.formUnion(ids)
            let links = ids.filter(rules.links)
            nodes.append(.init(key: .record(key), role: .record(object: RecordKey(encoded: key)?.objectName),
                               identifiers: links.isEmpty ? [IdentityPartition.recordIdentifier(key)] : links))
            if !changes.newRecords.contains(key) { previous[.record(key)] = changes.previousPerson[key] ?? region.recordPerson[key] }
        }
        for key in region.aliasRecords {
            let ids = region.aliases[key] ?? []
            claimed.formUnion(ids)
            nodes.append(.init(key: .merge(key), role: .sourceMerge, identifiers: ids))
            if !changes.newAliases.contains(key), let p = ids.lazy.compactMap({ region.owner[$0] }).first { previous[.merge(key)] = p }
        }
        var ofDeleted: Set<Identifier> = []
        for key in region.deletedRecords where !region.records.contains(key) {
            let ids = (region.deletedIds[key] ?? []).filter(rules.links)
            ofDeleted.formUnion(ids)
            nodes.append(.init(key: .deleted(key), role: .deleted, identifiers: ids))
        }
        // Identifiers nobody claims (live or deleted) are persons of their own while touchpoints name them.
        for id in region.identifiers where !claimed.contains(id) && !ofDeleted.contains(id) && id.kind.rawValue != "record" && rules.links(id) {
            if let referenced = region.referenced {
                guard referenced.contains(id) else { continue }
            } else {
                // Only its current person's touchpoints, or the batch's own, can name it.
                guard let p = region.owner[id] else { continue }
                if !references.contains(id) {
                    try PersonIndex.ensure(db)
                    guard try Bool.fetchOne(
                        db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM touchpoints WHERE person_id = ?)"), arguments: [p]) == true
                    else { continue }
                }
            }
            nodes.append(.init(key: .reference(id), role: .reference, identifiers: [id]))
            if let p = region.owner[id] { previous[.reference(id)] = p }
        }
        let separations = try loadSeparations(nodes.map(\.key))
        let result = IdentityPartition.resolve(nodes, separations: separations, previousPerson: previous)
        // Identifiers only deleted records claim, that no live person adopted, name nobody.
        let released = ofDeleted.filter { result.owner[$0] == nil }
        return try write(result, region: region, nodes: nodes, previous: previous, released: released, changes: changes)
    }

    private func loadSeparations(_ keys: [NodeKey]) throws -> [IdentityPartition.Separation] {
        guard try exists("identity_separations") else { return [] }
        let ids = try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT DISTINCT separation_id FROM identity_separations WHERE node IN (SELECT value FROM json_each(?)) ORDER BY 1"),
            arguments: [JSONObjectWriter.array(keys.map(\.encoded))])
        return try ids.map { id in
            var sides: (Set<NodeKey>, Set<NodeKey>) = ([], [])
            for row in try Row.fetchAll(db, sql: "SELECT side, node FROM identity_separations WHERE separation_id = ?", arguments: [id]) {
                let node = NodeKey(encoded: row[1])
                if (row[0] as Int) == 0 { sides.0.insert(node) } else { sides.1.insert(node) }
            }
            return IdentityPartition.Separation(id: id, sides: sides)
        }
    }

    // MARK: Writing the difference

    private func write(
        _ result: IdentityPartition.Result, region: Region, nodes: [IdentityPartition.Node], previous: [NodeKey: String],
        released: Set<Identifier>, changes: Changes
    ) throws -> Outcome {
        var outcome = Outcome()
        let newIds = Set(result.persons.map(\.personId))
        outcome.survivors = newIds
        var oldIdentifiers: [String: Set<Identifier>] = [:]
        for (id, p) in region.owner { oldIdentifiers[p, default: []].insert(id) }
        var created: [String: String] = [:]
        try each("SELECT person_id, created_at FROM persons WHERE person_id IN (SELECT value FROM json_each(?))", JSONObjectWriter.array(region.persons)) {
            created[$0[0]] = $0[1]
        }
        // 1. Every resulting person exists, first seen as early as any person it continues.
        var changed: Set<String> = []
        for person in result.persons {
            let continues = Set(person.nodes.compactMap { previous[$0] } + person.identifiers.compactMap { region.owner[$0] })
            var first = continues.compactMap { created[$0] }.min()
            if first == nil {
                for node in person.nodes where node.kind == .record && region.records.contains(node.subject) {
                    if let seen = region.recordFirstSeen[node.subject], seen < (first ?? seen + "~") { first = seen }
                }
                first = first ?? now
            }
            if created[person.personId] == nil {
                try run("INSERT OR IGNORE INTO persons (person_id, created_at, updated_at) VALUES (?, ?, ?)",
                               arguments: [person.personId, first!, first!])
                try run("DELETE FROM deleted_persons WHERE person_id = ?", arguments: [person.personId])
            } else if let first, first < created[person.personId]! {
                try run("UPDATE persons SET created_at = ? WHERE person_id = ?", arguments: [first, person.personId])
            }
            if oldIdentifiers[person.personId] != Set(person.identifiers) || continues != [person.personId] { changed.insert(person.personId) }
        }
        // Persons whose records changed (moved, new or updated in this batch) re-derive their attributes.
        for key in region.records {
            guard let current = result.personOfNode[.record(key)] else { continue }
            if region.recordPerson[key] != current || changes.records.contains(key) {
                changed.insert(current)
                if let before = region.recordPerson[key], newIds.contains(before) { changed.insert(before) }
            }
        }
        // 2. Identifiers: owner as resolved; those nobody may hold any more are dropped.
        var claimantOf: [Identifier: String] = [:]
        for node in nodes.sorted(by: { $0.key < $1.key }) where node.role != .reference {
            for id in node.identifiers where claimantOf[id] == nil { claimantOf[id] = node.key.recordKey }
        }
        // An identifier is credited to the source of its first claimant (by key), not to whichever
        // source happened to bring it first.
        var sourceOfRecord: [String: String] = [:]
        try each(
            "SELECT record_key, source FROM source_records WHERE record_key IN (SELECT value FROM json_each(?))",
            JSONObjectWriter.array(Set(result.owner.keys.compactMap { claimantOf[$0] }))
        ) { sourceOfRecord[$0[0]] = $0[1] }
        for (id, personId) in result.owner {
            let credited = claimantOf[id].flatMap { sourceOfRecord[$0] }
            guard region.owner[id] != personId || (credited != nil && credited != region.ownerSource[id]) else { continue }
            try db.cachedStatement(
                sql: """
                    INSERT INTO identifiers (kind, value, person_id, source) VALUES (?, ?, ?, ?)
                    ON CONFLICT (kind, value) DO UPDATE SET person_id = excluded.person_id, source = excluded.source
                    """
            ).execute(arguments: [id.kind.rawValue, id.value, personId, credited ?? region.ownerSource[id] ?? source])
        }
        for id in region.owner.keys where result.owner[id] == nil {
            try db.cachedStatement(sql: "DELETE FROM identifiers WHERE kind = ? AND value = ?").execute(arguments: [id.kind.rawValue, id.value])
        }
        // 3. Records.
        for key in region.records where region.recordPerson[key] != result.personOfNode[.record(key)] {
            try db.cachedStatement(sql: "UPDATE person_records SET person_id = ? WHERE record_key = ?")
                .execute(arguments: [result.personOfNode[.record(key)], key])
        }
        // 4. Touchpoints of every person whose identifiers changed follow their reference.
        let oldPersons = region.persons
        let following = oldPersons.filter { !newIds.contains($0) || changed.contains($0) }
        // Touchpoints move by reference, in bulk: a person's touchpoints name it by a few identifiers.
        var refsOf: [String: [String]] = [:]
        if !following.isEmpty { try PersonIndex.ensure(db) }
        try each("""
            SELECT DISTINCT person_id, coalesce(person_ref, '') FROM touchpoints WHERE person_id IN (SELECT value FROM json_each(?))
            """, JSONObjectWriter.array(following)) { refsOf[$0[0], default: []].append($0[1]) }
        for p in following.sorted() {
            guard let refs = refsOf[p] else { continue }
            // An account taken from the old person is re-derived from the new one.
            let oldAccount = try String.fetchOne(db.cachedStatement(sql: "SELECT account_id FROM persons WHERE person_id = ?"), arguments: [p])
            for encoded in refs {
                let ref = chosenReference(encoded)
                let target: String? = try ref.flatMap { ref in
                    if let owner = result.owner[ref] { return owner }
                    if released.contains(ref) { return nil }
                    return try String.fetchOne(db.cachedStatement(sql: "SELECT person_id FROM identifiers WHERE kind = ? AND value = ?"),
                                               arguments: [ref.kind.rawValue, ref.value])
                }
                guard target != p else { continue }
                if target == nil, let ref {
                    // Its person is gone: it leaves the live tables until a live record claims its identifier again.
                    try ParkedTouchpoints.park(db, person: p, personRef: encoded, under: ref, personAccount: oldAccount)
                    continue
                }
                try run(
                    """
                    UPDATE touchpoints SET person_id = ?, account_id = CASE WHEN account_id IS ? THEN NULL ELSE account_id END
                    WHERE person_id = ? AND coalesce(person_ref, '') = ?
                    """, arguments: [target, oldAccount, p, encoded])
                if let target { outcome.receivedTouchpoints.insert(target) }
            }
        }
        // Orphaned touchpoints whose identifier someone holds again go back to a person.
        if try exists("orphan_touchpoints") {
            for (id, personId) in result.owner where try ParkedTouchpoints.claim(db, id, for: personId) > 0 {
                outcome.receivedTouchpoints.insert(personId)
            }
        }
        // 5. Persons that did not survive: merged into another, split, or left with no live record.
        var liveRecords: Set<String> = []
        for key in region.records { liveRecords.insert(key) }
        var hadRecords: [String: Set<NodeKey>] = [:]
        for (key, p) in previous where key.kind != .reference { hadRecords[p, default: []].insert(key) }
        for (key, p) in changes.previousPerson { hadRecords[p, default: []].insert(.record(key)) }
        for p in oldPersons.sorted() where !newIds.contains(p) {
            let records = hadRecords[p] ?? []
            func alive(_ node: NodeKey) -> Bool {
                switch node.kind {
                case .merge: return region.aliasRecords.contains(node.subject)
                case .record: return liveRecords.contains(node.subject) || region.aliasRecords.contains(node.subject)
                case .deleted, .reference: return false
                }
            }
            // A person only touchpoints named (its record never arrived) whose id a delete released is deleted too.
            let onlyReleased = (oldIdentifiers[p] ?? []).allSatisfy(released.contains)
            if (!records.isEmpty && !records.contains(where: alive)) || (records.isEmpty && onlyReleased && oldIdentifiers[p] != nil) {
                try run(
                    """
                        INSERT OR REPLACE INTO deleted_persons (person_id, primary_email, deleted_at, reason)
                        SELECT person_id, primary_email, ?, 'no live record left' FROM persons WHERE person_id = ?
                        """,
                    arguments: [now, p])
            }
            // What was derived for it goes with it when the derivers see it in `removedPersons`.
            try run("DELETE FROM persons WHERE person_id = ?", arguments: [p])
            outcome.removed.insert(p)
        }
        // 6. Conflicts as they stand now for these records.
        let recordKeys = JSONObjectWriter.array(region.records)
        let current = Set(result.conflicts.map { [$0.identifier.kind.rawValue, $0.identifier.value, $0.refusedFor, $0.existingRecord] })
        for row in try Row.fetchAll(
            db, sql: """
                SELECT kind, value, record_key, existing_record FROM identity_conflicts
                WHERE record_key IN (SELECT value FROM json_each(?1)) OR existing_record IN (SELECT value FROM json_each(?1))
                """, arguments: [recordKeys])
        {
            let k: [String] = [row[0], row[1], row[2], row[3]]
            if !current.contains(k) {
                try run("DELETE FROM identity_conflicts WHERE kind = ? AND value = ? AND record_key = ? AND existing_record = ?",
                               arguments: StatementArguments(k))
            }
        }
        for c in result.conflicts {
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO identity_conflicts (kind, value, record_key, existing_record, detected_at) VALUES (?, ?, ?, ?, ?)"
            ).execute(arguments: [c.identifier.kind.rawValue, c.identifier.value, c.refusedFor, c.existingRecord, now])
        }
        outcome.conflicts = result.conflicts.count
        // 7. The merge log: every link made for the first time, with both sides, so it can be undone.
        let idsOfNode = Dictionary(uniqueKeysWithValues: nodes.map { ($0.key, $0.identifiers) })
        for link in result.links {
            // The joined side's person before, or the one it would have been on its own.
            let alone = link.joined.flatMap { idsOfNode[$0] ?? [] }.filter { $0 != link.via }
            let joinedPerson = link.joined.lazy.compactMap { previous[$0] }.first
                ?? IdentityPartition.personId(anchor: IdentityPartition.anchor(of: alone) ?? link.via)
            try run(
                """
                    INSERT INTO person_merges (merged_person, into_person, via_kind, via_value, record_key, merged_at, reason, kept_nodes, merged_nodes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    joinedPerson, result.personOfNode[link.node], link.via.kind.rawValue, link.via.value,
                    link.node.kind == .merge ? link.node.subject : link.node.encoded, now,
                    link.sourceMerge ? "merged in the source" : "shared identifier", Self.json(link.into.map(\.encoded)),
                    Self.json(link.joined.map(\.encoded)),
                ])
        }
        outcome.links = result.links.count
        outcome.persons.formUnion(changed)
        outcome.persons.formUnion(outcome.receivedTouchpoints)
        for p in newIds where changes.persons.contains(p) { outcome.persons.insert(p) }
        return outcome
    }

    /// Runs a statement through the statement cache: these run once per person or link.
    private func run(_ sql: String, arguments: StatementArguments = []) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// A sorted JSON array of strings (node keys: record keys, `merge:…`, `ref:kind:value`).
    static func json(_ strings: [String]) -> String { JSONObjectWriter.array(strings.sorted()) }
}
