import Foundation
import GRDB
public import JourneyModel

/// A record's current version as the raw zone holds it, for mapping it again.
public struct StoredVersion: Sendable {
    public var recordKey: String
    public var stream: String
    public var externalId: String
    public var payload: RawPayload
    public var origin: String?
}

/// A quarantined input whose text a mapping can read again (a JSON object).
public struct QuarantinedRow: Sendable {
    public var id: Int64
    public var stream: String
    public var externalId: String?
    public var payload: String
    public var origin: String?
    public var position: String?
}

extension JourneyStore {
    /// The live records `source` wrote, after `after` in key order, with their current raw
    /// version (in the record's row, or in `raw_versions` for a store from before 0021).
    /// `streams` empty: every stream. Deleted records stay deleted: their delete is news no
    /// mapping change takes back. Tabular rows come as values and header, not through the
    /// `raw_records` view: rebuilding the object in SQL costs a parse of the values per column.
    public func storedVersions(source: String, streams: Set<String>, after: String?, limit: Int) throws -> [StoredVersion] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.record_key, s.stream, s.external_id, coalesce(s.payload, r.payload),
                      iif(s.payload IS NULL, r.origin, s.origin), k.names
                    FROM source_records s
                    LEFT JOIN raw_versions r ON s.payload IS NULL AND r.source = s.source AND r.stream = s.stream
                      AND r.external_id = s.external_id AND r.content_hash = s.content_hash
                    LEFT JOIN raw_columns k ON k.columns_id = iif(s.payload IS NULL, r.columns_id, s.columns_id)
                    WHERE s.source = ?1 AND s.deleted = 0 AND s.record_key > ?2 AND coalesce(s.payload, r.payload) IS NOT NULL
                      AND (?3 = '[]' OR s.stream IN (SELECT value FROM json_each(?3)))
                    ORDER BY s.record_key LIMIT ?4
                    """,
                arguments: [source, after ?? "", Self.jsonList(streams), limit]
            ).map { row in
                let names: String? = row[5]
                let payload: RawPayload = names.map { .tabular(TabularPayload(columns: $0, values: row[3])) } ?? .text(row[3])
                return StoredVersion(recordKey: row[0], stream: row[1], externalId: row[2], payload: payload, origin: row[4])
            }
        }
    }

    /// Quarantined inputs of `source` a mapping can read again, after quarantine row `after`,
    /// quarantined before `before` (so a run does not retry what it quarantined itself). Rows
    /// that are not a record of their own (malformed CSV or JSON, a wrong field count, bytes
    /// that are no text) hold raw text: only their file, read again, can bring them in.
    public func retryableQuarantine(source: String, streams: Set<String>, after: Int64?, before: Timestamp, limit: Int) throws -> [QuarantinedRow] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT quarantine_id, stream, external_id, payload, origin, position FROM quarantine
                    WHERE source = ?1 AND quarantine_id > ?2 AND seen_at < ?3
                      AND (?4 = '[]' OR stream IN (SELECT value FROM json_each(?4)))
                      AND coalesce(reason_code, '') NOT IN ('malformed_csv', 'wrong_field_count', 'malformed_json', 'invalid_encoding')
                      AND json_valid(payload) AND json_type(payload) = 'object'
                    ORDER BY quarantine_id LIMIT ?5
                    """,
                arguments: [source, after ?? 0, before.iso8601, Self.jsonList(streams), limit]
            ).map {
                QuarantinedRow(id: $0[0], stream: $0[1], externalId: $0[2], payload: $0[3], origin: $0[4], position: $0[5])
            }
        }
    }

    /// How many of `source`'s quarantine rows hold raw text no mapping can read again.
    public func unreplayableQuarantine(source: String, streams: Set<String>) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM quarantine WHERE source = ?1 AND (?2 = '[]' OR stream IN (SELECT value FROM json_each(?2)))
                      AND (coalesce(reason_code, '') IN ('malformed_csv', 'wrong_field_count', 'malformed_json', 'invalid_encoding')
                           OR NOT json_valid(payload) OR json_type(payload) IS NOT 'object')
                    """,
                arguments: [source, Self.jsonList(streams)]) ?? 0
        }
    }

    /// Where an interrupted reprocess run of `source` over `scope` stopped, if one did.
    public func replayProgress(source: String, scope: String) throws -> ReplayProgress? {
        try pool.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT phase, after_record, after_quarantine, started_at FROM reprocess_progress WHERE source = ? AND scope = ?",
                arguments: [source, scope])
            else { return nil }
            let started: String = row[3]
            return ReplayProgress(
                scope: scope, phase: ReplayProgress.Phase(rawValue: row[0]) ?? .records, afterRecord: row[1], afterQuarantine: row[2],
                startedAt: TimestampParser.utc.parse(started) ?? Timestamp(.now))
        }
    }

    /// Ends a reprocess run: the next one starts from the beginning.
    public func finishReplay(source: String, scope: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM reprocess_progress WHERE source = ? AND scope = ?", arguments: [source, scope])
        }
    }

    static func jsonList(_ values: Set<String>) -> String { JSONObjectWriter.array(values.sorted()) }
}

extension BatchWriter {
    /// Applies a stored version mapped again: its live rows are rebuilt from today's mapping
    /// whether or not its text changed, through the same steps as a fetched record, and compared
    /// with what they were once the batch's rows are final.
    mutating func replayRecord(_ r: IncomingRecord, stored: String) throws -> Outcome {
        let record = r.canonical
        let key = record.key.description
        var before = try liveFingerprint(stored)
        var handedOver: FirstFetch?
        if stored != key {
            // Today's mapping files the record under another key: the old key's rows give way,
            // and its raw version goes with the record (kept once, under the new key).
            before += try liveFingerprint(key)
            try withdraw(stored)
            handedOver = try releaseCurrentVersion(stored)
        }
        let version = record.versionText
        for t in record.tombstones where t.target != record.key {
            try applyTombstone(t, stream: t.target.object)
        }
        if let own = record.tombstones.first(where: { $0.target == record.key }) {
            try applyTombstone(own, stream: r.stream, releaseIdentifiers: record.mergedAliases.isEmpty)
            try upsertSourceRecord(key: key, r: r, version: version ?? own.deletedAt?.iso8601, deleted: true, firstFetch: handedOver)
            try recordAliases(record.mergedAliases, key: key)
            try accumulateIdentifiers(record.identifiers, key: key)
            return .deleted
        }
        try removeLiveRows(key: key)
        try upsertSourceRecord(key: key, r: r, version: version, deleted: false, firstFetch: handedOver)
        try insertCanonical(record, key: key, stream: r.stream, externalId: r.externalId)
        replayedBefore.append((stream: r.stream, key: key, before: before))
        return .replayed
    }

    /// Takes a record's current raw version out of its row (and out of `raw_versions`, in a store
    /// from before 0021), for the key it is replayed under: when and where it was first fetched.
    func releaseCurrentVersion(_ key: String) throws -> FirstFetch? {
        if let current = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT fetched_at, origin FROM source_records WHERE record_key = ? AND payload IS NOT NULL"), arguments: [key])
        {
            try clearCurrentVersion(key)
            return FirstFetch(row: current)
        }
        return try Row.fetchOne(
            db.cachedStatement(sql: """
                DELETE FROM raw_versions WHERE (source, stream, external_id, content_hash) =
                  (SELECT source, stream, external_id, content_hash FROM source_records WHERE record_key = ?)
                RETURNING fetched_at, origin
                """),
            arguments: [key]
        ).flatMap(FirstFetch.init(row:))
    }

    /// Takes a record out of the live tables and out of identity's input, keeping its raw
    /// versions: today's mapping no longer makes it a record (or not under this key).
    mutating func withdraw(_ key: String) throws {
        try removeLiveRows(key: key)
        try db.cachedStatement(sql: "DELETE FROM record_identifiers WHERE record_key = ?").execute(arguments: [key])
        try db.cachedStatement(sql: "DELETE FROM identity_aliases WHERE record_key = ?").execute(arguments: [key])
        try db.cachedStatement(sql: "UPDATE source_records SET deleted = 1 WHERE record_key = ?").execute(arguments: [key])
        changes.records.insert(key)
    }

    /// A quarantine entry: new, one that takes a loaded record's place, or a quarantined input
    /// rejected again (its row stays, with today's reason).
    mutating func quarantine(_ q: QuarantinedInput) throws {
        switch q.replaces {
        case nil:
            try insertQuarantine(q)
        case .record(let key):
            try withdraw(key)
            try insertQuarantine(q)
        case .quarantineRow(let id):
            try db.cachedStatement(sql: "UPDATE OR IGNORE quarantine SET reason = ?, reason_code = ? WHERE quarantine_id = ?")
                .execute(arguments: [q.reason.detail, q.reason.code.rawValue, id])
        }
    }

    /// Counts each replayed record as updated when its live rows differ from before, else unchanged.
    mutating func countReplays(into counts: inout [String: StreamCounts]) throws {
        for replayed in replayedBefore {
            if try liveFingerprint(replayed.key) == replayed.before {
                counts[replayed.stream, default: StreamCounts()].unchanged += 1
            } else {
                counts[replayed.stream, default: StreamCounts()].updated += 1
            }
        }
        replayedBefore.removeAll()
    }

    /// Everything a record contributes to the live tables, as comparable text: compared with
    /// itself within one batch only, so its form is free. One query for the seven tables, each
    /// row as its columns' SQL literals, read without GRDB's row decoding (a replay asks twice a
    /// record; seven `Row.fetchAll` and their descriptions were half of a reprocess).
    mutating func liveFingerprint(_ key: String) throws -> String {
        if fingerprintQuery == nil { fingerprintQuery = try HotStatement(db, sql: Self.fingerprintSQL(db)) }
        let query = fingerprintQuery!
        query.text(1, key)
        query.text(2, key + "#")
        query.text(3, key + "$")
        var rows: [String] = []
        try query.rows { rows.append(query.string(0) ?? "") }
        return rows.sorted().joined(separator: "\n")
    }

    /// The fingerprint query over the tables' columns as the store has them (`quote` gives every
    /// value, NULL and blobs too, an unambiguous literal).
    private static func fingerprintSQL(_ db: Database) throws -> String {
        func row(_ table: String) throws -> String {
            let columns = try db.columns(in: table).map { "quote(\"\($0.name)\")" }
            return "'\(table) ' || " + columns.joined(separator: " || ',' || ")
        }
        var parts: [String] = []
        for table in ["touchpoints", "orphan_touchpoints", "lifecycle_steps"] {
            parts.append("SELECT \(try row(table)) FROM \(table) WHERE touchpoint_id = ?1 OR (touchpoint_id >= ?2 AND touchpoint_id < ?3)")
        }
        for (table, column) in [("person_records", "record_key"), ("account_records", "record_key"), ("opportunities", "opportunity_id"),
                                ("campaigns", "campaign_id")] {
            parts.append("SELECT \(try row(table)) FROM \(table) WHERE \(column) = ?1")
        }
        return parts.joined(separator: "\nUNION ALL ")
    }

    func saveReplayProgress(_ p: ReplayProgress) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO reprocess_progress (source, scope, phase, after_record, after_quarantine, started_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, scope) DO UPDATE SET
                  phase = excluded.phase, after_record = excluded.after_record, after_quarantine = excluded.after_quarantine,
                  updated_at = excluded.updated_at
                """
        ).execute(arguments: [source, p.scope, p.phase.rawValue, p.afterRecord, p.afterQuarantine, p.startedAt.iso8601, now])
    }
}
