/// Indexes for the HTTP API's lists (bench/api.sh): `next_actions` in the order
/// `GET /v1/next-actions` pages (highest score first, NULL scores last, then person and rank),
/// overall and per action; persons by owner and by stage, so a filter that matches few persons
/// reads those persons' suggestions instead of walking every suggestion, and by id with owner and
/// stage, so a walk tests a suggestion's person without reading the person's row. No table changes.
enum M0017_APIReadIndexes {
    static let identifier = "0017_api_read_indexes"

    static let sql = """
        CREATE INDEX IF NOT EXISTS next_actions_by_score ON next_actions (score DESC, person_id, rank);
        CREATE INDEX IF NOT EXISTS next_actions_by_action ON next_actions (action, score DESC, person_id, rank);
        CREATE INDEX IF NOT EXISTS persons_by_owner ON persons (owner);
        CREATE INDEX IF NOT EXISTS persons_by_stage ON persons (lifecycle_stage);
        CREATE INDEX IF NOT EXISTS persons_filters ON persons (person_id, owner, lifecycle_stage);
        """
}
