import Foundation
import GRDB
import JourneyModel

/// Exact-match identity linking inside a batch: records that share a normalized identifier are one
/// person. The full resolver (guardrails, merge log with undo, survivorship rules) builds on the
/// same tables: `record_identifiers` is its input, `identifiers` and `persons` its output.
extension BatchWriter {
    /// The person a record *is*: found through any of its identifiers, merging persons it joins.
    mutating func resolvePerson(_ ids: [Identifier], recordKey: String, firstSeen: String, sourceSaysMerged: Bool = false) throws -> String {
        // A shared mailbox is an attribute, never a link between two records.
        let linking = ids.filter { $0.kind != .email || !rules.isShared($0.value) }
        var ids = linking.isEmpty ? [Identifier(kind: "record", value: recordKey)] : linking
        // A person holds at most one live record per system object: a link that would join two
        // distinct Salesforce leads (or HubSpot contacts, …) is refused and recorded as a conflict.
        var found: [String] = []
        var objectsInGroup = Set([Self.objectPrefix(recordKey)].compactMap { $0 })
        var refused: Set<Identifier> = []
        for id in ids {
            guard let p = try lookupPerson(id), !found.contains(p) else { continue }
            let records = try liveRecords(of: p).filter { $0 != recordKey }
            if !sourceSaysMerged, let clash = records.first(where: { Self.objectPrefix($0).map(objectsInGroup.contains) ?? false }) {
                try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO identity_conflicts (kind, value, record_key, existing_record, detected_at) VALUES (?, ?, ?, ?, ?)"
                ).execute(arguments: [id.kind.rawValue, id.value, recordKey, clash, now])
                refused.insert(id)
                continue
            }
            found.append(p)
            objectsInGroup.formUnion(records.compactMap(Self.objectPrefix))
        }
        ids.removeAll { refused.contains($0) }
        if ids.isEmpty { ids = [Identifier(kind: "record", value: recordKey)] }
        let personId: String
        if found.isEmpty {
            personId = try createPerson(for: ids, firstSeen: firstSeen)
        } else {
            personId = found.min()!
            for other in found where other != personId {
                guard let via = try ids.first(where: { try lookupPerson($0) == other }) else { continue }
                try merge(other, into: personId, via: via, recordKey: recordKey)
            }
        }
        try link(ids.filter { personCache[$0] == nil }, to: personId)
        return personId
    }

    /// `system:object` of a record key (`salesforce:Lead:00Q…` → `salesforce:Lead`).
    static func objectPrefix(_ recordKey: String) -> String? {
        let parts = recordKey.split(separator: ":", maxSplits: 2)
        return parts.count == 3 ? "\(parts[0]):\(parts[1])" : nil
    }

    /// The live records that describe a person (the records its attributes come from).
    private func liveRecords(of personId: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT record_key FROM person_records WHERE person_id = ?"), arguments: [personId])
    }

    private mutating func link(_ ids: [Identifier], to personId: String) throws {
        for id in ids {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO identifiers (kind, value, person_id, source) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id.kind.rawValue, id.value, personId, source])
            personCache[id] = personId
        }
    }

    /// The person a touchpoint refers to; a reference to someone not seen yet creates them, and the
    /// record that introduces them later links to the same person through the shared identifier.
    mutating func personFor(reference ids: [Identifier], firstSeen: String) throws -> String {
        for id in ids {
            if let p = try lookupPerson(id) { return p }
        }
        let personId = try createPerson(for: ids, firstSeen: firstSeen)
        touchedPersons.insert(personId)
        try link(ids, to: personId)
        return personId
    }

    mutating func lookupPerson(_ id: Identifier) throws -> String? {
        if let cached = personCache[id] { return cached }
        let p = try owner(of: id, in: "identifiers", column: "person_id")
        if let p { personCache[id] = p }
        return p
    }

    /// A person's id derives from its anchor identifier (see `anchor(of:)`), so the same data gives
    /// the same ids whatever order and batches it arrives in.
    private func createPerson(for ids: [Identifier], firstSeen: String) throws -> String {
        let personId = Self.personId(anchor: Self.anchor(of: ids)!)
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO persons (person_id, created_at, updated_at) VALUES (?, ?, ?)")
            .execute(arguments: [personId, firstSeen, firstSeen])
        try db.cachedStatement(sql: "DELETE FROM deleted_persons WHERE person_id = ?").execute(arguments: [personId])
        return personId
    }

    private mutating func merge(_ other: String, into survivor: String, via: Identifier, recordKey: String) throws {
        for table in ["identifiers", "person_records", "touchpoints", "stage_history", "next_actions"] {
            try db.execute(sql: "UPDATE \(table) SET person_id = ? WHERE person_id = ?", arguments: [survivor, other])
        }
        try db.execute(
            sql: """
                UPDATE persons SET created_at = min(created_at, (SELECT created_at FROM persons WHERE person_id = ?))
                WHERE person_id = ?
                """,
            arguments: [other, survivor])
        try db.execute(
            sql: "INSERT INTO person_merges (merged_person, into_person, via_kind, via_value, record_key, merged_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [other, survivor, via.kind.rawValue, via.value, recordKey, now])
        try db.execute(sql: "DELETE FROM persons WHERE person_id = ?", arguments: [other])
        for (k, v) in personCache where v == other { personCache[k] = survivor }
        personAccountCache[other] = nil
        touchedPersons.remove(other)
        touchedPersons.insert(survivor)
    }

    mutating func currentAccount(of personId: String) throws -> String? {
        if let cached = personAccountCache[personId] { return cached }
        let a = try String.fetchOne(
            db.cachedStatement(sql: "SELECT account_id FROM persons WHERE person_id = ?"), arguments: [personId])
        personAccountCache[personId] = .some(a)
        return a
    }

    // MARK: Accounts

    /// The account an identifier names; an account referenced before its own record arrives is
    /// created empty and filled in when it does.
    mutating func resolveAccount(_ ref: Identifier, firstSeen: String) throws -> String {
        if let a = try lookupAccount(ref) { return a }
        let accountId = "a_" + ContentHash.hex(ref.description).prefix(16)
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO accounts (account_id, domain, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [accountId, ref.kind == .domain ? ref.value : nil, source, firstSeen, firstSeen])
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO account_identifiers (kind, value, account_id, source) VALUES (?, ?, ?, ?)")
            .execute(arguments: [ref.kind.rawValue, ref.value, accountId, source])
        accountCache[ref] = accountId
        return accountId
    }

    mutating func lookupAccount(_ id: Identifier) throws -> String? {
        if let cached = accountCache[id] { return cached }
        let a = try owner(of: id, in: "account_identifiers", column: "account_id")
        if let a { accountCache[id] = a }
        return a
    }

    /// Who holds an identifier in `identifiers` or `account_identifiers`.
    private func owner(of id: Identifier, in table: String, column: String) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT \(column) FROM \(table) WHERE kind = ? AND value = ?"),
            arguments: [id.kind.rawValue, id.value])
    }

    mutating func upsertAccount(_ facts: AccountFacts, version: String?) throws -> String? {
        var ids = facts.identifiers
        if let d = facts.domain.flatMap({ Identifier.normalized(kind: .domain, raw: $0) }), !ids.contains(d) { ids.append(d) }
        guard let first = ids.first else { return nil }
        var accountId: String?
        for id in ids {
            if let a = try lookupAccount(id) { accountId = a; break }
        }
        let stamp = version ?? now
        let resolved = try accountId ?? resolveAccount(first, firstSeen: stamp)
        for id in ids {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO account_identifiers (kind, value, account_id, source) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id.kind.rawValue, id.value, resolved, source])
            accountCache[id] = accountCache[id] ?? resolved
        }
        let domain = facts.domain.flatMap { Domain.normalize($0) }
        try db.cachedStatement(
            sql: """
                UPDATE accounts SET name = coalesce(?, name), domain = coalesce(?, domain), industry = coalesce(?, industry),
                  employees = coalesce(?, employees), annual_revenue = coalesce(?, annual_revenue), source = ?,
                  updated_at = max(updated_at, ?)
                WHERE account_id = ?
                """
        ).execute(arguments: [facts.name, domain, facts.industry, facts.employees, facts.annualRevenue, source, stamp, resolved])
        return resolved
    }

    // MARK: Stable person ids

    /// Kinds in the order they anchor a person's id: the most durable system record first.
    static func anchorRank(_ kind: IdentifierKind) -> Int {
        switch kind {
        case .salesforceContact: return 0
        case .salesforceLead: return 1
        case .hubspotContact: return 2
        case .marketoLead: return 3
        case .email: return 4
        default: return 5
        }
    }

    /// The identifier a person's id derives from: a pure function of the person's identifiers.
    static func anchor(of ids: some Sequence<Identifier>) -> Identifier? {
        ids.min { (anchorRank($0.kind), $0.kind.rawValue, $0.value) < (anchorRank($1.kind), $1.kind.rawValue, $1.value) }
    }

    static func personId(anchor: Identifier) -> String { "p_" + ContentHash.hex(anchor.description).prefix(16) }

    /// After merges and new identifiers, each touched person is re-keyed to the id its anchor
    /// gives, so the final ids never depend on which record happened to arrive first.
    mutating func rekeyTouchedPersons() throws {
        for personId in touchedPersons.sorted() {
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT kind, value FROM identifiers WHERE person_id = ?"), arguments: [personId])
            guard let anchor = Self.anchor(of: rows.map { Identifier(kind: IdentifierKind(rawValue: $0[0]), value: $0[1]) }) else { continue }
            let desired = Self.personId(anchor: anchor)
            guard desired != personId else { continue }
            try db.execute(
                sql: """
                    INSERT INTO persons (person_id, primary_email, first_name, last_name, title, account_id, lifecycle_stage, score, owner,
                      consent_email, created_at, updated_at)
                    SELECT ?, primary_email, first_name, last_name, title, account_id, lifecycle_stage, score, owner, consent_email,
                      created_at, updated_at FROM persons WHERE person_id = ?
                    """,
                arguments: [desired, personId])
            for table in ["identifiers", "person_records", "touchpoints", "stage_history", "next_actions"] {
                try db.execute(sql: "UPDATE \(table) SET person_id = ? WHERE person_id = ?", arguments: [desired, personId])
            }
            try db.execute(sql: "UPDATE person_merges SET into_person = ? WHERE into_person = ?", arguments: [desired, personId])
            try db.execute(sql: "DELETE FROM deleted_persons WHERE person_id = ?", arguments: [desired])
            try db.execute(sql: "DELETE FROM persons WHERE person_id = ?", arguments: [personId])
            for (k, v) in personCache where v == personId { personCache[k] = desired }
            personAccountCache[desired] = personAccountCache[personId]
            personAccountCache[personId] = nil
            touchedPersons.remove(personId)
            touchedPersons.insert(desired)
        }
    }

    // MARK: Person attributes

    /// Re-derives the attributes of the persons this batch touched from their live records:
    /// the most recent non-empty value per field; an opt-out anywhere wins (conservative consent).
    mutating func refreshPersons() throws {
        for personId in touchedPersons.sorted() {
            guard let person = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT created_at, account_id FROM persons WHERE person_id = ?"), arguments: [personId])
            else { continue }
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT version_at, email, first_name, last_name, title, owner, consent_email, score, account_id, created_at, source
                        FROM person_records WHERE person_id = ? ORDER BY coalesce(version_at, ''), record_key
                        """),
                arguments: [personId])
            var email: String?, first: String?, last: String?, title: String?, owner: String?
            var score: Double?, account: String?, updated: String?
            var created: String = person[0]
            var consent: Bool?
            for row in rows {
                func take(_ i: Int, _ into: inout String?) {
                    if let v: String = row[i], !v.isEmpty { into = v }
                }
                take(1, &email); take(2, &first); take(3, &last); take(4, &title); take(5, &owner)
                if let s: Double = row[7] { score = s }
                if let a: String = row[8] { account = a }
                if let c: Bool = row[6] { consent = (consent == false) ? false : c }
                if let v: String = row[0] { updated = max(updated ?? v, v) }
                if let c: String = row[9], c < created { created = c }
            }
            // Survivorship: a field with a source priority takes the most recent non-empty value of
            // the most trusted source that has one.
            func prioritized(_ field: String, _ column: Int) -> String? {
                for source in rules.sourcePriority[field] ?? [] {
                    if let v = rows.last(where: { ($0[10] as String?) == source && !(($0[column] as String?) ?? "").isEmpty })?[column] as String? {
                        return v
                    }
                }
                return nil
            }
            email = prioritized("email", 1) ?? email
            first = prioritized("first_name", 2) ?? first
            last = prioritized("last_name", 3) ?? last
            title = prioritized("title", 4) ?? title
            owner = prioritized("owner", 5) ?? owner
            for source in rules.sourcePriority["score"] ?? [] {
                if let s = rows.last(where: { ($0[10] as String?) == source && ($0[7] as Double?) != nil })?[7] as Double? {
                    score = s
                    break
                }
            }
            if email == nil {
                email = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT min(value) FROM identifiers WHERE person_id = ? AND kind = 'email'"),
                    arguments: [personId])
            }
            // Without a CRM account, a business email domain names the company (free-mail never does).
            if account == nil, let email, !rules.isShared(email), let domain = EmailAddress.domain(of: email),
                !rules.isFreeMail(domain), let ref = Identifier.normalized(kind: .domain, raw: domain)
            {
                account = try resolveAccount(ref, firstSeen: created)
            }
            let oldAccount: String? = person[1]
            try db.cachedStatement(
                sql: """
                    UPDATE persons SET primary_email = ?, first_name = ?, last_name = ?, title = ?, owner = ?, score = ?,
                      account_id = ?, consent_email = ?, created_at = ?, updated_at = max(updated_at, coalesce(?, updated_at))
                    WHERE person_id = ?
                    """
            ).execute(arguments: [email, first, last, title, owner, score, account, consent, created, updated, personId])
            if oldAccount != account {
                try db.cachedStatement(
                    sql: "UPDATE touchpoints SET account_id = ? WHERE person_id = ? AND account_id IS ?"
                ).execute(arguments: [account, personId, oldAccount])
            }
            personAccountCache[personId] = .some(account)
        }
        touchedPersons.removeAll()
    }
}
