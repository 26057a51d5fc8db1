/// Every list of next actions (the CLI, `GET /v1/next-actions`, the dashboard) shows prospects in
/// one order: those with an urgent suggestion (an unanswered hand-raise or follow-up) first, then
/// by their best score, each prospect's suggestions together by rank. `next_actions` carries
/// that order (`priority`, the same on all of a prospect's rows) and the prospect's `owner` and
/// `stage`, so a page filtered by owner, stage or action is read off one index in page order
/// instead of testing each suggestion's person. The indexes of 0017 that served the old order go.
enum M0018_NextActionListOrder {
    static let identifier = "0018_next_action_list_order"

    static let sql = """
        ALTER TABLE next_actions ADD COLUMN owner TEXT;
        ALTER TABLE next_actions ADD COLUMN stage TEXT;
        ALTER TABLE next_actions ADD COLUMN priority REAL NOT NULL DEFAULT 0;
        UPDATE next_actions SET
          owner = (SELECT owner FROM persons p WHERE p.person_id = next_actions.person_id),
          stage = (SELECT lifecycle_stage FROM persons p WHERE p.person_id = next_actions.person_id),
          priority = (SELECT max(coalesce(n.score, 0)) + max(CASE WHEN json_extract(n.evidence, '$.guardrail') IS NOT NULL THEN 1000000 ELSE 0 END)
                      FROM next_actions n WHERE n.person_id = next_actions.person_id);
        DROP INDEX IF EXISTS next_actions_by_score;
        DROP INDEX IF EXISTS next_actions_by_action;
        DROP INDEX IF EXISTS persons_by_owner;
        DROP INDEX IF EXISTS persons_by_stage;
        DROP INDEX IF EXISTS persons_filters;
        CREATE INDEX next_actions_in_order ON next_actions (priority DESC, person_id, rank);
        CREATE INDEX next_actions_by_owner ON next_actions (owner, priority DESC, person_id, rank);
        CREATE INDEX next_actions_by_stage ON next_actions (stage, priority DESC, person_id, rank);
        CREATE INDEX next_actions_by_action ON next_actions (action, priority DESC, person_id, rank);
        """
}
