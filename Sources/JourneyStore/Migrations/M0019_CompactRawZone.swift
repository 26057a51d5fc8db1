/// The raw zone kept every tabular row as a JSON object that spelled out every column name: in a
/// Marketo bulk export the names were ~120 of each row's ~410 bytes. Rows are now kept as their
/// values in column order, with the header's names stored once in `raw_columns`; the physical
/// table is `raw_versions`, and `raw_records` — the analysts' name — is a view that gives back
/// each payload as the very text that was received and hashed. Rows written before stay as text
/// (`columns_id` NULL): rewriting them would make the upgrade a pass over the whole raw zone with
/// the store locked.
enum M0019_CompactRawZone {
    static let identifier = "0019_compact_raw_zone"

    /// A raw row `r`'s payload as the text that was received: a tabular row's values rebuilt
    /// into the object, anything else as kept.
    // The view rebuilds the object with json_group_object, whose escaping differs from the writer
    // that made (and hashed) the text in one way: it writes \b and \f where the writer writes
    // \u0008 and \u000c. The replaces undo that exactly: escaped backslashes are set aside first
    // (char(1) cannot occur raw in JSON text), so a literal backslash before a b or f is left alone.
    static let payloadText = #"""
        CASE WHEN r.columns_id IS NULL THEN r.payload ELSE (
            SELECT replace(replace(replace(replace(
                     json_group_object(c.value, json_extract(r.payload, '$[' || c.key || ']')),
                     '\\', char(1)), '\b', '\u0008'), '\f', '\u000c'), char(1), '\\')
            FROM raw_columns k, json_each(k.names) c WHERE k.columns_id = r.columns_id)
          END
        """#

    static let sql = """
        CREATE TABLE raw_columns (
            columns_id INTEGER PRIMARY KEY,
            names      TEXT NOT NULL UNIQUE
        );
        ALTER TABLE raw_records RENAME TO raw_versions;
        ALTER TABLE raw_versions ADD COLUMN columns_id INTEGER;
        CREATE VIEW raw_records (source, stream, external_id, content_hash, payload, fetched_at, origin) AS
        SELECT r.source, r.stream, r.external_id, r.content_hash,
          \(payloadText),
          r.fetched_at, r.origin
        FROM raw_versions r;
        """
}
