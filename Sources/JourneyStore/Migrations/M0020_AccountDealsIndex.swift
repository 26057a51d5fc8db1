/// The deriver reads each account's deal milestones (`opportunity.created`, `.won`, `.lost`
/// touchpoints) through an index on every touchpoint that has an account: in an activity backfill
/// that is an entry per email open and web visit, ~40 bytes and a B-tree insert each, for a
/// question only deal touchpoints answer. The index now holds the deal touchpoints alone.
/// `DealMilestones.actions` spells its condition the same way, so SQLite's planner (which matches
/// a partial index's terms against the query's) uses it; `AccountDealsIndexTests` holds them together.
/// The actions are ORed equalities, not an `IN` list: SQLite evaluates a partial index's `IN` by
/// building a temporary table of the list, once per inserted row.
enum M0020_AccountDealsIndex {
    static let identifier = "0020_account_deals_index"

    static let sql = """
        DROP INDEX IF EXISTS touchpoints_by_account_action;
        CREATE INDEX touchpoints_account_deals ON touchpoints (account_id, action)
          WHERE account_id IS NOT NULL AND (action = 'opportunity.created' OR action = 'opportunity.won' OR action = 'opportunity.lost');
        """
}
