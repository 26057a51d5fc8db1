/// `campaigns`, `touchpoints.campaign_id` and `lifecycle_steps`: facts one record holds about
/// another record's touchpoints, applied whichever of them arrives first.
///
/// - A campaign member's touchpoint names its campaign by the `Campaign` record's name (in
///   `campaign`, with `campaign_id` pointing at the `campaigns` row) as soon as that record is in
///   the store; before, `campaign` held the campaign's Salesforce id for good.
/// - An opportunity's history rows (`lifecycle_steps`) make its earliest row `opportunity.created`;
///   the opportunity record's own creation touchpoint only stands in while no history is known,
///   so an opportunity is created once, not twice. History rows take the opportunity's account.
///
/// Touchpoints stored before 0010 keep what they were written with until they are re-mapped
/// (`journeylake reprocess`).
enum M0010_CampaignsAndLifecycles {
    static let identifier = "0010_campaigns_and_lifecycles"

    static let sql = """
        CREATE TABLE campaigns (
            campaign_id TEXT PRIMARY KEY,
            name        TEXT,
            type        TEXT,
            status      TEXT,
            start_date  TEXT,
            end_date    TEXT,
            parent_id   TEXT,
            source      TEXT NOT NULL,
            external_id TEXT NOT NULL,
            updated_at  TEXT
        );
        ALTER TABLE touchpoints ADD COLUMN campaign_id TEXT;
        CREATE INDEX touchpoints_by_campaign ON touchpoints (campaign_id) WHERE campaign_id IS NOT NULL;
        ALTER TABLE orphan_touchpoints ADD COLUMN campaign_id TEXT;
        CREATE TABLE lifecycle_steps (
            touchpoint_id  TEXT PRIMARY KEY,
            record_key     TEXT NOT NULL,
            role           TEXT NOT NULL,
            natural_action TEXT NOT NULL,
            first_action   TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX lifecycle_steps_by_record ON lifecycle_steps (record_key, role);
        """
}
