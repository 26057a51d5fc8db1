import Foundation
import GRDB
public import JourneyModel
public import JourneyStore

/// What `forget` does with the forgotten person's touchpoints.
public enum ForgetMode: String, Sendable, CaseIterable {
    /// Every row about the person goes, touchpoints included.
    case delete
    /// The touchpoints stay as anonymous events — when, which channel, action, side, campaign,
    /// value and owner — with a new id and no person, account, reference, content or attributes,
    /// so channel and campaign totals keep counting them. Funnels, stages, SLAs and attribution
    /// count persons and lose the person in both modes.
    case anonymise
}

/// Why `forget` could not run.
public enum ForgetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The text names no person and is not an identifier that could name one later.
    case nobodyMatches(String)
    /// A bare value that identifiers of several persons share (HubSpot contact 502, Marketo lead
    /// 502): erasing on a guess could erase the wrong person.
    case ambiguous(String, candidates: [String])

    public var description: String {
        switch self {
        case .nobodyMatches(let who):
            return "no person matches \"\(who)\", and it is not an email address or a kind:value identifier "
                + "(e.g. marketo_lead:3004) to suppress for the future; check it with `journeylake journey`"
        case .ambiguous(let who, let candidates):
            return "\"\(who)\" is an identifier of more than one person (\(candidates.joined(separator: ", "))); "
                + "give the one you mean as kind:value, or an email or person id"
        }
    }
}

extension IdentityMaintenance {
    /// Forgets a person (GDPR erasure), in one transaction: the person, its identifiers, records,
    /// raw versions, touchpoints (or, `anonymise`, their personal fields), derived rows, quarantine
    /// rows and identity log entries; then an audit row (counts only) and the salted hashes of
    /// everything that named the person, which ingest and `reprocess` refuse from then on.
    ///
    /// `who` is a person id, an email or any identifier value (as `journeylake journey` finds
    /// persons). An email or `kind:value` that names nobody yet is still suppressed, so a person
    /// can be forgotten before their data arrives. Deleted content is overwritten with zeros
    /// (`secure_delete`) and the WAL is checkpointed and truncated, so no copy stays in free pages.
    public func forget(_ who: String, mode: ForgetMode = .delete, reason: String? = nil, at time: Timestamp = Timestamp(Date())) throws
        -> ForgetRecord
    {
        let record = try store.pool.writeWithoutTransaction { try forget(who, mode: mode, reason: reason, now: time.iso8601, db: $0) }
        // Best effort: a reader holding an old snapshot (the HTTP API) keeps the WAL until the next checkpoint.
        _ = try? store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        return record
    }

    /// `forget` for async callers (the daemon's `POST /v1/forget`): the same, on the store's writer
    /// queue instead of the caller's thread.
    public func forget(_ who: String, mode: ForgetMode = .delete, reason: String? = nil, at time: Timestamp = Timestamp(Date())) async throws
        -> ForgetRecord
    {
        let record = try await store.pool.writeWithoutTransaction { try forget(who, mode: mode, reason: reason, now: time.iso8601, db: $0) }
        _ = try? await store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        return record
    }

    private func forget(_ who: String, mode: ForgetMode, reason: String?, now: String, db: Database) throws -> ForgetRecord {
        try db.execute(sql: "PRAGMA secure_delete = ON")
        defer { try? db.execute(sql: "PRAGMA secure_delete = OFF") }
        var record: ForgetRecord?
        try db.inTransaction {
            var run = try Forgetting(db: db, rules: rules, who: who, mode: mode, reason: reason, now: now)
            record = try run.apply(queueDerive: queueDerive)
            return .commit
        }
        return record!
    }

    /// Forgets the persons that records refused since revealed as forgotten ones (`forget_pending`:
    /// made from activities that came before the lead naming them by a forgotten email), each
    /// under its own audit row and in the mode of the request that revealed it.
    public func forgetRevealed(at time: Timestamp = Timestamp(Date())) throws -> [ForgetRecord] {
        let pending = try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.person_id, p.forget_id, l.mode, EXISTS (SELECT 1 FROM persons WHERE person_id = p.person_id)
                FROM forget_pending p JOIN forget_log l ON l.forget_id = p.forget_id ORDER BY p.person_id
                """)
        }
        var done: [ForgetRecord] = []
        for row in pending {
            let (person, request): (String, Int64) = (row[0], row[1])
            if row[3] as Bool {
                done.append(try forget(person, mode: ForgetMode(rawValue: row[2]) ?? .delete, reason: "revealed after forget #\(request)", at: time))
            } else {
                try store.pool.write { try $0.execute(sql: "DELETE FROM forget_pending WHERE person_id = ?", arguments: [person]) }
            }
        }
        return done
    }
}

/// One `forget` inside its transaction.
private struct Forgetting {
    let db: Database
    let rules: IdentityRules
    let mode: ForgetMode
    let now: String
    let suppression: SuppressionList
    /// The person, if anyone matches (a request can come before the data).
    let person: String?
    /// Everything that named the person: its identifiers, and those of its records no longer live.
    var identifiers: Set<Identifier> = []
    /// Identifiers another live person's record also claims (two leads with one address): that
    /// person keeps them, so they are neither removed from its records nor suppressed. (Shared
    /// mailboxes, which name nobody, are left out as well: `forgettable`.)
    var shared: Set<Identifier> = []
    /// What is forgotten, removed and suppressed of the identifiers: not the shared ones, and no
    /// shared mailbox (it names nobody: `rules.links`).
    var forgettable: Set<Identifier> { identifiers.subtracting(shared).filter(rules.links) }
    /// Source records about the person: its live records, its deleted and merged-away ones, and
    /// records whose only content was its touchpoints.
    var records: Set<String> = []
    /// Other persons' records that claim a shared identifier: resolved again once the person is
    /// gone. Named explicitly: the person's own claims are deleted before identity resolves, so the
    /// region grown from the person alone can miss them (`ForgetPropertyTests` finds such cases).
    var neighbours: Set<String> = []
    var record: ForgetRecord

    init(db: Database, rules: IdentityRules, who: String, mode: ForgetMode, reason: String?, now: String) throws {
        self.db = db
        self.rules = rules
        self.mode = mode
        self.now = now
        suppression = try SuppressionList.forWriting(db)
        let typed = who.trimmingCharacters(in: .whitespacesAndNewlines)
        let isPersonId = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM persons WHERE person_id = ?)", arguments: [typed]) ?? false
        if !isPersonId, Identifier.normalized(kind: .email, raw: typed) == nil {
            let holders = try Row.fetchAll(
                db, sql: "SELECT DISTINCT kind || ':' || value, person_id FROM identifiers WHERE value IN (?, ?) ORDER BY 1",
                arguments: [typed, SalesforceID.normalize(typed) ?? typed])
            if Set(holders.map { $0[1] as String }).count > 1 {
                throw ForgetError.ambiguous(who, candidates: holders.map { $0[0] as String })
            }
        }
        if let found = try JourneyReader.personId(matching: who, in: db) {
            person = found
        } else {
            guard let id = Self.identifier(typed: who) else { throw ForgetError.nobodyMatches(who) }
            identifiers.insert(id)
            person = try String.fetchOne(
                db, sql: "SELECT person_id FROM identifiers WHERE kind = ? AND value = ?", arguments: [id.kind.rawValue, id.value])
        }
        try db.execute(
            sql: """
                INSERT INTO forget_log (forgotten_at, mode, reason, persons, identifiers, records, raw_versions, touchpoints_removed,
                  touchpoints_anonymised, derived_rows, quarantine_rows, identity_log_rows)
                VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0)
                """,
            arguments: [now, mode.rawValue, reason, person == nil ? 0 : 1])
        record = ForgetRecord(forgetId: db.lastInsertedRowID, forgottenAt: now, mode: mode.rawValue, reason: reason, persons: person == nil ? 0 : 1)
    }

    /// An identifier as typed: an email address, or `kind:value`.
    static func identifier(typed who: String) -> Identifier? {
        if let email = Identifier.normalized(kind: .email, raw: who) { return email }
        let parts = who.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return Identifier.normalized(kind: IdentifierKind(rawValue: parts[0].lowercased()), raw: String(parts[1]))
    }

    mutating func apply(queueDerive: Bool) throws -> ForgetRecord {
        var account: String?
        if let person {
            account = try String.fetchOne(db, sql: "SELECT account_id FROM persons WHERE person_id = ?", arguments: [person])
            for row in try Row.fetchAll(db, sql: "SELECT kind, value FROM identifiers WHERE person_id = ?", arguments: [person]) {
                identifiers.insert(Identifier(kind: IdentifierKind(rawValue: row[0]), value: row[1]))
            }
            records = Set(try String.fetchAll(db, sql: "SELECT record_key FROM person_records WHERE person_id = ?", arguments: [person]))
        }
        // Twice: the identifiers lead to records no longer live (deleted, merged away), whose own
        // claims may name the person by one more identifier (an old email).
        for _ in 0..<2 { try gatherRecords() }
        try db.execute(sql: "CREATE TEMP TABLE forget_nodes (node TEXT PRIMARY KEY) WITHOUT ROWID")
        defer { try? db.execute(sql: "DROP TABLE temp.forget_nodes") }
        let forgotten = forgettable
        for key in records {
            for node in [key, "merge:" + key, "deleted:" + key] {
                try db.execute(sql: "INSERT OR IGNORE INTO temp.forget_nodes VALUES (?)", arguments: [node])
            }
        }
        for id in forgotten { try db.execute(sql: "INSERT OR IGNORE INTO temp.forget_nodes VALUES (?)", arguments: ["ref:" + id.description]) }

        if let person {
            try takeTouchpoints(of: person)
            try removeDerivedRows(of: person)
            // A guardrail's reason tells of the person's own journey (when they raised a hand,
            // on which form): a text only their suggestions used goes with them.
            try NextActionTexts.collect(db)
            try db.execute(sql: "DELETE FROM forget_pending WHERE person_id = ?", arguments: [person])
        }
        try removeRecords()
        try db.execute(sql: "DELETE FROM orphan_touchpoints WHERE 'ref:' || kind || ':' || value IN temp.forget_nodes")

        // Identity: the person has no record left and goes; neighbours keep the shared identifiers.
        var changes = IdentityChanges()
        changes.records = records.union(neighbours)
        if let person {
            changes.persons.insert(person)
            for key in records { changes.previousPerson[key] = person }
        }
        let lastMerge = try Int64.fetchOne(db, sql: "SELECT max(merge_id) FROM person_merges") ?? 0
        let session = IdentitySession(db: db, rules: rules, source: IdentityMaintenance.source, now: now)
        var outcome = try session.finish(changes)
        if let person {
            // A person's id comes from its most durable identifier: when that one was shared, the
            // other person's records resolve to the same id, which lives on as theirs.
            let reused = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM persons WHERE person_id = ?)", arguments: [person]) ?? false
            if reused {
                outcome.persons.insert(person)
            } else {
                // Resolution removed the person; what it logged of them goes below.
                try db.execute(sql: "DELETE FROM identifiers WHERE person_id = ?", arguments: [person])
                try db.execute(sql: "DELETE FROM persons WHERE person_id = ?", arguments: [person])
                outcome.persons.remove(person)
                outcome.removedPersons.insert(person)
            }
        }
        if let account { outcome.accounts.insert(account) }
        try scrubIdentityLog(upTo: lastMerge)
        try removeQuarantine(emails: forgotten.filter { $0.kind == .email }.map(\.value))
        try suppress(forgotten)
        if queueDerive {
            try DeriveQueue.enqueue(persons: outcome.persons, removedPersons: outcome.removedPersons, accounts: outcome.accounts,
                                   removedAccounts: outcome.removedAccounts, db: db, at: now)
        }
        record.identifiers = forgotten.count
        record.records = records.count
        try db.execute(
            sql: """
                UPDATE forget_log SET identifiers = ?, records = ?, raw_versions = ?, touchpoints_removed = ?, touchpoints_anonymised = ?,
                  derived_rows = ?, quarantine_rows = ?, identity_log_rows = ?
                WHERE forget_id = ?
                """,
            arguments: [record.identifiers, record.records, record.rawVersions, record.touchpointsRemoved, record.touchpointsAnonymised,
                        record.derivedRows, record.quarantineRows, record.identityLogRows, record.forgetId])
        record.mentionsLeft = try mentionsLeft(emails: forgotten.filter { $0.kind == .email }.map(\.value))
        return record
    }

    /// Records that claim one of the identifiers: the person's (taken), another live person's
    /// (the identifier is shared and stays theirs), or no one's live (deleted, merged away: taken).
    private mutating func gatherRecords() throws {
        // A shared mailbox names nobody: the records that have it are not the person's for that.
        for id in forgettable {
            let claimants = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.record_key, p.person_id FROM (
                      SELECT record_key FROM record_identifiers WHERE kind = ?1 AND value = ?2
                      UNION SELECT record_key FROM identity_aliases WHERE kind = ?1 AND value = ?2
                      UNION SELECT record_key FROM released_identifiers WHERE kind = ?1 AND value = ?2
                    ) c LEFT JOIN person_records p ON p.record_key = c.record_key
                    """,
                arguments: [id.kind.rawValue, id.value])
            for row in claimants {
                let key: String = row[0]
                if let owner: String = row[1], owner != person {
                    shared.insert(id)
                    neighbours.insert(key)
                }
            }
            guard !shared.contains(id) else { continue }
            for row in claimants { records.insert(row[0]) }
        }
        for key in records {
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, value FROM record_identifiers WHERE record_key = ?1
                    UNION SELECT kind, value FROM identity_aliases WHERE record_key = ?1
                    UNION SELECT kind, value FROM released_identifiers WHERE record_key = ?1
                    """,
                arguments: [key])
            {
                identifiers.insert(Identifier(kind: IdentifierKind(rawValue: row[0]), value: row[1]))
            }
        }
    }

    /// The person's touchpoints go (or lose what identifies the person); a record whose only
    /// content they were goes with them.
    private mutating func takeTouchpoints(of person: String) throws {
        try PersonIndex.ensure(db)
        let ids = try String.fetchAll(db, sql: "SELECT touchpoint_id FROM touchpoints WHERE person_id = ? ORDER BY touchpoint_id", arguments: [person])
        for (n, id) in ids.enumerated() {
            try db.execute(sql: "DELETE FROM lifecycle_steps WHERE touchpoint_id = ?", arguments: [id])
            switch mode {
            case .delete:
                try db.execute(sql: "DELETE FROM touchpoints WHERE touchpoint_id = ?", arguments: [id])
                record.touchpointsRemoved += 1
            case .anonymise:
                let anonymous = "forgotten:\(record.forgetId):\(n + 1)"
                try db.execute(
                    sql: """
                        UPDATE touchpoints SET touchpoint_id = ?1, external_id = ?1, person_id = NULL, person_ref = NULL, account_id = NULL,
                          content = NULL, attributes = NULL
                        WHERE touchpoint_id = ?2
                        """,
                    arguments: [anonymous, id])
                record.touchpointsAnonymised += 1
            }
        }
        for key in Set(ids.map { String($0.prefix { $0 != "#" }) }) where !records.contains(key) {
            let stillUsed = try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM touchpoints WHERE touchpoint_id = ?1 OR (touchpoint_id >= ?1 || '#' AND touchpoint_id < ?1 || '$'))
                      OR EXISTS (SELECT 1 FROM person_records WHERE record_key = ?1)
                      OR EXISTS (SELECT 1 FROM account_records WHERE record_key = ?1)
                      OR EXISTS (SELECT 1 FROM opportunities WHERE opportunity_id = ?1)
                      OR EXISTS (SELECT 1 FROM campaigns WHERE campaign_id = ?1)
                    """,
                arguments: [key]) ?? true
            if !stillUsed { records.insert(key) }
        }
    }

    /// Every trace of the records: their bookkeeping, raw versions, claims, deletes and quarantine rows.
    private mutating func removeRecords() throws {
        for key in records.sorted() {
            let where_ = try Row.fetchOne(
                db,
                sql: """
                    SELECT source, stream, external_id FROM source_records WHERE record_key = ?1
                    UNION ALL SELECT source, stream, external_id FROM deleted_records WHERE record_key = ?1
                    LIMIT 1
                    """,
                arguments: [key])
            if let where_ {
                let (source, stream, externalId): (String, String, String) = (where_[0], where_[1], where_[2])
                try db.execute(sql: "DELETE FROM raw_versions WHERE source = ? AND stream = ? AND external_id = ?", arguments: [source, stream, externalId])
                record.rawVersions += db.changesCount
                record.rawVersions += try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM source_records WHERE record_key = ? AND payload IS NOT NULL", arguments: [key]) ?? 0
                try db.execute(sql: "DELETE FROM quarantine WHERE source = ? AND stream = ? AND external_id = ?", arguments: [source, stream, externalId])
                record.quarantineRows += db.changesCount
            }
            // A record that goes takes its touchpoints (the person's were taken already; these are
            // ones that named nobody, e.g. a deleted record's).
            try db.execute(
                sql: "DELETE FROM touchpoints WHERE touchpoint_id = ?1 OR (touchpoint_id >= ?1 || '#' AND touchpoint_id < ?1 || '$')",
                arguments: [key])
            record.touchpointsRemoved += db.changesCount
            for table in ["person_records", "record_identifiers", "identity_aliases", "released_identifiers", "deleted_records", "source_records"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE record_key = ?", arguments: [key])
            }
            try db.execute(
                sql: "DELETE FROM orphan_touchpoints WHERE touchpoint_id = ?1 OR (touchpoint_id >= ?1 || '#' AND touchpoint_id < ?1 || '$')",
                arguments: [key])
        }
    }

    /// Stages, scores, SLA state, next actions and their log, signals — before identity removes
    /// the person (which cascades to most of them, uncounted). The derivers would drop most of it
    /// for a removed person, but not the next-action log, and not in this transaction. (When the
    /// id lives on as someone else's, their rows are derived again from their own data.)
    private mutating func removeDerivedRows(of person: String) throws {
        for table in ["stage_history", "next_action_rows", "next_action_log", "lead_scores", "follow_ups", "person_signals"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE person_id = ?", arguments: [person])
            record.derivedRows += db.changesCount
        }
    }

    /// The merge log, separations, conflicts and removed-person entries that name the person, its
    /// records or its identifiers (the person ids merged into it included), up to `lastMerge`:
    /// links this request's own resolution made are other persons'.
    private mutating func scrubIdentityLog(upTo lastMerge: Int64) throws {
        var merges = Set(try Int64.fetchAll(
            db,
            sql: """
                SELECT merge_id FROM person_merges m
                WHERE m.merge_id <= ?1 AND (m.record_key IN (SELECT node FROM temp.forget_nodes)
                  OR 'ref:' || m.via_kind || ':' || m.via_value IN (SELECT node FROM temp.forget_nodes)
                  OR EXISTS (SELECT 1 FROM json_each(coalesce(m.kept_nodes, '[]')) WHERE value IN (SELECT node FROM temp.forget_nodes))
                  OR EXISTS (SELECT 1 FROM json_each(coalesce(m.merged_nodes, '[]')) WHERE value IN (SELECT node FROM temp.forget_nodes)))
                """,
            arguments: [lastMerge]))
        // Persons merged into the forgotten one were the same human under an older id.
        var persons: Set<String> = person.map { [$0] } ?? []
        var frontier = persons
        while let p = frontier.popFirst() {
            for row in try Row.fetchAll(
                db, sql: "SELECT merge_id, merged_person FROM person_merges WHERE into_person = ? AND merge_id <= ?", arguments: [p, lastMerge])
            {
                merges.insert(row[0])
                if persons.insert(row[1]).inserted { frontier.insert(row[1]) }
            }
        }
        for id in merges {
            try db.execute(sql: "DELETE FROM person_merges WHERE merge_id = ?", arguments: [id])
            record.identityLogRows += db.changesCount
            try db.execute(sql: "DELETE FROM identity_separations WHERE separation_id = ?", arguments: [id])
        }
        try db.execute(sql: """
            DELETE FROM identity_separations WHERE separation_id IN (
              SELECT separation_id FROM identity_separations WHERE node IN (SELECT node FROM temp.forget_nodes))
            """)
        record.identityLogRows += db.changesCount
        try db.execute(sql: """
            DELETE FROM identity_conflicts WHERE record_key IN (SELECT node FROM temp.forget_nodes)
              OR existing_record IN (SELECT node FROM temp.forget_nodes)
              OR 'ref:' || kind || ':' || value IN (SELECT node FROM temp.forget_nodes)
            """)
        record.identityLogRows += db.changesCount
        for p in persons {
            try db.execute(sql: "DELETE FROM deleted_persons WHERE person_id = ?", arguments: [p])
            record.identityLogRows += db.changesCount
        }
        for id in forgettable where id.kind == .email {
            try db.execute(sql: "DELETE FROM deleted_persons WHERE primary_email = ?", arguments: [id.value])
            record.identityLogRows += db.changesCount
        }
    }

    /// Quarantined inputs that mention one of the person's email addresses (their records' own
    /// rows went with the records).
    private mutating func removeQuarantine(emails: [String]) throws {
        for email in emails {
            try db.execute(sql: "DELETE FROM quarantine WHERE instr(lower(payload), ?) > 0", arguments: [email])
            record.quarantineRows += db.changesCount
        }
    }

    private func suppress(_ forgotten: Set<Identifier>) throws {
        let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO suppressed_identifiers (hash, kind, forget_id) VALUES (?, ?, ?)")
        for id in forgotten { try insert.execute(arguments: [suppression.hash(id), id.kind.rawValue, record.forgetId]) }
        for key in records { try insert.execute(arguments: [suppression.hash(recordKey: key), "record", record.forgetId]) }
    }

    /// Raw versions of other records that still spell one of the addresses (a colleague's record
    /// naming the person): not this person's data to remove, so reported for the operator.
    private func mentionsLeft(emails: [String]) throws -> [String] {
        var out: Set<String> = []
        for email in emails {
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT source, stream, external_id FROM raw_versions WHERE instr(lower(payload), ?1) > 0
                    UNION SELECT source, stream, external_id FROM source_records WHERE payload IS NOT NULL AND instr(lower(payload), ?1) > 0
                    """,
                arguments: [email])
            {
                out.insert("\(row[0] as String)/\(row[1] as String)/\(row[2] as String)")
            }
        }
        return out.sorted()
    }
}
