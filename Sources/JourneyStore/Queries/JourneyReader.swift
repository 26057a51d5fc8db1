import Foundation
package import GRDB
import JourneyModel

/// Read-only access to a journey store: the reports and the read-only SQL that every read
/// surface (the CLI, the HTTP API) serves, as plain value types.
///
/// It owns one read-only SQLite connection; GRDB stays private so the surfaces never write SQL
/// of their own and the connection strategy (one queue, later a pool) can change behind it.
public final class JourneyReader: Sendable {
    /// The store file this reader was opened on, for messages.
    public let path: String
    let db: any DatabaseReader

    /// Opens an existing store for reading only: SQLite refuses every write on this connection.
    public init(path: String) throws {
        db = try Self.openReadOnly(path: path)
        self.path = path
    }

    /// Opens an existing store for reading only with up to `connections` read-only connections
    /// used at once, for a surface that serves many readers (the HTTP API): a long query then
    /// holds one connection, not the whole reader.
    public init(path: String, connections: Int) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.cannotOpen(path: path, reason: "no store at this path yet (run `journeylake ingest` first)")
        }
        var config = Self.readOnlyConfiguration
        config.maximumReaderCount = max(1, connections)
        do {
            db = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        self.path = path
    }

    private static var readOnlyConfiguration: Configuration {
        var config = Configuration()
        config.readonly = true
        // The daemon's batches are short; waiting out one beats failing a report.
        config.busyMode = .timeout(10)
        return config
    }

    /// A connection on which SQLite refuses every write, for the read surfaces (this reader,
    /// the Insights reports): an error names the path when there is no store there yet.
    package static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.cannotOpen(path: path, reason: "no store at this path yet (run `journeylake ingest` first)")
        }
        do {
            return try DatabaseQueue(path: path, configuration: readOnlyConfiguration)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    // MARK: Persons

    /// The id of the person an email (any case), a person id or any identifier value names, if any.
    public func findPerson(matching who: String) throws -> String? {
        try read { try Self.personId(matching: who, in: $0) }
    }

    /// One person's journey; throws `QueryError.noPersonFound` when nobody matches `who`.
    public func journey(matching who: String) throws -> PersonJourney {
        try read { db in
            guard let personId = try Self.personId(matching: who, in: db),
                  let person = try Row.fetchOne(db, sql: Self.personSQL + " WHERE p.person_id = ?", arguments: [personId])
                      .map(PersonSummary.init(row:))
            else { throw QueryError.noPersonFound(who: who, store: path) }
            let identifiers = try Row.fetchAll(
                db, sql: "SELECT kind, value, source FROM identifiers WHERE person_id = ? ORDER BY kind, value", arguments: [personId]
            ).map { PersonIdentifier(kind: $0[0], value: $0[1], source: $0[2]) }
            let timeline = try Row.fetchAll(db, sql: """
                SELECT touchpoint_id, occurred_at, side, channel, action, campaign, content, source
                FROM touchpoints WHERE person_id = ? ORDER BY occurred_at, touchpoint_id
                """, arguments: [personId]
            ).map { TimelineEntry(touchpointId: $0[0], occurredAt: $0[1], side: $0[2], channel: $0[3], action: $0[4],
                                  campaign: $0[5], content: $0[6], source: $0[7]) }
            let links = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM person_merges WHERE undone_at IS NULL
                  AND record_key IN (SELECT record_key FROM person_records WHERE person_id = ?)
                """, arguments: [personId]) ?? 0
            return PersonJourney(person: person, identifiers: identifiers, timeline: timeline, activeLinks: links)
        }
    }

    /// The one lookup rule every surface uses: a person id as is, else an identifier in the forms
    /// the store keeps them (a normalized email, an 18-character Salesforce id, the value as
    /// typed), most specific first; a value several kinds share resolves by kind order.
    package static func personId(matching who: String, in db: Database) throws -> String? {
        let typed = who.trimmingCharacters(in: .whitespacesAndNewlines)
        if let id = try String.fetchOne(db, sql: "SELECT person_id FROM persons WHERE person_id = ?", arguments: [typed]) { return id }
        let forms = [Identifier.normalized(kind: .email, raw: typed)?.value, SalesforceID.normalize(typed), typed].compactMap { $0 }
        for value in forms {
            if let id = try String.fetchOne(
                db, sql: "SELECT person_id FROM identifiers WHERE value = ? ORDER BY kind LIMIT 1", arguments: [value]) { return id }
        }
        return nil
    }

    // MARK: Identity

    /// The `journeylake forget` audit log, newest first.
    public func forgetLog() throws -> [ForgetRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT forget_id, forgotten_at, mode, reason, persons, identifiers, records, raw_versions, touchpoints_removed,
                  touchpoints_anonymised, derived_rows, quarantine_rows, identity_log_rows
                FROM forget_log ORDER BY forget_id DESC
                """).map { row in
                var r = ForgetRecord(forgetId: row[0], forgottenAt: row[1], mode: row[2], reason: row[3], persons: row[4])
                (r.identifiers, r.records, r.rawVersions, r.touchpointsRemoved) = (row[5], row[6], row[7], row[8])
                (r.touchpointsAnonymised, r.derivedRows, r.quarantineRows, r.identityLogRows) = (row[9], row[10], row[11], row[12])
                return r
            }
        }
    }

    /// The merge log, newest first; with `who`, only merges whose records now belong to that
    /// person or that merged into them (throws `QueryError.noPersonFound` when nobody matches).
    public func mergeLog(personMatching who: String? = nil) throws -> [PersonMerge] {
        try read { db in
            var filter = ""
            var arguments: StatementArguments = []
            if let who {
                guard let id = try Self.personId(matching: who, in: db) else { throw QueryError.noPersonFound(who: who, store: path) }
                filter = "WHERE m.record_key IN (SELECT record_key FROM person_records WHERE person_id = ?) OR m.into_person = ?"
                arguments = [id, id]
            }
            return try Row.fetchAll(db, sql: """
                SELECT m.merge_id, m.merged_at, m.via_kind, m.via_value, m.record_key, m.reason, m.merged_person, m.into_person,
                       (SELECT person_id FROM person_records WHERE record_key = m.record_key), m.undone_at
                FROM person_merges m \(filter) ORDER BY m.merge_id DESC
                """, arguments: arguments
            ).map { r in
                PersonMerge(mergeId: r[0], mergedAt: r[1], viaKind: r[2], viaValue: r[3], becauseOf: r[4], reason: r[5],
                            mergedPerson: r[6], intoPerson: r[7], personNow: r[8], undoneAt: r[9])
            }
        }
    }

    /// Identifiers refused as links, oldest first, with the person holding each now.
    public func identityConflicts() throws -> [IdentityConflict] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.kind, c.value, c.record_key, c.existing_record, i.person_id, c.detected_at
                FROM identity_conflicts c LEFT JOIN identifiers i ON i.kind = c.kind AND i.value = c.value
                ORDER BY c.detected_at, c.kind, c.value, c.record_key
                """
            ).map { IdentityConflict(kind: $0[0], value: $0[1], refusedFor: $0[2], alreadyOn: $0[3], heldBy: $0[4], detectedAt: $0[5]) }
        }
    }

    // MARK: Sources

    /// Every stream's progress, by source, each source's own row (`*`) first.
    public func syncState() throws -> [SyncStateRow] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT source, stream, status, cursor, last_success_at, last_error, records_total, read_total, quarantined_total
                FROM sync_state ORDER BY source, stream = ? DESC, stream
                """, arguments: [StreamScope.source.storedName]
            ).map { r in
                SyncStateRow(source: r[0], stream: r[1], status: r[2], cursor: r[3], lastSuccessAt: r[4], lastError: r[5],
                             recordsTotal: r[6], readTotal: r[7], quarantinedTotal: r[8])
            }
        }
    }

    // MARK: Read-only SQL

    /// Runs one read-only statement and hands each row to `sink` as SQLite produces it.
    ///
    /// Throws `QueryError.writeRefused` for a statement that would write, or that is not a
    /// query at all (see `ReadOnlyStatement`), `QueryError.timeLimitExceeded` when SQLite has spent `limits.time` on it, and
    /// `QueryError.failed` for anything SQLite refuses; errors the sink throws pass through.
    /// Blocks the calling thread until the last row.
    public func query(_ sql: String, limits: QueryLimits = QueryLimits(), into sink: inout some QueryResultSink) throws -> QuerySummary {
        do {
            return try db.read { db in
                // Only the statement kinds that cannot change anything are compiled at all.
                guard ReadOnlyStatement.isAllowed(sql) else { throw QueryError.writeRefused(sql: sql) }
                let statement = try db.makeStatement(sql: sql)
                guard statement.isReadonly else { throw QueryError.writeRefused(sql: sql) }
                let columns = statement.columnNames
                try sink.columns(columns)
                return try StatementClock.limiting(db, to: limits.time, sql: sql) { clock in
                    let cursor = try Row.fetchCursor(statement)
                    var cells: [QueryCell] = []
                    cells.reserveCapacity(columns.count)
                    var count = 0
                    while let row = try clock.step({ try cursor.next() }) {
                        if let max = limits.rows, count == max { return QuerySummary(columns: columns, rowCount: count, truncated: true) }
                        cells.removeAll(keepingCapacity: true)
                        for i in 0..<row.count { cells.append(QueryCell(row[i] as DatabaseValue)) }
                        try sink.row(cells)
                        count += 1
                    }
                    return QuerySummary(columns: columns, rowCount: count, truncated: false)
                }
            }
        } catch let e as DatabaseError {
            throw QueryError.failed(sql: sql, message: e.message ?? "\(e)")
        }
    }

    /// Runs a report's reads in one read transaction; SQLite failures become `StoreError.readFailed`.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.read(body)
        } catch let e as DatabaseError {
            throw StoreError.readFailed(path: path, reason: e.message ?? "\(e)")
        }
    }
}

extension QueryCell {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let n): self = .integer(n)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .blob(b)
        }
    }
}

extension PersonSummary {
    init(row: Row) {
        self.init(
            personId: row[0], primaryEmail: row[1], firstName: row[2], lastName: row[3], title: row[4], accountId: row[5],
            lifecycleStage: row[6], score: row[7], owner: row[8], consentEmail: (row[9] as Int64?).map { $0 != 0 },
            createdAt: row[10], updatedAt: row[11], accountName: row[12], accountDomain: row[13])
    }
}
