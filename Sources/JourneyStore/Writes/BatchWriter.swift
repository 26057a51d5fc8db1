import Foundation
import GRDB
public import JourneyModel

extension JourneyStore {
    /// Writes a batch in one transaction: raw versions, canonical rows, identity, quarantine,
    /// progress and sync state commit together or not at all, so a crash can neither lose nor
    /// double anything. With `queueDerive`, the persons and accounts it changed are queued for the
    /// derivers in the same transaction (see `DeriveQueue`), so derived data can lag but is never
    /// silently stale. With `onceInLoad` too, only what no batch queued since the derivers last
    /// ran (`DeriveQueue.enqueue(_:onceInLoad:db:at:)`: a bulk load that derives at its end).
    public func write(_ batch: WriteBatch, identity: any IdentityHook, queueDerive: Bool = false, onceInLoad: Bool = false) throws -> BatchOutcome {
        try pool.write { db in try Self.apply(batch, db: db, identity: identity, queueDerive: queueDerive, onceInLoad: onceInLoad) }
    }

    /// The same, from async code: GRDB runs the transaction on its writer queue, so the caller's
    /// thread stays free to parse the next batch.
    public func write(
        _ batch: WriteBatch, identity: any IdentityHook, queueDerive: Bool = false, onceInLoad: Bool = false
    ) async throws -> BatchOutcome {
        try await pool.write { db in try Self.apply(batch, db: db, identity: identity, queueDerive: queueDerive, onceInLoad: onceInLoad) }
    }

    private static func apply(
        _ batch: WriteBatch, db: Database, identity: any IdentityHook, queueDerive: Bool, onceInLoad: Bool
    ) throws -> BatchOutcome {
        let now = batch.fetchedAt.iso8601
        var writer = try BatchWriter(db: db, source: batch.source, now: now, identity: identity.begin(db, source: batch.source, now: now))
        let outcome = try writer.apply(batch)
        if queueDerive { try DeriveQueue.enqueue(outcome, onceInLoad: onceInLoad, db: db, at: now) }
        return outcome
    }

    /// Records a source-level or stream-level failure without touching its data.
    public func recordFailure(source: String, stream: String, error: String, at time: Timestamp) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sync_state (source, stream, status, last_run_at, last_error)
                    VALUES (?, ?, 'failed', ?, ?)
                    ON CONFLICT (source, stream) DO UPDATE SET
                      status = 'failed', last_run_at = excluded.last_run_at, last_error = excluded.last_error
                    """,
                arguments: [source, stream, time.iso8601, error])
        }
    }

    /// Marks a stream's pass as finished successfully (clears its last error).
    public func recordSuccess(source: String, streams: [String], at time: Timestamp) throws {
        try pool.write { db in
            for stream in streams {
                try db.execute(
                    sql: """
                        INSERT INTO sync_state (source, stream, status, last_run_at, last_success_at, last_error)
                        VALUES (?, ?, 'ok', ?, ?, NULL)
                        ON CONFLICT (source, stream) DO UPDATE SET
                          status = 'ok', last_run_at = excluded.last_run_at,
                          last_success_at = excluded.last_success_at, last_error = NULL
                        """,
                    arguments: [source, stream, time.iso8601, time.iso8601])
            }
        }
    }

    /// The cursor a stream committed last.
    public func cursor(source: String, stream: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT cursor FROM sync_state WHERE source = ? AND stream = ?", arguments: [source, stream])
        }
    }

    /// The stored progress of every file of a source.
    public func fileProgress(source: String) throws -> [String: FileProgress] {
        try pool.read { db in
            var out: [String: FileProgress] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT path, stream, size, modified_ns, head_hash, byte_offset, row_number, completed FROM file_progress WHERE source = ?",
                arguments: [source])
            for row in rows {
                let p = FileProgress(
                    path: row[0], stream: row[1], size: row[2], modifiedNanoseconds: row[3], headHash: row[4],
                    byteOffset: row[5], rowNumber: row[6], completed: row[7])
                out[p.path] = p
            }
            return out
        }
    }
}

/// The per-transaction write logic. Lives only inside `pool.write`.
struct BatchWriter {
    let db: Database
    let source: String
    let now: String
    let identity: any IdentityBatch
    /// What the batch changed in identity's input, handed to `identity.finish`.
    var changes = IdentityChanges()
    var outcome = BatchOutcome()
    /// Touchpoints wait until identity has resolved the batch, so each is written once, with its
    /// final person and account.
    private var pendingTouchpoints: [PendingTouchpoint] = []
    /// Items in the batch being applied: an activity batch pends a touchpoint per row.
    private var batchSize = 0
    /// Records with touchpoints in `pendingTouchpoints` (a second version in the same batch replaces them).
    private var pendingRecords: Set<String> = []
    /// Persons whose touchpoints the batch took out (their record was updated or deleted).
    private var removedTouchpointPersons: Set<String> = []
    private var tombstonesExist: Bool?
    private var orphansKnown: Bool?
    private var lifecyclesKnown: Bool?
    /// Records whose life the batch changed (an opportunity, or one of its history rows).
    private var touchedLifecycles: Set<String> = []
    /// Replayed records (reprocess) with what their live rows were before, compared at the end.
    var replayedBefore: [(stream: String, key: String, before: String)] = []
    /// `liveFingerprint`'s query, prepared on the first replayed record.
    var fingerprintQuery: HotStatement?
    /// What each updated record's previous version said about consent (for explicit opt-ins).
    private var previousConsent: [String: (consent: Bool?, since: String?, optIn: Bool?)] = [:]

    /// Keeps a version that does not become its record's current one (see `M0021`).
    private let keepRaw: HotStatement
    /// Headers of tabular rows already in `raw_columns` (a batch comes from one file or a few).
    private var columnIds: [String: Int64] = [:]
    private let claimRecord: HotStatement
    private let insertTouchpoint: HotStatement
    private let claimIdentifier: HotStatement
    private let insertPersonRecord: HotStatement
    /// The forgotten persons' identifiers; nil while nobody has been forgotten.
    private let suppression: SuppressionList?

    init(db: Database, source: String, now: String, identity: any IdentityBatch) throws {
        self.db = db
        self.source = source
        self.now = now
        self.identity = identity
        suppression = try SuppressionList.load(db)
        keepRaw = try HotStatement(db, sql: """
            INSERT OR IGNORE INTO raw_versions (source, stream, external_id, content_hash, payload, fetched_at, origin, columns_id)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE NOT EXISTS (
              SELECT 1 FROM source_records WHERE record_key = ?9 AND payload IS NOT NULL
                AND source = ?1 AND stream = ?2 AND external_id = ?3 AND content_hash = ?4)
            """)
        claimRecord = try HotStatement(db, sql: """
            INSERT INTO source_records (record_key, source, stream, external_id, version_at, content_hash, deleted,
              payload, columns_id, fetched_at, origin)
            VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (record_key) DO NOTHING
            """)
        claimIdentifier = try HotStatement(db, sql: "INSERT OR IGNORE INTO record_identifiers (record_key, kind, value) VALUES (?, ?, ?)")
        insertPersonRecord = try HotStatement(db, sql: """
            INSERT INTO person_records (record_key, person_id, source, version_at, email, first_name, last_name, title,
              company, phone, owner, consent_email, vendor_stage, score, account_id, created_at, consent_since, consent_opt_in,
              country, industry, employees, annual_revenue, sic_code)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insertTouchpoint = try HotStatement(db, sql: """
            INSERT OR REPLACE INTO touchpoints (touchpoint_id, person_id, account_id, occurred_at, channel, action, side,
              campaign, content, owner, value, source, stream, external_id, attributes, person_ref, campaign_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    mutating func apply(_ batch: WriteBatch) throws -> BatchOutcome {
        var counts: [String: StreamCounts] = [:]
        batchSize = batch.items.count
        for item in batch.items {
            switch item {
            case .quarantine(let q):
                counts[q.stream, default: StreamCounts()].read += 1
                // A bad row of a forgotten person is not kept either (reprocess's own entries
                // come from rows already in the store, which `forget` cleared).
                if q.replaces == nil, let suppression, try suppression.mentionsSuppressedEmail(q.payload) {
                    counts[q.stream, default: StreamCounts()].suppressed += 1
                    continue
                }
                counts[q.stream, default: StreamCounts()].quarantined += 1
                counts[q.stream, default: StreamCounts()].quarantinedByCode[q.reason.code, default: 0] += 1
                try quarantine(q)
            case .record(var r):
                counts[r.stream, default: StreamCounts()].read += 1
                if let suppression, try Self.suppress(&r.canonical, using: suppression, rules: identity.rules, db: db) {
                    if case .retried(let id) = r.delivery {
                        try db.cachedStatement(sql: "DELETE FROM quarantine WHERE quarantine_id = ?").execute(arguments: [id])
                    }
                    counts[r.stream, default: StreamCounts()].suppressed += 1
                    continue
                }
                let outcome: Outcome
                switch r.delivery {
                case .fetched: outcome = try applyRecord(r)
                case .replayed(let stored): outcome = try replayRecord(r, stored: stored)
                case .retried(let id):
                    try db.cachedStatement(sql: "DELETE FROM quarantine WHERE quarantine_id = ?").execute(arguments: [id])
                    outcome = try applyRecord(r)
                }
                switch outcome {
                case .replayed: break  // counted once the batch's rows are final (`countReplays`)
                case .new: counts[r.stream, default: StreamCounts()].new += 1
                case .updated: counts[r.stream, default: StreamCounts()].updated += 1
                case .unchanged: counts[r.stream, default: StreamCounts()].unchanged += 1
                case .deleted: counts[r.stream, default: StreamCounts()].deleted += 1
                }
            }
        }
        try finishIdentity()
        try writePendingTouchpoints()
        try settleLifecycles()
        try countReplays(into: &counts)
        if let progress = batch.replayProgress {
            try saveReplayProgress(progress)
            outcome.counts = counts
            return outcome
        }
        if let p = batch.fileProgress {
            try db.execute(
                sql: """
                    INSERT INTO file_progress (source, path, stream, size, modified_ns, head_hash, byte_offset, row_number, completed, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source, path) DO UPDATE SET
                      stream = excluded.stream, size = excluded.size, modified_ns = excluded.modified_ns,
                      head_hash = excluded.head_hash, byte_offset = excluded.byte_offset,
                      row_number = excluded.row_number, completed = excluded.completed, updated_at = excluded.updated_at
                    """,
                arguments: [source, p.path, p.stream, p.size, p.modifiedNanoseconds, p.headHash, p.byteOffset, p.rowNumber,
                            p.completed, now])
        }
        let streams = Set(counts.keys).union(batch.cursors.keys)
        for stream in streams.sorted() {
            let c = counts[stream] ?? StreamCounts()
            try db.execute(
                sql: """
                    INSERT INTO sync_state (source, stream, cursor, status, last_run_at, records_total, read_total, quarantined_total)
                    VALUES (?, ?, ?, 'running', ?, ?, ?, ?)
                    ON CONFLICT (source, stream) DO UPDATE SET
                      cursor = coalesce(excluded.cursor, sync_state.cursor),
                      status = 'running', last_run_at = excluded.last_run_at,
                      records_total = sync_state.records_total + excluded.records_total,
                      read_total = sync_state.read_total + excluded.read_total,
                      quarantined_total = sync_state.quarantined_total + excluded.quarantined_total
                    """,
                arguments: [source, stream, batch.cursors[stream], now, c.new + c.updated + c.deleted, c.read, c.quarantined])
        }
        outcome.counts = counts
        return outcome
    }

    /// Resolves what the batch touched exactly; what it changed joins the batch's outcome.
    private mutating func finishIdentity() throws {
        // References are settled once every record of the batch is in, so a touchpoint naming a
        // record of this same batch finds that record's person.
        for tp in pendingTouchpoints { try identity.reference(tp.facts.person, firstSeen: tp.facts.occurredText) }
        let resolved = try identity.finish(changes)
        outcome.persons.formUnion(resolved.persons)
        outcome.persons.formUnion(removedTouchpointPersons)
        outcome.persons.subtract(resolved.removedPersons)
        outcome.removedPersons = resolved.removedPersons
        outcome.accounts.formUnion(resolved.accounts)
        outcome.accounts.subtract(resolved.removedAccounts)
        outcome.removedAccounts = resolved.removedAccounts
        changes = IdentityChanges()
    }

    enum Outcome { case new, updated, unchanged, deleted, replayed }

    /// Takes out of `record` what concerns a forgotten person — touchpoints naming them, deletes
    /// of their records — and returns true when the record is about them altogether (its key, its
    /// own identifiers, or nothing left once theirs are gone): then nothing of it is stored, and
    /// what it reveals of the person joins the suppression list.
    static func suppress(_ record: inout CanonicalRecord, using list: SuppressionList, rules: IdentityRules, db: Database) throws -> Bool {
        let key = record.key.description
        var own = record.identifiers + record.mergedAliases
        if let email = record.person?.email.flatMap({ Identifier.normalized(kind: .email, raw: $0) }) { own.append(email) }
        var request = try list.request(forgettingRecord: key)
        for id in own where request == nil { request = try list.request(forgetting: id) }
        if let request {
            try list.reveal(own.filter(rules.links), recordKey: key, request: request, db: db)
            return true
        }
        let touchpoints = try record.touchpoints.filter { try !$0.person.contains(where: list.contains) }
        let tombstones = try record.tombstones.filter {
            try !list.contains(recordKey: $0.target.description) && !$0.identifiers.contains(where: list.contains)
        }
        guard touchpoints.count < record.touchpoints.count || tombstones.count < record.tombstones.count else { return false }
        record.touchpoints = touchpoints
        record.tombstones = tombstones
        return touchpoints.isEmpty && tombstones.isEmpty && record.identifiers.isEmpty && record.person == nil
            && record.account == nil && record.opportunity == nil && record.campaign == nil
    }

    /// The `raw_columns` row of a header, added the first time it is seen.
    private mutating func columnsId(_ names: String) throws -> Int64 {
        if let id = columnIds[names] { return id }
        try db.cachedStatement(sql: "INSERT INTO raw_columns (names) VALUES (?) ON CONFLICT (names) DO NOTHING").execute(arguments: [names])
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT columns_id FROM raw_columns WHERE names = ?"), arguments: [names]) else {
            throw DatabaseError(message: "raw_columns lost the header it was just given")
        }
        columnIds[names] = id
        return id
    }

    // MARK: Records

    private mutating func applyRecord(_ r: IncomingRecord) throws -> Outcome {
        let record = r.canonical
        let key = record.key.description
        let version = record.versionText
        let tombstoneAt = try tombstoneTime(key)

        // The common case, a record never seen before: claim its key, with its raw version, in one statement.
        if tombstoneAt == nil, record.tombstones.isEmpty {
            let raw = try rawForm(r)
            claimRecord.text(1, key)
            claimRecord.text(2, source)
            claimRecord.text(3, r.stream)
            claimRecord.text(4, r.externalId)
            claimRecord.text(5, version)
            claimRecord.text(6, r.contentHash)
            claimRecord.text(7, raw.payload)
            claimRecord.int(8, raw.columnsId)
            claimRecord.text(9, now)
            claimRecord.text(10, r.origin)
            if try claimRecord.run() == 1 {
                try insertCanonical(record, key: key, stream: r.stream, externalId: r.externalId)
                return .new
            }
        }
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT version_at, deleted, content_hash,
                  payload IS NOT NULL AND source = ? AND stream = ? AND external_id = ? AND content_hash = ?
                FROM source_records WHERE record_key = ?
                """),
            arguments: [source, r.stream, r.externalId, r.contentHash, key])
        let existingVersion: String? = existing?[0]
        let existingDeleted: Bool = existing?[1] ?? false

        // An identical re-fetch stores nothing and changes nothing. A quarantined input retried
        // by reprocess may have its text in the raw zone already (a record today's mapping took
        // out): it is applied all the same.
        if r.delivery == .fetched {
            let isCurrent: Bool = existing?[3] ?? false
            if try isCurrent || isKept(r) { return .unchanged }
        }

        // Deletes carried for other records (a Marketo "Delete Lead" activity) apply whatever this
        // record's own fate.
        for t in record.tombstones where t.target != record.key {
            try applyTombstone(t, stream: t.target.object)
        }

        if let own = record.tombstones.first(where: { $0.target == record.key }) {
            // An older delete than the live version (a restore happened since) is history, not news.
            if let existingVersion, let at = own.deletedAt?.iso8601, at < existingVersion, !existingDeleted {
                try keepAsHistory(r, key: key)
                try accumulateIdentifiers(record.identifiers, key: key)
                return .unchanged
            }
            // A merged-away record's ids stay as aliases of the survivor; a deleted one's stop linking.
            try applyTombstone(own, stream: r.stream, releaseIdentifiers: record.mergedAliases.isEmpty)
            try upsertSourceRecord(key: key, r: r, version: version ?? own.deletedAt?.iso8601, deleted: true)
            try recordAliases(record.mergedAliases, key: key)
            try accumulateIdentifiers(record.identifiers, key: key)
            return .deleted
        }

        if let tombstoneAt {
            // A re-export of a snapshot older than the delete must not bring the record back.
            guard let version, version > tombstoneAt else {
                try keepAsHistory(r, key: key)
                try accumulateIdentifiers(record.identifiers, key: key)
                return .unchanged
            }
            try db.cachedStatement(sql: "DELETE FROM deleted_records WHERE record_key = ?").execute(arguments: [key])
            changes.records.insert(key)
        }
        if let existing {
            if let existingVersion, let version, version < existingVersion {
                try keepAsHistory(r, key: key)
                try accumulateIdentifiers(record.identifiers, key: key)
                return .unchanged
            }
            // The same version read through another transport (REST and a Bulk file): the fuller
            // copy stands, whichever came first, so a poorer copy never erases what it said.
            if let existingVersion, version == existingVersion, !existingDeleted,
                try !EqualVersions.prefersIncoming(r, over: existing[2], key: key, db: db)
            {
                try keepAsHistory(r, key: key)
                try accumulateIdentifiers(record.identifiers, key: key)
                return .unchanged
            }
            try removeLiveRows(key: key)
        }
        try upsertSourceRecord(key: key, r: r, version: version, deleted: false)
        if tombstoneAt != nil {
            // Restored: everything it was known by is claimed again. After the upsert, because a
            // record deleted before it was ever fetched has no `source_records` row until now.
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO record_identifiers (record_key, kind, value) SELECT record_key, kind, value FROM released_identifiers WHERE record_key = ?"
            ).execute(arguments: [key])
            try db.cachedStatement(sql: "DELETE FROM released_identifiers WHERE record_key = ?").execute(arguments: [key])
        }
        try insertCanonical(record, key: key, stream: r.stream, externalId: r.externalId)
        return existing == nil ? .new : .updated
    }

    /// Makes `r` its record's current version. The version it replaces joins `raw_versions`;
    /// `r`'s own text leaves it if it was kept there before (a record that went A → B → A, or a
    /// store from before 0021), with when and where it was first fetched, so every distinct
    /// version stays kept exactly once.
    mutating func upsertSourceRecord(key: String, r: IncomingRecord, version: String?, deleted: Bool, firstFetch: FirstFetch? = nil) throws {
        let identity: StatementArguments = [source, r.stream, r.externalId, r.contentHash]
        let isCurrent = try Bool.fetchOne(
            db.cachedStatement(sql: """
                SELECT payload IS NOT NULL AND source = ? AND stream = ? AND external_id = ? AND content_hash = ?
                FROM source_records WHERE record_key = ?
                """),
            arguments: identity + [key]) ?? false
        if isCurrent {
            try db.cachedStatement(sql: "UPDATE source_records SET version_at = ?, deleted = ? WHERE record_key = ?")
                .execute(arguments: [version, deleted, key])
            return
        }
        try retireCurrentVersion(key)
        let earlier = try Row.fetchOne(
            db.cachedStatement(sql: """
                DELETE FROM raw_versions WHERE source = ? AND stream = ? AND external_id = ? AND content_hash = ?
                RETURNING fetched_at, origin
                """),
            arguments: identity).flatMap(FirstFetch.init(row:)) ?? firstFetch
        let raw = try rawForm(r)
        try db.cachedStatement(
            sql: """
                INSERT INTO source_records (record_key, source, stream, external_id, version_at, content_hash, deleted,
                  payload, columns_id, fetched_at, origin)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (record_key) DO UPDATE SET
                  source = excluded.source, stream = excluded.stream, external_id = excluded.external_id,
                  version_at = excluded.version_at, content_hash = excluded.content_hash, deleted = excluded.deleted,
                  payload = excluded.payload, columns_id = excluded.columns_id, fetched_at = excluded.fetched_at,
                  origin = excluded.origin
                """
        ).execute(arguments: [
            key, source, r.stream, r.externalId, version, r.contentHash, deleted, raw.payload, raw.columnsId,
            earlier?.at ?? now, earlier.map(\.origin) ?? r.origin,
        ])
    }

    /// When and where a raw version was first fetched, which it keeps wherever it is kept.
    struct FirstFetch {
        var at: String
        var origin: String?

        /// From a `fetched_at, origin` row (nil when the row has no fetch time).
        init?(row: Row) {
            guard let at = row[0] as String? else { return nil }
            self.at = at
            origin = row[1]
        }
    }

    /// Moves a record's current raw version into `raw_versions` (the record is about to get
    /// another, or its version now belongs to another key).
    func retireCurrentVersion(_ key: String) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO raw_versions (source, stream, external_id, content_hash, payload, fetched_at, origin, columns_id)
                SELECT source, stream, external_id, content_hash, payload, fetched_at, origin, columns_id FROM source_records
                WHERE record_key = ? AND payload IS NOT NULL
                """
        ).execute(arguments: [key])
        try clearCurrentVersion(key)
    }

    /// Empties a record's raw-version columns (its version is now kept elsewhere).
    func clearCurrentVersion(_ key: String) throws {
        try db.cachedStatement(sql: "UPDATE source_records SET payload = NULL, columns_id = NULL, fetched_at = NULL, origin = NULL WHERE record_key = ?")
            .execute(arguments: [key])
    }

    /// Keeps a version that does not become its record's current one (an older version arriving
    /// late, the poorer copy of two transports, a delete older than the live version).
    private mutating func keepAsHistory(_ r: IncomingRecord, key: String) throws {
        let raw = try rawForm(r)
        keepRaw.text(1, source)
        keepRaw.text(2, r.stream)
        keepRaw.text(3, r.externalId)
        keepRaw.text(4, r.contentHash)
        keepRaw.text(5, raw.payload)
        keepRaw.text(6, now)
        keepRaw.text(7, r.origin)
        keepRaw.int(8, raw.columnsId)
        keepRaw.text(9, key)
        _ = try keepRaw.run()
    }

    /// Whether `raw_versions` holds this very version (it was kept before, not as current).
    private func isKept(_ r: IncomingRecord) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM raw_versions WHERE source = ? AND stream = ? AND external_id = ? AND content_hash = ?)
                """),
            arguments: [source, r.stream, r.externalId, r.contentHash]) ?? false
    }

    /// A version as the raw zone keeps it: a tabular row's values under its header, else the text.
    private mutating func rawForm(_ r: IncomingRecord) throws -> (payload: String, columnsId: Int64?) {
        if let tabular = r.tabular { return (tabular.values, try columnsId(tabular.columns)) }
        return (r.payload, nil)
    }

    /// When the record was deleted, if it was. Most stores have few tombstones, so an empty
    /// table is remembered and the per-record lookup skipped.
    mutating func tombstoneTime(_ key: String) throws -> String? {
        if tombstonesExist == nil {
            tombstonesExist = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM deleted_records)") ?? true
        }
        guard tombstonesExist == true else { return nil }
        return try String.fetchOne(
            db.cachedStatement(sql: "SELECT deleted_at FROM deleted_records WHERE record_key = ?"), arguments: [key])
    }

    /// An older version, or the delete itself, still tells what a record was known by: its
    /// identifiers join the record's claims (or, once deleted, its released identifiers, or once
    /// merged away, its aliases), so the result never depends on the order versions arrive in.
    mutating func accumulateIdentifiers(_ ids: [Identifier], key: String) throws {
        guard !ids.isEmpty else { return }
        let table: String
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM person_records WHERE record_key = ?)"), arguments: [key]) == true {
            table = "record_identifiers (record_key, kind, value) VALUES (?, ?, ?)"
        } else if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM identity_aliases WHERE record_key = ?)"), arguments: [key]) == true {
            table = "identity_aliases (record_key, kind, value) VALUES (?, ?, ?)"
        } else if try tombstoneTime(key) != nil {
            table = "released_identifiers (record_key, kind, value, released_at) VALUES (?, ?, ?, '\(now)')"
        } else {
            return
        }
        for id in ids {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO \(table)").execute(arguments: [key, id.kind.rawValue, id.value])
        }
        changes.records.insert(key)
    }

    /// Identifiers a source says are one person with this record (a merge survivor's absorbed
    /// ids, or a merged-away record's own id and its master's): links no guard refuses.
    mutating func recordAliases(_ aliases: [Identifier], key: String) throws {
        guard !aliases.isEmpty else { return }
        let had = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM identity_aliases WHERE record_key = ?)"), arguments: [key]) ?? false
        for id in aliases {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO identity_aliases (record_key, kind, value) VALUES (?, ?, ?)")
                .execute(arguments: [key, id.kind.rawValue, id.value])
        }
        if !had { changes.newAliases.insert(key) }
        changes.records.insert(key)
    }

    mutating func applyTombstone(_ t: Tombstone, stream: String, releaseIdentifiers: Bool = true) throws {
        tombstonesExist = true
        let key = t.target.description
        let at = t.deletedAt?.iso8601 ?? now
        try db.cachedStatement(
            sql: """
                INSERT INTO deleted_records (record_key, source, stream, external_id, deleted_at, reason)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (record_key) DO UPDATE SET
                  deleted_at = max(deleted_records.deleted_at, excluded.deleted_at), reason = excluded.reason
                """
        ).execute(arguments: [key, source, stream, t.target.externalId, at, t.reason])
        let liveVersion = try String.fetchOne(
            db.cachedStatement(sql: "SELECT version_at FROM source_records WHERE record_key = ? AND deleted = 0"), arguments: [key])
        if let liveVersion, liveVersion > at {
            return  // the live version is newer than the delete (restored since): keep it
        }
        try removeLiveRows(key: key)
        try db.cachedStatement(sql: "UPDATE source_records SET deleted = 1 WHERE record_key = ?").execute(arguments: [key])
        if releaseIdentifiers {
            // A deleted record's identifiers stop linking (unless another live record claims
            // them); the resolver at the end of the batch retires a person left with no live record.
            try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO released_identifiers (kind, value, record_key, released_at)
                    SELECT kind, value, record_key, ? FROM record_identifiers WHERE record_key = ?
                    """
            ).execute(arguments: [now, key])
            // What the delete itself says the record was known by (a lead only its activities named).
            for id in t.identifiers {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO released_identifiers (kind, value, record_key, released_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [id.kind.rawValue, id.value, key, now])
            }
            try db.cachedStatement(sql: "DELETE FROM identity_aliases WHERE record_key = ?").execute(arguments: [key])
        } else {
            // Merged away: everything it was known by now names the survivor.
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO identity_aliases (record_key, kind, value) SELECT record_key, kind, value FROM record_identifiers WHERE record_key = ?"
            ).execute(arguments: [key])
        }
        try db.cachedStatement(sql: "DELETE FROM record_identifiers WHERE record_key = ?").execute(arguments: [key])
        changes.records.insert(key)
    }

    /// Removes what a record contributed to the live tables (its raw versions stay). An update
    /// keeps the identifiers earlier versions claimed: a changed email still names the person.
    mutating func removeLiveRows(key: String) throws {
        if pendingRecords.remove(key) != nil {
            pendingTouchpoints.removeAll { $0.record == key }
        }
        if let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT person_id, consent_email, consent_since, consent_opt_in FROM person_records WHERE record_key = ?"),
            arguments: [key])
        {
            let person: String = row[0]
            changes.persons.insert(person)
            changes.records.insert(key)
            if changes.previousPerson[key] == nil, !changes.newRecords.contains(key) { changes.previousPerson[key] = person }
            previousConsent[key] = (row[1], row[2], row[3])
        }
        // A record's touchpoints are keyed by it: `key` alone, or `key#suffix` for several.
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                DELETE FROM touchpoints WHERE touchpoint_id = ? OR (touchpoint_id >= ? AND touchpoint_id < ?)
                RETURNING touchpoint_id, person_id, account_id, action
                """),
            arguments: [key, key + "#", key + "$"])
        {
            outcome.touchpointsRemoved.insert(row[0])
            let person: String? = row[1]
            if let person {
                removedTouchpointPersons.insert(person)
                // A person only touchpoints named may have lost the last of them: resolved again.
                changes.persons.insert(person)
            }
            if let account: String = row[2], Self.concernsAccount(action: row[3], person: person) { outcome.accounts.insert(account) }
        }
        if orphansKnown == nil { orphansKnown = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM orphan_touchpoints)") ?? true }
        if orphansKnown == true {
            try db.cachedStatement(sql: "DELETE FROM orphan_touchpoints WHERE touchpoint_id = ? OR (touchpoint_id >= ? AND touchpoint_id < ?)")
                .execute(arguments: [key, key + "#", key + "$"])
        }
        if lifecyclesKnown == nil { lifecyclesKnown = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM lifecycle_steps)") ?? true }
        if lifecyclesKnown == true {
            for subject in try String.fetchAll(
                db.cachedStatement(sql: """
                    DELETE FROM lifecycle_steps WHERE touchpoint_id = ? OR (touchpoint_id >= ? AND touchpoint_id < ?)
                    RETURNING record_key
                    """),
                arguments: [key, key + "#", key + "$"])
            {
                touchedLifecycles.insert(subject)
            }
        }
        if try Bool.fetchOne(db.cachedStatement(sql: "DELETE FROM campaigns WHERE campaign_id = ? RETURNING 1"), arguments: [key]) != nil {
            // The campaign is gone: its members' touchpoints name it by its id again.
            try renameCampaign(key: key, to: nil)
        }
        try db.cachedStatement(sql: "DELETE FROM person_records WHERE record_key = ?").execute(arguments: [key])
        if let account = try String.fetchOne(
            db.cachedStatement(sql: "SELECT account_id FROM account_records WHERE record_key = ?"), arguments: [key])
        {
            try db.cachedStatement(sql: "DELETE FROM account_records WHERE record_key = ?").execute(arguments: [key])
            changes.accounts.insert(account)
        }
        for account in try String?.fetchAll(
            db.cachedStatement(sql: "DELETE FROM opportunities WHERE opportunity_id = ? RETURNING account_id"), arguments: [key])
        {
            if let account { outcome.accounts.insert(account) }
            touchedLifecycles.insert(key)
        }
    }

    /// Whether a touchpoint changes its account as a whole (a deal event, or a touch of the company
    /// with no person), rather than only the person who made it: derived data of every person of
    /// the account is recomputed for the former, of that person alone for the latter.
    static func concernsAccount(action: String, person: String?) -> Bool {
        person == nil || action.hasPrefix("opportunity.")
    }

    /// Shows a campaign's name (nil: its id, the campaign being gone) in every touchpoint that
    /// points at it, live or parked.
    private func renameCampaign(key: String, to name: String?) throws {
        let externalId = RecordKey(encoded: key)?.externalId ?? key
        for table in ["touchpoints", "orphan_touchpoints"] {
            try db.cachedStatement(sql: "UPDATE \(table) SET campaign = ? WHERE campaign_id = ? AND campaign IS NOT ?")
                .execute(arguments: [name ?? externalId, key, name ?? externalId])
        }
    }

    /// Settles the life of every record the batch touched, from everything the store now holds
    /// about it, so the result does not depend on the order its rows arrived in: the earliest
    /// history row shows the creation, the others their own action; a stand-in creation leaves
    /// once history is known; history rows take the account of the opportunity they belong to.
    private mutating func settleLifecycles() throws {
        for subject in touchedLifecycles.sorted() {
            let first = try String.fetchOne(
                db.cachedStatement(sql: """
                    SELECT s.touchpoint_id FROM lifecycle_steps s JOIN touchpoints t ON t.touchpoint_id = s.touchpoint_id
                    WHERE s.record_key = ? AND s.role = 'history' ORDER BY t.occurred_at, t.touchpoint_id LIMIT 1
                    """),
                arguments: [subject])
            guard let first else { continue }
            try db.cachedStatement(sql: """
                UPDATE touchpoints SET action = (
                  SELECT CASE WHEN s.touchpoint_id = ?1 THEN s.first_action ELSE s.natural_action END
                  FROM lifecycle_steps s WHERE s.touchpoint_id = touchpoints.touchpoint_id)
                WHERE touchpoint_id IN (SELECT touchpoint_id FROM lifecycle_steps WHERE record_key = ?2 AND role = 'history')
                """).execute(arguments: [first, subject])
            for row in try Row.fetchAll(
                db.cachedStatement(sql: """
                    DELETE FROM touchpoints WHERE touchpoint_id IN (SELECT touchpoint_id FROM lifecycle_steps WHERE record_key = ? AND role = 'creation')
                    RETURNING touchpoint_id, account_id
                    """),
                arguments: [subject])
            {
                outcome.touchpointsRemoved.insert(row[0])
                outcome.touchpointsAdded.remove(row[0])
                if let account: String = row[1] { outcome.accounts.insert(account) }
            }
            if let account = try String.fetchOne(
                db.cachedStatement(sql: "SELECT account_id FROM opportunities WHERE opportunity_id = ?"), arguments: [subject])
            {
                try db.cachedStatement(sql: """
                    UPDATE touchpoints SET account_id = ?1
                    WHERE account_id IS NOT ?1 AND touchpoint_id IN (SELECT touchpoint_id FROM lifecycle_steps WHERE record_key = ?2 AND role = 'history')
                    """).execute(arguments: [account, subject])
                outcome.accounts.insert(account)
            }
        }
        touchedLifecycles.removeAll()
    }

    mutating func insertCanonical(_ record: CanonicalRecord, key: String, stream: String, externalId: String) throws {
        let version = record.versionText
        var accountId: String?
        if let account = record.account {
            accountId = try identity.account(ofCompanyRecord: account, key: key, version: version)
        }
        if !record.identifiers.isEmpty || record.person != nil {
            let firstSeen = record.person?.createdAt?.iso8601 ?? version ?? now
            if changes.previousPerson[key] == nil { changes.newRecords.insert(key) }
            let personId = try identity.person(forRecord: key, identifiers: record.identifiers + record.mergedAliases, firstSeen: firstSeen)
            changes.records.insert(key)
            // A live record listing records its system merged into it links them even though they
            // are records of the same object (the source said they are one person).
            try recordAliases(record.mergedAliases, key: key)
            for id in record.identifiers {
                claimIdentifier.text(1, key); claimIdentifier.text(2, id.kind.rawValue); claimIdentifier.text(3, id.value)
                try claimIdentifier.run()
            }
            let facts = record.person ?? PersonFacts()
            var personAccount: String?
            if let ref = facts.account { personAccount = try identity.account(named: ref, firstSeen: firstSeen) }
            // When this record's consent took its current value; a no that became a yes is an
            // explicit opt-in, which alone lifts an opt-out.
            var consentSince = version ?? now
            var optIn = false
            if let before = previousConsent[key], let consent = facts.consentEmail {
                if before.consent == consent {
                    consentSince = before.since ?? consentSince
                    optIn = before.optIn ?? false
                } else {
                    optIn = before.consent == false && consent
                }
            }
            let p = insertPersonRecord, firm = facts.firmographics
            p.text(1, key); p.text(2, personId); p.text(3, source); p.text(4, version); p.text(5, facts.email)
            p.text(6, facts.firstName); p.text(7, facts.lastName); p.text(8, facts.title); p.text(9, facts.company)
            p.text(10, facts.phone); p.text(11, facts.owner); p.bool(12, facts.consentEmail); p.text(13, facts.vendorStage)
            p.double(14, facts.score); p.text(15, personAccount); p.text(16, facts.createdAt?.iso8601)
            p.text(17, facts.consentEmail == nil ? nil : consentSince); p.bool(18, facts.consentEmail == nil ? nil : optIn)
            p.text(19, facts.country ?? firm.country); p.text(20, firm.industry); p.int(21, firm.employees.map(Int64.init))
            p.double(22, firm.annualRevenue); p.text(23, firm.sicCode)
            try p.run()
        }
        if let opp = record.opportunity {
            var oppAccount: String?
            if let ref = opp.account { oppAccount = try identity.account(named: ref, firstSeen: version ?? now) }
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO opportunities (opportunity_id, account_id, name, stage, amount, currency, close_date,
                      is_won, is_closed, source, external_id, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                key, oppAccount ?? accountId, opp.name, opp.stage, opp.amount, opp.currency, opp.closeDate, opp.isWon,
                opp.isClosed, source, externalId, version,
            ])
            if let account = oppAccount ?? accountId { outcome.accounts.insert(account) }
        }
        if let campaign = record.campaign {
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO campaigns (campaign_id, name, type, status, start_date, end_date, parent_id, source,
                      external_id, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                key, campaign.name, campaign.type, campaign.status, campaign.startDate, campaign.endDate,
                campaign.parent.map { RecordKey(system: record.key.system, object: record.key.object, externalId: $0).description },
                source, externalId, version,
            ])
            try renameCampaign(key: key, to: campaign.name)
        }
        if !record.touchpoints.isEmpty, pendingTouchpoints.capacity == 0 {
            // Sized for the batch at its first touchpoint, not doubling its way there (a copy of
            // every pending touchpoint at each doubling); a batch without any reserves nothing.
            pendingTouchpoints.reserveCapacity(batchSize)
            pendingRecords.reserveCapacity(batchSize)
        }
        for tp in record.touchpoints {
            let occurred = tp.occurredText
            // The account a touchpoint names is created now, so the batch's account pass sees it.
            if let ref = tp.account { _ = try identity.account(named: ref, firstSeen: occurred) }
            pendingTouchpoints.append(PendingTouchpoint(
                id: tp.suffix.isEmpty ? key : "\(key)#\(tp.suffix)", record: key, facts: tp, stream: stream,
                externalId: externalId))
            pendingRecords.insert(key)
        }
    }

    /// A touchpoint of the batch, written once identity has resolved the batch.
    private struct PendingTouchpoint {
        var id: String
        var record: String
        var facts: TouchpointFacts
        var stream: String
        var externalId: String
    }

    /// Writes the batch's touchpoints with their final person and account: the account the source
    /// named, else the person's.
    private mutating func writePendingTouchpoints() throws {
        // Campaign names as the batch left them (its campaign records are applied by now); a
        // backfill's touchpoints name a few campaigns many times.
        var campaignNames: [String: String?] = [:]
        let campaignName = try HotStatement(db, sql: "SELECT name FROM campaigns WHERE campaign_id = ?")
        // A backfill's batch adds thousands: grown once, not doubling its way there.
        outcome.touchpointsAdded.reserveCapacity(outcome.touchpointsAdded.count + pendingTouchpoints.count)
        for pending in pendingTouchpoints {
            let tp = pending.facts
            let campaignId = tp.campaignRecord?.description
            var campaign = tp.campaign
            if let campaignId {
                let name: String?
                if let known = campaignNames[campaignId] {
                    name = known
                } else {
                    campaignName.text(1, campaignId)
                    name = try campaignName.first { campaignName.string(0) } ?? nil
                    campaignNames[campaignId] = .some(name)
                }
                if let name { campaign = name }
            }
            if let step = tp.lifecycle {
                try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO lifecycle_steps (touchpoint_id, record_key, role, natural_action, first_action)
                    VALUES (?, ?, ?, ?, ?)
                    """).execute(arguments: [pending.id, step.record.description, step.role.rawValue, tp.action.rawValue, step.firstAction.rawValue])
                lifecyclesKnown = true
                touchedLifecycles.insert(step.record.description)
            }
            var personId: String?
            switch try identity.owner(ofTouchpoint: tp.person) {
            case .person(let p): personId = p
            case .nobody: break
            case .deleted(let ref):
                // Its person is gone: it waits out of the live tables until a record claims `ref`.
                try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO orphan_touchpoints (kind, value, \(ParkedTouchpoints.columns))
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [
                        ref.kind.rawValue, ref.value, pending.id, try tp.account.map { try identity.account(named: $0, firstSeen: pending.facts.occurredText) },
                        pending.facts.occurredText, tp.channel.rawValue, tp.action.rawValue, tp.side.rawValue, campaign, tp.content, tp.owner,
                        tp.value, source, pending.stream, pending.externalId, tp.attributes, tp.personText, campaignId,
                    ])
                orphansKnown = true
                outcome.touchpointsParked.insert(pending.id)
                continue
            }
            var account: String?
            if let ref = tp.account { account = try identity.account(named: ref, firstSeen: pending.facts.occurredText) }
            if account == nil, let personId { account = try identity.account(ofPerson: personId) }
            let t = insertTouchpoint
            t.text(1, pending.id); t.text(2, personId); t.text(3, account); t.text(4, pending.facts.occurredText); t.text(5, tp.channel.rawValue)
            t.text(6, tp.action.rawValue); t.text(7, tp.side.rawValue); t.text(8, campaign); t.text(9, tp.content)
            t.text(10, tp.owner); t.double(11, tp.value); t.text(12, source); t.text(13, pending.stream); t.text(14, pending.externalId)
            t.text(15, tp.attributes); t.text(16, tp.personText); t.text(17, campaignId)
            try t.run()
            outcome.touchpointsAdded.insert(pending.id)
            if let personId { outcome.persons.insert(personId) }
            if let account, Self.concernsAccount(action: tp.action.rawValue, person: personId) { outcome.accounts.insert(account) }
        }
        pendingTouchpoints.removeAll()
        pendingRecords.removeAll()
    }

    func insertQuarantine(_ q: QuarantinedInput) throws {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO quarantine (source, stream, external_id, reason, reason_code, payload, seen_at, origin, payload_hash, position)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            source, q.stream, q.externalId, q.reason.detail, q.reason.code.rawValue, q.payload, now, q.origin, ContentHash.hex(q.payload),
            q.position,
        ])
    }
}
