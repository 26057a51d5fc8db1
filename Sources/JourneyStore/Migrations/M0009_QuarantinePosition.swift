/// `quarantine.position`: where in its file a quarantined input starts (the file's path and byte
/// offset), so two identical malformed rows on different lines are two quarantine rows.
///
/// Before 0009 a row was identified by its text alone (`UNIQUE (source, stream, payload_hash,
/// reason)`), which collapsed repeated bad rows into one and lost the others' lines. A row is now
/// identified by its position as well; re-reading the same file still finds the same positions, so
/// it adds nothing twice. API rows have no position (NULL) and keep being identified by their text:
/// a page URL changes from pass to pass while the record it returns is the same input.
/// SQLite cannot drop a table constraint, so the table is rebuilt with its rows and ids kept.
enum M0009_QuarantinePosition {
    static let identifier = "0009_quarantine_position"

    static let sql = """
        CREATE TABLE quarantine_0009 (
            quarantine_id INTEGER PRIMARY KEY,
            source        TEXT NOT NULL,
            stream        TEXT NOT NULL,
            external_id   TEXT,
            reason        TEXT NOT NULL,
            payload       TEXT NOT NULL,
            seen_at       TEXT NOT NULL,
            origin        TEXT,
            payload_hash  TEXT NOT NULL,
            reason_code   TEXT,
            position      TEXT
        );
        INSERT INTO quarantine_0009 (quarantine_id, source, stream, external_id, reason, payload, seen_at, origin, payload_hash, reason_code)
            SELECT quarantine_id, source, stream, external_id, reason, payload, seen_at, origin, payload_hash, reason_code FROM quarantine;
        DROP TABLE quarantine;
        ALTER TABLE quarantine_0009 RENAME TO quarantine;
        CREATE UNIQUE INDEX quarantine_input ON quarantine (source, stream, payload_hash, reason, ifnull(position, ''));
        """
}
