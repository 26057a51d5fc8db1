import Foundation
public import GRDB
public import JourneyModel
public import JourneyStore

/// Identity resolution for the batch writer: the daemon gives the store this hook, and the store
/// runs it inside each batch's transaction.
public struct IdentityResolution: IdentityHook {
    /// How records are linked into persons and accounts.
    public let rules: IdentityRules
    /// Who holds the identifiers earlier batches looked up (see `ReferenceMemo`): one per pass,
    /// since a pass's batches run one after another.
    let memo = ReferenceMemo()

    public init(rules: IdentityRules = .default) { self.rules = rules }

    public func begin(_ db: Database, source: String, now: String) throws -> any IdentityBatch {
        let session = IdentitySession(db: db, rules: rules, source: source, now: now)
        try session.remember(with: memo)
        return session
    }
}

/// Identity during one transaction: each record gets a provisional person at once (so the rest of
/// the batch can find it), and `finish` re-resolves exactly the part of the graph the batch
/// touched — merging, splitting and re-keying persons so the result is the same whatever order
/// and batches the data came in — then re-derives the affected persons' and accounts' attributes.
final class IdentitySession: IdentityBatch {
    let db: Database
    let rules: IdentityRules
    /// Credited as the source of identifiers and accounts this session creates.
    let source: String
    let now: String
    private var personCache: [Identifier: String] = [:]
    private var accountCache: [Identifier: String] = [:]
    private var personAccountCache: [String: String?] = [:]
    /// Persons whose attributes must be re-derived.
    var touchedPersons: Set<String> = []
    private var touchedAccounts: Set<String> = []
    /// Accounts that were joined into another or re-keyed away.
    private var removedAccounts: Set<String> = []
    /// Persons that touchpoints moved to (see `refreshPersons`).
    var receivedTouchpoints: Set<String> = []
    /// Persons whose row `refreshPersons` changed (attributes, account, first or last seen).
    var refreshed: Set<String> = []
    /// Identifiers the batch's touchpoints name their persons by.
    private var references: Set<Identifier> = []
    private var releasedKnown: Bool?
    /// The per-touchpoint lookups, through SQLite's C API (see `HotStatement`), prepared once a batch.
    private var personOfIdentifier: HotStatement?
    private var accountOfIdentifier: HotStatement?
    private var accountOfPersonQuery: HotStatement?
    private var insertIdentifier: HotStatement?
    private var insertPerson: HotStatement?
    /// Whether `deleted_persons` has rows; nil: not asked since the last `finish`.
    private var deletedPersonsExist: Bool?
    /// What earlier batches read of `identifiers` and `persons`, true as of this batch's start;
    /// emptied as soon as the batch itself may change such an answer (see `forgetRemembered`).
    private var remembered: [Identifier: ReferenceMemo.Entry] = [:]
    /// What this batch read from the store, for the memo to keep if the batch commits unchanged.
    private var learned: [Identifier: ReferenceMemo.Entry] = [:]
    /// The pass's memo and the generation this batch started at; nil once `finish` handed over
    /// what the batch learned (or for a session outside a pass).
    private var memo: (memo: ReferenceMemo, generation: Int64)?

    init(db: Database, rules: IdentityRules, source: String, now: String) {
        self.db = db
        self.rules = rules
        self.source = source
        self.now = now
    }

    /// Uses and feeds `memo` in this batch: what it remembers is valid if `identity_generation` is
    /// where the memo last saw it.
    func remember(with memo: ReferenceMemo) throws {
        let generation = try IdentityGeneration.current(db)
        remembered = memo.open(at: generation)
        self.memo = (memo, generation)
    }

    /// From here on, answers come from the store only: the batch is about to change (or has
    /// changed) who holds an identifier or which account a person has. Also lets go of the memo's
    /// storage before the commit adds to it (no copy of it on write).
    private func forgetRemembered() {
        remembered = [:]
    }

    /// A provisional person for a record: the current owner of one of its identifiers, or a new
    /// person named by them. Unowned identifiers are linked to it for the rest of the batch.
    func person(forRecord recordKey: String, identifiers: [Identifier], firstSeen: String) throws -> String {
        let linking = identifiers.filter(rules.links)
        let ids = linking.isEmpty ? [IdentityPartition.recordIdentifier(recordKey)] : linking
        var personId: String?
        for id in ids {
            if let p = try lookupPerson(id) { personId = p; break }
        }
        let resolved = try personId ?? createPerson(IdentityPartition.personId(anchor: IdentityPartition.anchor(of: ids)!), firstSeen: firstSeen)
        try link(ids.filter { personCache[$0] == nil }, to: resolved)
        touchedPersons.insert(resolved)
        return resolved
    }

    private func link(_ ids: [Identifier], to personId: String) throws {
        let insert = try Self.prepared(&insertIdentifier, db: db, sql: "INSERT OR IGNORE INTO identifiers (kind, value, person_id, source) VALUES (?, ?, ?, ?)")
        for id in ids {
            insert.text(1, id.kind.rawValue); insert.text(2, id.value); insert.text(3, personId); insert.text(4, source)
            try insert.run()
            personCache[id] = personId
        }
    }

    /// The identifier a touchpoint belongs by: the first its source named that is not a shared mailbox.
    private func chosen(_ ids: [Identifier]) -> Identifier? { ids.first(where: rules.links) }

    /// A reference to someone not seen yet creates a person named by it; a reference to a deleted
    /// person's identifier creates none.
    func reference(_ ids: [Identifier], firstSeen: String) throws {
        guard let ref = chosen(ids) else { return }
        references.insert(ref)
        if try lookupPerson(ref) != nil || isReleased(ref) { return }
        let personId = try createPerson(IdentityPartition.personId(anchor: ref), firstSeen: firstSeen)
        touchedPersons.insert(personId)
        try link([ref], to: personId)
    }

    func owner(ofTouchpoint ids: [Identifier]) throws -> TouchpointOwner {
        guard let ref = chosen(ids) else { return .nobody }
        if let p = try lookupPerson(ref) { return .person(p) }
        if try isReleased(ref) { return .deleted(ref) }
        // Every reference was given a person before the batch was resolved; one that lost it
        // (nothing should) gets it back rather than a touchpoint without a person.
        let personId = try createPerson(IdentityPartition.personId(anchor: ref), firstSeen: now)
        try link([ref], to: personId)
        return .person(personId)
    }

    private func isReleased(_ ref: Identifier) throws -> Bool {
        if releasedKnown == nil {
            releasedKnown = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM released_identifiers)") ?? true
        }
        guard releasedKnown == true else { return false }
        return try IdentityResolver(db: db, rules: rules, now: now, source: source).isReleased(ref)
    }

    /// Who holds an identifier. The person's account comes along (one lookup instead of two for
    /// a touchpoint's person and account): it joins `personAccountCache`, which every change of
    /// a person's account in the batch updates or clears.
    func lookupPerson(_ id: Identifier) throws -> String? {
        if let cached = personCache[id] { return cached }
        if let known = remembered[id] {
            let person = known.person  // made from its compact form: once, not per use
            personCache[id] = person
            if personAccountCache[person] == nil { personAccountCache[person] = .some(known.account) }
            return person
        }
        let query = try Self.prepared(&personOfIdentifier, db: db, sql: """
            SELECT i.person_id, p.account_id FROM identifiers i LEFT JOIN persons p ON p.person_id = i.person_id
            WHERE i.kind = ? AND i.value = ?
            """)
        query.text(1, id.kind.rawValue)
        query.text(2, id.value)
        guard let row = try query.first({ (person: query.string(0), account: query.string(1)) }), let person = row.person else { return nil }
        personCache[id] = person
        if memo != nil { learned[id] = ReferenceMemo.Entry(person: person, account: row.account) }
        if personAccountCache[person] == nil { personAccountCache[person] = .some(row.account) }
        return person
    }

    private func createPerson(_ personId: String, firstSeen: String) throws -> String {
        let insert = try Self.prepared(&insertPerson, db: db, sql: "INSERT OR IGNORE INTO persons (person_id, created_at, updated_at) VALUES (?, ?, ?)")
        insert.text(1, personId); insert.text(2, firstSeen); insert.text(3, firstSeen)
        try insert.run()
        // A person made again is no longer a deleted one. Only `finish` deletes persons, so
        // whether any deleted ones exist is asked once until then.
        if deletedPersonsExist == nil {
            deletedPersonsExist = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM deleted_persons)") ?? true
        }
        if deletedPersonsExist == true {
            try db.cachedStatement(sql: "DELETE FROM deleted_persons WHERE person_id = ?").execute(arguments: [personId])
        }
        return personId
    }

    /// Resolves what the batch touched exactly, then re-derives the affected persons' and accounts' attributes.
    func finish(_ changes: IdentityChanges) throws -> IdentityOutcome {
        // Every reference of the batch has been looked up by now; the resolution below may move
        // identifiers and accounts, and after it the touchpoints' owners come from `personCache`.
        forgetRemembered()
        if let memo {
            // Kept once the batch commits; if the batch moved the generation, the next batch's
            // `open` drops it with the rest.
            memo.memo.keepOnCommit(learned, readAt: memo.generation, db: db)
            learned = [:]
            self.memo = nil
        }
        var result = IdentityOutcome()
        touchedAccounts.formUnion(changes.accounts)
        if !changes.records.isEmpty || !changes.persons.isEmpty {
            var changes = changes
            changes.persons.formUnion(touchedPersons)
            let resolver = IdentityResolver(db: db, rules: rules, now: now, source: source)
            let outcome = try resolver.resolve(try resolver.region(from: changes), changes: changes, references: references)
            touchedPersons.subtract(outcome.removed)
            touchedPersons.formUnion(outcome.persons)
            receivedTouchpoints.formUnion(outcome.receivedTouchpoints)
            personCache.removeAll()
            personAccountCache.removeAll()
            result.removedPersons = outcome.removed
            result.links = outcome.links
            result.conflicts = outcome.conflicts
        }
        result.persons = touchedPersons.union(receivedTouchpoints)
        try refreshPersons()
        try rekeyTouchedAccounts(into: &result)
        references.removeAll()
        deletedPersonsExist = nil
        return result
    }

    func account(ofPerson personId: String) throws -> String? {
        if let cached = personAccountCache[personId] { return cached }
        let query = try Self.prepared(&accountOfPersonQuery, db: db, sql: "SELECT account_id FROM persons WHERE person_id = ?")
        query.text(1, personId)
        let a = try query.first { query.string(0) } ?? nil
        personAccountCache[personId] = .some(a)
        return a
    }

    // MARK: Accounts

    /// The account an identifier names; an account referenced before its own record arrives is
    /// created empty and filled in when it does.
    func account(named ref: Identifier, firstSeen: String) throws -> String {
        if let a = try lookupAccount(ref) { return a }
        let accountId = Self.accountId(anchor: ref)
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO accounts (account_id, domain, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [accountId, ref.kind == .domain ? ref.value : nil, source, firstSeen, firstSeen])
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO account_identifiers (kind, value, account_id, source) VALUES (?, ?, ?, ?)")
            .execute(arguments: [ref.kind.rawValue, ref.value, accountId, source])
        accountCache[ref] = accountId
        touchedAccounts.insert(accountId)
        return accountId
    }

    private func lookupAccount(_ id: Identifier) throws -> String? {
        if let cached = accountCache[id] { return cached }
        let query = try Self.prepared(&accountOfIdentifier, db: db, sql: "SELECT account_id FROM account_identifiers WHERE kind = ? AND value = ?")
        query.text(1, id.kind.rawValue)
        query.text(2, id.value)
        let a = try query.first { query.string(0) } ?? nil
        if let a { accountCache[id] = a }
        return a
    }

    /// Tables that point at an account.
    private static let accountReferences = ["account_identifiers", "account_records", "persons", "person_records", "touchpoints", "opportunities"]

    private func mergeAccount(_ other: String, into survivor: String) throws {
        forgetRemembered()
        try db.execute(
            sql: """
                UPDATE accounts SET name = coalesce(accounts.name, o.name), domain = coalesce(accounts.domain, o.domain),
                  industry = coalesce(accounts.industry, o.industry), employees = coalesce(accounts.employees, o.employees),
                  annual_revenue = coalesce(accounts.annual_revenue, o.annual_revenue),
                  country = coalesce(accounts.country, o.country), sic_code = coalesce(accounts.sic_code, o.sic_code),
                  created_at = min(accounts.created_at, o.created_at), updated_at = max(accounts.updated_at, o.updated_at)
                FROM (SELECT * FROM accounts WHERE account_id = ?) AS o WHERE accounts.account_id = ?
                """,
            arguments: [other, survivor])
        try move(account: other, to: survivor)
        touchedAccounts.remove(other)
        personAccountCache.removeAll()
    }

    /// Points everything at `old` to `new` (which exists) and removes `old`.
    private func move(account old: String, to new: String) throws {
        forgetRemembered()
        for table in Self.accountReferences {
            try db.execute(sql: "UPDATE \(table) SET account_id = ? WHERE account_id = ?", arguments: [new, old])
        }
        try db.execute(sql: "DELETE FROM accounts WHERE account_id = ?", arguments: [old])
        for (k, v) in accountCache where v == old { accountCache[k] = new }
        removedAccounts.insert(old)
    }

    /// Kinds in the order they name an account: CRM records first, domains last.
    static func accountRank(_ kind: IdentifierKind) -> Int {
        switch kind {
        case .salesforceAccount: return 0
        case .hubspotCompany: return 1
        case .domain: return 3
        default: return 2
        }
    }

    static func accountId(anchor: Identifier) -> String { "a_" + ContentHash.hex(anchor.description).prefix(16) }

    /// Each account the batch touched takes the id its most durable identifier gives, so account
    /// ids do not depend on which record or email named the company first.
    private func rekeyTouchedAccounts(into result: inout IdentityOutcome) throws {
        try refreshAccounts()
        for accountId in touchedAccounts.sorted() {
            let ids = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT kind, value FROM account_identifiers WHERE account_id = ?"), arguments: [accountId]
            ).map { Identifier(kind: IdentifierKind(rawValue: $0[0]), value: $0[1]) }
            guard let anchor = ids.min(by: { (Self.accountRank($0.kind), $0.kind.rawValue, $0.value) < (Self.accountRank($1.kind), $1.kind.rawValue, $1.value) })
            else { continue }
            let desired = Self.accountId(anchor: anchor)
            guard desired != accountId else { continue }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM accounts WHERE account_id = ?)", arguments: [desired]) == true {
                try mergeAccount(accountId, into: desired)
                touchedAccounts.insert(desired)
                continue
            }
            try db.execute(
                sql: """
                    INSERT INTO accounts (account_id, name, domain, industry, employees, annual_revenue, country, sic_code, source,
                      created_at, updated_at)
                    SELECT ?, name, domain, industry, employees, annual_revenue, country, sic_code, source, created_at, updated_at
                    FROM accounts WHERE account_id = ?
                    """,
                arguments: [desired, accountId])
            try move(account: accountId, to: desired)
            touchedAccounts.insert(desired)
        }
        if !touchedAccounts.isEmpty { personAccountCache.removeAll() }
        result.accounts = touchedAccounts.subtracting(removedAccounts)
        result.removedAccounts = removedAccounts
        touchedAccounts.removeAll()
        removedAccounts.removeAll()
    }

    /// Re-derives each touched account's attributes from its live company records: the most recent
    /// non-empty value per field; an account without any (named by emails, or whose records were
    /// all deleted) has only its domain.
    private func refreshAccounts() throws {
        for accountId in touchedAccounts.sorted() {
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT version_at, name, domain, industry, employees, annual_revenue, source, country, sic_code FROM account_records
                    WHERE account_id = ? ORDER BY coalesce(version_at, ''), record_key
                    """),
                arguments: [accountId])
            guard !rows.isEmpty else {
                // No company record left (all deleted): only what its identifiers say remains.
                try db.cachedStatement(
                    sql: """
                        UPDATE accounts SET name = NULL, industry = NULL, employees = NULL, annual_revenue = NULL, country = NULL, sic_code = NULL,
                          domain = (SELECT min(value) FROM account_identifiers WHERE account_id = ?1 AND kind = 'domain')
                        WHERE account_id = ?1
                        """
                ).execute(arguments: [accountId])
                continue
            }
            var name: String?, domain: String?, industry: String?, employees: Int?, revenue: Double?, source: String?, updated: String?
            var country: String?, sic: String?
            for row in rows {
                country = row[7] ?? country
                sic = row[8] ?? sic
                name = row[1] ?? name
                domain = row[2] ?? domain
                industry = row[3] ?? industry
                employees = row[4] ?? employees
                revenue = row[5] ?? revenue
                source = row[6]
                if let v: String = row[0] { updated = max(updated ?? v, v) }
            }
            try db.cachedStatement(
                sql: """
                    UPDATE accounts SET name = ?, domain = coalesce(?, domain), industry = ?, employees = ?, annual_revenue = ?,
                      country = ?, sic_code = ?, source = coalesce(?, source), updated_at = max(updated_at, coalesce(?, updated_at))
                    WHERE account_id = ?
                    """
            ).execute(arguments: [name, domain, industry, employees, revenue, country, sic, source, updated, accountId])
        }
    }

    /// The session's statement in `slot`, prepared on first use: fetching it from GRDB's cache
    /// on every call would hash its SQL text each time.
    private static func prepared(_ slot: inout HotStatement?, db: Database, sql: String) throws -> HotStatement {
        if let statement = slot { return statement }
        let statement = try HotStatement(db, sql: sql)
        slot = statement
        return statement
    }

    /// Links a company record to its account and keeps what it says (the account's attributes are
    /// derived from all its records at the end of the batch).
    func account(ofCompanyRecord facts: AccountFacts, key recordKey: String, version: String?) throws -> String? {
        var ids = facts.identifiers
        if let d = facts.domain.flatMap({ Identifier.normalized(kind: .domain, raw: $0) }), !ids.contains(d) { ids.append(d) }
        guard let first = ids.first else { return nil }
        var found: [String] = []
        for id in ids {
            if let a = try lookupAccount(id), !found.contains(a) { found.append(a) }
        }
        let stamp = version ?? now
        let resolved = try found.first ?? account(named: first, firstSeen: stamp)
        // One company record naming two accounts (its CRM id and a domain another account holds)
        // makes them one account, whichever arrived first.
        for other in found.dropFirst() { try mergeAccount(other, into: resolved) }
        touchedAccounts.insert(resolved)
        for id in ids {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO account_identifiers (kind, value, account_id, source) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id.kind.rawValue, id.value, resolved, source])
            accountCache[id] = accountCache[id] ?? resolved
        }
        let domain = facts.domain.flatMap { Domain.normalize($0) }
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO account_records (record_key, account_id, source, version_at, name, domain, industry, employees,
                  annual_revenue, country, sic_code)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            recordKey, resolved, source, version, facts.name, domain, facts.industry, facts.employees, facts.annualRevenue, facts.country,
            facts.sicCode,
        ])
        return resolved
    }

    // MARK: Person attributes

    /// Re-derives the attributes of the persons this batch touched from their live records:
    /// the most recent non-empty value per field; an opt-out anywhere wins (conservative consent).
    ///
    /// Persons are read a thousand at a time, their records in one query per step, not per person.
    func refreshPersons() throws {
        let everyone = touchedPersons.sorted()
        for start in stride(from: 0, to: everyone.count, by: 1_000) {
            try refreshPersons(Array(everyone[start..<min(start + 1_000, everyone.count)]))
        }
        touchedPersons.removeAll()
        receivedTouchpoints.removeAll()
    }

    private func refreshPersons(_ step: [String]) throws {
        let keys = JSONObjectWriter.array(step)
        var persons: [String: Row] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT created_at, account_id, person_id FROM persons WHERE person_id IN (SELECT value FROM json_each(?))"),
            arguments: [keys])
        { persons[row[2]] = row }
        var recordsOf: [String: [Row]] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT version_at, email, first_name, last_name, title, owner, consent_email, account_id, created_at, source,
                      consent_since, consent_opt_in, country, person_id
                    FROM person_records WHERE person_id IN (SELECT value FROM json_each(?))
                    ORDER BY person_id, coalesce(version_at, ''), record_key
                    """),
            arguments: [keys])
        { recordsOf[row[13], default: []].append(row) }
        // Only a row that differs is written, and so known to have changed (a rebuild re-derives those).
        let update = try HotStatement(db, sql: """
            UPDATE persons SET primary_email = ?1, first_name = ?2, last_name = ?3, title = ?4, owner = ?5,
              account_id = ?6, consent_email = ?7, country = ?8, created_at = ?9, updated_at = max(updated_at, coalesce(?10, updated_at))
            WHERE person_id = ?11 AND (primary_email IS NOT ?1 OR first_name IS NOT ?2 OR last_name IS NOT ?3 OR title IS NOT ?4
              OR owner IS NOT ?5 OR account_id IS NOT ?6 OR consent_email IS NOT ?7 OR country IS NOT ?8 OR created_at IS NOT ?9
              OR updated_at IS NOT max(updated_at, coalesce(?10, updated_at)))
            """)
        for personId in step {
            guard let person = persons[personId] else { continue }
            let rows = recordsOf[personId] ?? []
            var email: String?, first: String?, last: String?, title: String?, owner: String?, country: String?
            var account: String?, updated: String?
            var created: String = person[0]
            // Consent is conservative: an opt-out in any system wins until an explicit opt-in
            // (a record that said no and now says yes) that came after it.
            var lastOptOut: String?, lastOptIn: String?, anyConsent = false
            for row in rows {
                func take(_ i: Int, _ into: inout String?) {
                    if let v: String = row[i], !v.isEmpty { into = v }
                }
                take(1, &email); take(2, &first); take(3, &last); take(4, &title); take(5, &owner); take(12, &country)
                if let a: String = row[7] { account = a }
                if let c: Bool = row[6] {
                    let since: String = row[10] ?? row[0] ?? ""
                    if c, row[11] as Bool? == true { lastOptIn = max(lastOptIn ?? since, since) }
                    if !c { lastOptOut = max(lastOptOut ?? since, since) }
                    anyConsent = anyConsent || c
                }
                if let v: String = row[0] { updated = max(updated ?? v, v) }
                if let c: String = row[8], c < created { created = c }
            }
            // Survivorship: a field with a source priority takes the most recent non-empty value of
            // the most trusted source that has one.
            func prioritized(_ field: String, _ column: Int) -> String? {
                for source in rules.sourcePriority[field] ?? [] {
                    if let v = rows.last(where: { ($0[9] as String?) == source && !(($0[column] as String?) ?? "").isEmpty })?[column] as String? {
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
            country = prioritized("country", 12) ?? country
            var consent: Bool? = anyConsent ? true : nil
            if let lastOptOut { consent = (lastOptIn ?? "") > lastOptOut }
            if email == nil {
                email = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT min(value) FROM identifiers WHERE person_id = ? AND kind = 'email'"),
                    arguments: [personId])
            }
            // Without a CRM account, a business email domain names the company (free-mail never does).
            if account == nil, let email, !rules.isShared(email), let domain = EmailAddress.domain(of: email),
                !rules.isFreeMail(domain), let ref = Identifier.normalized(kind: .domain, raw: domain)
            {
                account = try self.account(named: ref, firstSeen: created)
            }
            let oldAccount: String? = person[1]
            update.text(1, email); update.text(2, first); update.text(3, last); update.text(4, title); update.text(5, owner)
            update.text(6, account); update.bool(7, consent); update.text(8, country); update.text(9, created)
            update.text(10, updated); update.text(11, personId)
            if try update.run() > 0 { refreshed.insert(personId) }
            if oldAccount != account || receivedTouchpoints.contains(personId) { try PersonIndex.ensure(db) }
            if oldAccount != account {
                try db.cachedStatement(
                    sql: "UPDATE touchpoints SET account_id = ? WHERE person_id = ? AND account_id IS ?"
                ).execute(arguments: [account, personId, oldAccount])
            }
            if account != nil, receivedTouchpoints.contains(personId) {
                // Touchpoints that came over from another person take this person's account.
                try db.cachedStatement(sql: "UPDATE touchpoints SET account_id = ? WHERE person_id = ? AND account_id IS NULL")
                    .execute(arguments: [account, personId])
            }
            personAccountCache[personId] = .some(account)
        }
    }
}
