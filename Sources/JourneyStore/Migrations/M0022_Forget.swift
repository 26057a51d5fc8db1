/// `journeylake forget` (GDPR erasure): an audit row per request, and the salted hashes of every
/// identifier of a forgotten person, which ingest checks so later fetches, re-exports and
/// `reprocess` never bring the person back.
///
/// The suppression list holds hashes only — never an identifier — salted with a random value made
/// once per store, so the list cannot be joined against another store's or a public list of
/// hashed emails. The audit row holds what was removed, as counts: who asked and why (a ticket
/// number) if the operator says, never whom.
///
/// A refused record can reveal more of a forgotten person's identifiers (the email was forgotten
/// before the data came; the lead that arrives with it has an id its activities use): they join
/// the list, and a person already made from them (from activities that came first) waits in
/// `forget_pending` to be forgotten after the pass.
enum M0022_Forget {
    static let identifier = "0022_forget"

    static let sql = """
        CREATE TABLE suppression_salt (
            id   INTEGER PRIMARY KEY CHECK (id = 1),
            salt TEXT NOT NULL
        );
        INSERT INTO suppression_salt (id, salt) VALUES (1, lower(hex(randomblob(32))));
        CREATE TABLE forget_log (
            forget_id              INTEGER PRIMARY KEY,
            forgotten_at           TEXT NOT NULL,
            mode                   TEXT NOT NULL CHECK (mode IN ('delete', 'anonymise')),
            reason                 TEXT,
            persons                INTEGER NOT NULL,
            identifiers            INTEGER NOT NULL,
            records                INTEGER NOT NULL,
            raw_versions           INTEGER NOT NULL,
            touchpoints_removed    INTEGER NOT NULL,
            touchpoints_anonymised INTEGER NOT NULL,
            derived_rows           INTEGER NOT NULL,
            quarantine_rows        INTEGER NOT NULL,
            identity_log_rows      INTEGER NOT NULL
        );
        CREATE TABLE suppressed_identifiers (
            hash      TEXT PRIMARY KEY,
            kind      TEXT NOT NULL,
            forget_id INTEGER NOT NULL REFERENCES forget_log (forget_id)
        ) WITHOUT ROWID;
        CREATE TABLE forget_pending (
            person_id TEXT PRIMARY KEY,
            forget_id INTEGER NOT NULL REFERENCES forget_log (forget_id)
        ) WITHOUT ROWID;
        """
}
