/// The identity graph as data, so persons are a function of it: source-declared merges,
/// identifiers released by deletes, operators' separations (undone merges), the identifier each
/// touchpoint names its person by, and both sides of every logged merge.
enum M0004_IdentityGraph {
    static let identifier = "0004_identity_graph"

    static let sql = """
        -- Identifiers a source says are one person with the record (merge survivors and the merged away).
        CREATE TABLE identity_aliases (
            record_key TEXT NOT NULL,
            kind       TEXT NOT NULL,
            value      TEXT NOT NULL,
            PRIMARY KEY (record_key, kind, value)
        ) WITHOUT ROWID;
        CREATE INDEX identity_aliases_by_value ON identity_aliases (kind, value);

        -- Identifiers of deleted records: they link nothing; unclaimed, they follow the person the
        -- record's other identifiers lead to, or name nobody.
        CREATE TABLE released_identifiers (
            kind        TEXT NOT NULL,
            value       TEXT NOT NULL,
            record_key  TEXT NOT NULL,
            released_at TEXT NOT NULL,
            PRIMARY KEY (kind, value, record_key)
        ) WITHOUT ROWID;
        CREATE INDEX released_identifiers_by_record ON released_identifiers (record_key);

        -- Touchpoints whose person is gone (every record that claimed their identifier was deleted):
        -- kept without a person, and given back to one if a live record claims the identifier again.
        CREATE TABLE orphan_touchpoints (
            kind          TEXT NOT NULL,
            value         TEXT NOT NULL,
            touchpoint_id TEXT NOT NULL,
            PRIMARY KEY (kind, value, touchpoint_id)
        ) WITHOUT ROWID;
        CREATE INDEX orphan_touchpoints_by_touchpoint ON orphan_touchpoints (touchpoint_id);

        -- "Never one person": the two sides of an undone merge (record keys, merge:<key>, ref:<id>).
        CREATE TABLE identity_separations (
            separation_id INTEGER NOT NULL,
            side          INTEGER NOT NULL CHECK (side IN (0, 1)),
            node          TEXT NOT NULL,
            PRIMARY KEY (separation_id, side, node)
        ) WITHOUT ROWID;
        CREATE INDEX identity_separations_by_node ON identity_separations (node);

        ALTER TABLE person_merges ADD COLUMN reason TEXT;
        ALTER TABLE person_merges ADD COLUMN kept_nodes TEXT;
        ALTER TABLE person_merges ADD COLUMN merged_nodes TEXT;
        ALTER TABLE person_merges ADD COLUMN undone_at TEXT;

        -- The identifiers (kind:value, one per line) a touchpoint's source named its person by.
        ALTER TABLE touchpoints ADD COLUMN person_ref TEXT;
        UPDATE touchpoints SET person_ref = (
            SELECT kind || ':' || value FROM identifiers i WHERE i.person_id = touchpoints.person_id
            ORDER BY CASE kind WHEN 'salesforce_contact' THEN 0 WHEN 'salesforce_lead' THEN 1 WHEN 'hubspot_contact' THEN 2
                     WHEN 'marketo_lead' THEN 3 WHEN 'email' THEN 4 ELSE 5 END, kind, value
            LIMIT 1)
        WHERE person_id IS NOT NULL;

        -- When each record's consent took its current value, and whether that was a no turning yes.
        ALTER TABLE person_records ADD COLUMN consent_since TEXT;
        ALTER TABLE person_records ADD COLUMN consent_opt_in INTEGER;
        """
}
