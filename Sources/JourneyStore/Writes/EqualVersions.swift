import GRDB
import JourneyModel

/// Which of two copies of one record version the canonical rows reflect.
///
/// Two transports can deliver the same version (same id, same modification stamp) with different
/// content: a Salesforce REST Task with every field and its Bulk API CSV row with a few columns,
/// a Marketo REST lead and its bulk export. The copy that says more wins — the one whose payload
/// holds more non-empty values (nested values counted one by one, `null` literals as empty) —
/// and on a tie the smaller content hash, so the result is the same in any arrival order and a
/// re-run changes nothing. The other copy stays in the raw zone, and the identifiers it names
/// still join the record's claims (as an older version's do).
enum EqualVersions {
    static func prefersIncoming(_ incoming: IncomingRecord, over existingHash: String, key: String, db: Database) throws -> Bool {
        guard incoming.contentHash != existingHash else { return false }
        // The stored payload as kept: a tabular row's values array has the same leaves as the
        // object the `raw_records` view would rebuild from it (at a parse per column).
        let existingPayload = try String.fetchOne(
            db.cachedStatement(sql: """
                SELECT coalesce(s.payload, r.payload) FROM source_records s LEFT JOIN raw_versions r
                  ON s.payload IS NULL AND r.source = s.source AND r.stream = s.stream AND r.external_id = s.external_id
                  AND r.content_hash = s.content_hash
                WHERE s.record_key = ?
                """),
            arguments: [key])
        // A stored version without its raw copy cannot be weighed: the newer arrival replaces it, as before.
        guard let existingPayload else { return true }
        let mine = try filledValues(incoming.payload, db: db), theirs = try filledValues(existingPayload, db: db)
        if mine != theirs { return mine > theirs }
        return incoming.contentHash < existingHash
    }

    /// How many leaf values of a JSON payload (an object, or a tabular row's values) carry something.
    static func filledValues(_ payload: String, db: Database) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: """
                SELECT count(*) FROM json_tree(CASE WHEN json_valid(?1) THEN ?1 ELSE '{}' END)
                WHERE type NOT IN ('object', 'array', 'null') AND NOT (type = 'text' AND lower(trim(atom)) IN ('', 'null'))
                """),
            arguments: [payload]) ?? 0
    }
}
