/// `person_signals`: per person, their account and their latest response (something they did,
/// not a send or a receipt) at or before their last derive. With `account_signals` it lets a
/// batch tell whether a touch made or broke an account's buying group (and so changed every
/// colleague's next-action state) without reading the account's touchpoints, which for a large
/// account are tens of thousands of rows.
enum M0016_PersonSignals {
    static let identifier = "0016_person_signals"

    static let sql = """
        CREATE TABLE person_signals (
            person_id        TEXT PRIMARY KEY REFERENCES persons (person_id) ON DELETE CASCADE,
            account_id       TEXT,
            last_response_at TEXT
        ) WITHOUT ROWID;
        CREATE INDEX person_signals_by_account ON person_signals (account_id, last_response_at) WHERE account_id IS NOT NULL;
        -- Learned anew (with the signals) on the next derive.
        DELETE FROM derive_state WHERE deriver = 'insights';
        """
}
