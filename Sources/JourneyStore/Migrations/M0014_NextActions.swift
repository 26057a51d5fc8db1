/// What the next-best-action engine learns and remembers.
///
/// - `next_action_model`: the lift model's counts — per state (at five levels of detail, see
///   the README) and candidate action (or `hold`), how many prospect snapshots there were and
///   how many reached the goal within the horizon; `next_action_training` says when and on
///   what it was learned.
/// - `next_action_log`: every suggestion made, once per person and action until it ends —
///   `taken` (a later touch shows it), `ignored` (not taken in time), `withdrawn` (no longer
///   suggested), `dismissed` or `done` (feedback) — with the stage and goal it was made for,
///   and whether the person is in the holdout. The log is history: it outlives merged persons.
/// - `account_signals`: per account, how many people engaged in the last 30 days (capped at 2)
///   when last derived, so a colleague's touch re-derives the account's people only when it
///   makes or breaks a buying group.
enum M0014_NextActions {
    static let identifier = "0014_next_actions"

    static let sql = """
        CREATE TABLE next_action_model (
            level        INTEGER NOT NULL,
            state        TEXT NOT NULL,
            action       TEXT NOT NULL,
            observations INTEGER NOT NULL,
            converted    INTEGER NOT NULL,
            PRIMARY KEY (state, action)
        ) WITHOUT ROWID;
        CREATE TABLE next_action_training (
            id           INTEGER PRIMARY KEY CHECK (id = 1),
            trained_at   TEXT NOT NULL,
            goal         TEXT NOT NULL,
            horizon_days INTEGER NOT NULL,
            snapshots    INTEGER NOT NULL,
            prospects    INTEGER NOT NULL,
            touchpoints  INTEGER NOT NULL
        );
        CREATE TABLE next_action_log (
            person_id     TEXT NOT NULL,
            action        TEXT NOT NULL,
            suggested_at  TEXT NOT NULL,
            rank          INTEGER NOT NULL,
            score         REAL,
            stage         TEXT,
            goal_stage    TEXT,
            holdout       INTEGER NOT NULL DEFAULT 0,
            status        TEXT NOT NULL CHECK (status IN ('open', 'taken', 'ignored', 'withdrawn', 'dismissed', 'done')),
            status_at     TEXT,
            touchpoint_id TEXT,
            PRIMARY KEY (person_id, action, suggested_at)
        ) WITHOUT ROWID;
        CREATE INDEX next_action_log_by_time ON next_action_log (suggested_at);
        CREATE TABLE account_signals (
            account_id     TEXT PRIMARY KEY,
            engaged_people INTEGER NOT NULL,
            computed_at    TEXT NOT NULL
        ) WITHOUT ROWID;
        """
}
