/// What the shared definitions derive per person (the Insights module writes them): the rule
/// and touchpoint behind each stage entry, the lead score with its explanation, the follow-up
/// SLA clock; and the report views analysts query.
///
/// Derived rows are deleted with their person (identity resolution removes merged-away persons
/// and must not need to know which derived tables exist).
enum M0012_SharedDefinitions {
    static let identifier = "0012_shared_definitions"

    static let sql = """
        ALTER TABLE stage_history ADD COLUMN rule TEXT;
        ALTER TABLE stage_history ADD COLUMN touchpoint_id TEXT;
        CREATE TABLE lead_scores (
            person_id   TEXT PRIMARY KEY REFERENCES persons (person_id) ON DELETE CASCADE,
            score       REAL NOT NULL,
            fit         REAL NOT NULL,
            engagement  REAL NOT NULL,
            computed_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE score_facts (
            person_id TEXT NOT NULL REFERENCES persons (person_id) ON DELETE CASCADE,
            kind      TEXT NOT NULL,
            fact      TEXT NOT NULL,
            points    REAL NOT NULL,
            PRIMARY KEY (person_id, kind, fact)
        ) WITHOUT ROWID;
        CREATE TABLE follow_ups (
            person_id      TEXT PRIMARY KEY REFERENCES persons (person_id) ON DELETE CASCADE,
            mql_at         TEXT NOT NULL,
            due_at         TEXT NOT NULL,
            owner          TEXT,
            answered_at    TEXT,
            answered_by    TEXT,
            response_hours REAL,
            status         TEXT NOT NULL,
            sales_touches  INTEGER NOT NULL,
            worked         INTEGER NOT NULL,
            computed_at    TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX stage_history_by_stage ON stage_history (stage, entered_at);
        -- The deriver reads each person's account deals: without these, one table scan per person.
        CREATE INDEX touchpoints_by_account_action ON touchpoints (account_id, action) WHERE account_id IS NOT NULL;
        CREATE INDEX opportunities_by_account ON opportunities (account_id);

        -- Each person's first entry into each stage, with the ISO week (Monday) it fell in.
        CREATE VIEW funnel_entries AS
          SELECT h.person_id, h.stage, h.entered_at, h.rule, h.touchpoint_id, h.reason,
                 date(substr(h.entered_at, 1, 10), '-' || ((strftime('%w', substr(h.entered_at, 1, 10)) + 6) % 7) || ' days') AS week,
                 p.owner, p.lifecycle_stage AS current_stage
          FROM stage_history h JOIN persons p USING (person_id);

        -- One row per MQL's follow-up clock; `pending` rows are re-judged as time passes.
        CREATE VIEW sla_follow_ups AS
          SELECT f.person_id, p.primary_email, coalesce(f.owner, p.owner) AS owner, f.mql_at, f.due_at, f.answered_at,
                 f.answered_by, f.response_hours, f.status, f.sales_touches, f.worked
          FROM follow_ups f JOIN persons p USING (person_id);
        """
}
