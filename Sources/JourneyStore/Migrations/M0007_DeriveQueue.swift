/// The derive hook's durable marker, and derived rows that go with their person.
///
/// `derive_queue` holds, per committed batch, the persons and accounts it changed; each deriver
/// records in `derive_state` how far through the queue it has got, in the same transaction as
/// its output, so a crash between a batch and its derivation leaves the work queued, never lost.
/// `stage_history` and `next_actions` (empty until derivers write them) are rebuilt to be
/// deleted with their person: identity resolution removes merged-away persons inside a batch and
/// must not need to know which derived tables exist.
enum M0007_DeriveQueue {
    static let identifier = "0007_derive_queue"

    static let sql = """
        CREATE TABLE derive_queue (
            seq       INTEGER PRIMARY KEY AUTOINCREMENT,
            kind      TEXT NOT NULL CHECK (kind IN ('person', 'account')),
            id        TEXT NOT NULL,
            removed   INTEGER NOT NULL DEFAULT 0,
            queued_at TEXT NOT NULL
        );
        CREATE TABLE derive_state (
            deriver    TEXT PRIMARY KEY,
            done_seq   INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE stage_history_new (
            person_id  TEXT NOT NULL REFERENCES persons (person_id) ON DELETE CASCADE,
            stage      TEXT NOT NULL,
            entered_at TEXT NOT NULL,
            reason     TEXT,
            PRIMARY KEY (person_id, stage, entered_at)
        );
        INSERT INTO stage_history_new SELECT person_id, stage, entered_at, reason FROM stage_history;
        DROP TABLE stage_history;
        ALTER TABLE stage_history_new RENAME TO stage_history;

        CREATE TABLE next_actions_new (
            person_id   TEXT NOT NULL REFERENCES persons (person_id) ON DELETE CASCADE,
            rank        INTEGER NOT NULL,
            action      TEXT NOT NULL,
            channel     TEXT,
            side        TEXT CHECK (side IN ('marketing', 'sales')),
            score       REAL,
            reason      TEXT NOT NULL,
            evidence    TEXT,
            computed_at TEXT NOT NULL,
            PRIMARY KEY (person_id, rank)
        );
        INSERT INTO next_actions_new
          SELECT person_id, rank, action, channel, side, score, reason, evidence, computed_at FROM next_actions;
        DROP TABLE next_actions;
        ALTER TABLE next_actions_new RENAME TO next_actions;
        """
}
