/// The lists of next actions by prospect — all of them, by owner, by stage — are read off an
/// entry per prospect (its first suggestion's row, `rank = 1`) instead of one per suggestion:
/// a prospect's order, owner and stage are the same on all of its rows (migration 0018), and
/// the list reads its other suggestions by the rows' key. A prospect's derive writes three
/// entries into these indexes instead of nine, and they are a third of the size. The list by
/// suggested action keeps an entry per suggestion (`next_actions_by_action`): that filter
/// matches rows, not prospects.
enum M0024_ProspectListIndexes {
    static let identifier = "0024_prospect_list_indexes"

    static let sql = """
        DROP INDEX next_actions_in_order;
        DROP INDEX next_actions_by_owner;
        DROP INDEX next_actions_by_stage;
        CREATE INDEX next_actions_in_order ON next_action_rows (priority DESC, person_id) WHERE rank = 1;
        CREATE INDEX next_actions_by_owner ON next_action_rows (owner, priority DESC, person_id) WHERE rank = 1;
        CREATE INDEX next_actions_by_stage ON next_action_rows (stage, priority DESC, person_id) WHERE rank = 1;
        """
}
