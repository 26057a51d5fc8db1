/// What each live company record (a Salesforce account, a HubSpot company, a mapped `account`
/// row) says about its account: account attributes are derived from these, most recent first,
/// so they do not depend on the order records arrive in.
enum M0005_AccountRecords {
    static let identifier = "0005_account_records"

    static let sql = """
        CREATE TABLE account_records (
            record_key     TEXT PRIMARY KEY REFERENCES source_records (record_key),
            account_id     TEXT NOT NULL REFERENCES accounts (account_id),
            source         TEXT NOT NULL,
            version_at     TEXT,
            name           TEXT,
            domain         TEXT,
            industry       TEXT,
            employees      INTEGER,
            annual_revenue REAL
        ) WITHOUT ROWID;
        CREATE INDEX account_records_by_account ON account_records (account_id);
        """
}
