/// Identity conflicts: links that were refused because they would have joined two distinct
/// records of the same system object (two HubSpot contacts sharing an email) into one person.
enum M0002_IdentityConflicts {
    static let identifier = "0002_identity_conflicts"

    static let sql = """
        CREATE TABLE identity_conflicts (
            kind            TEXT NOT NULL,
            value           TEXT NOT NULL,
            record_key      TEXT NOT NULL,
            existing_record TEXT NOT NULL,
            detected_at     TEXT NOT NULL,
            PRIMARY KEY (kind, value, record_key, existing_record)
        ) WITHOUT ROWID;
        """
}
