/// A record's current raw version is kept in its `source_records` row; `raw_versions` holds the
/// versions it had before (and copies no version became current from: an older version arriving
/// late, the poorer copy of two transports). An activity, which never changes, was two rows with
/// the same key spelled out twice — its bookkeeping and its raw version — and is now one: ~85
/// bytes and a B-tree insert less per record. `raw_records` still shows every distinct version
/// once (each is either some record's current one or in `raw_versions`, never both).
///
/// Stores from before keep their current versions in `raw_versions` (`source_records.payload`
/// NULL) rather than being rewritten at upgrade; a version moves into its record when the record
/// next changes or is reprocessed.
enum M0021_CurrentVersionInRecord {
    static let identifier = "0021_current_version_in_record"

    // The view's payload expression is 0019's: a tabular row's values rebuilt as the exact text
    // that was received and hashed.
    static let sql = """
        ALTER TABLE source_records ADD COLUMN payload TEXT;
        ALTER TABLE source_records ADD COLUMN columns_id INTEGER;
        ALTER TABLE source_records ADD COLUMN fetched_at TEXT;
        ALTER TABLE source_records ADD COLUMN origin TEXT;
        DROP VIEW raw_records;
        CREATE VIEW raw_records (source, stream, external_id, content_hash, payload, fetched_at, origin) AS
        WITH kept (source, stream, external_id, content_hash, payload, fetched_at, origin, columns_id) AS (
          SELECT source, stream, external_id, content_hash, payload, fetched_at, origin, columns_id FROM raw_versions
          UNION ALL
          SELECT source, stream, external_id, content_hash, payload, fetched_at, origin, columns_id FROM source_records
          WHERE payload IS NOT NULL
        )
        SELECT r.source, r.stream, r.external_id, r.content_hash,
          \(M0019_CompactRawZone.payloadText),
          r.fetched_at, r.origin
        FROM kept r;
        """
}
