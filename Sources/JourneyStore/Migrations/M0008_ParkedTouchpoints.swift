/// The live tables show live state: a touchpoint whose person is gone (every record that claimed
/// the identifier it names its person by was deleted) leaves `touchpoints` and waits, whole, in
/// `orphan_touchpoints` until a live record claims that identifier again; then it goes back.
///
/// Before, `orphan_touchpoints` only pointed at such touchpoints, which stayed in `touchpoints`
/// with no person. The table keeps its name and key and now holds the touchpoint's columns too;
/// rows it pointed at move into it.
enum M0008_ParkedTouchpoints {
    static let identifier = "0008_parked_touchpoints"

    static let sql = """
        CREATE TABLE orphan_touchpoints_new (
            kind          TEXT NOT NULL,
            value         TEXT NOT NULL,
            touchpoint_id TEXT NOT NULL,
            account_id    TEXT,
            occurred_at   TEXT NOT NULL,
            channel       TEXT NOT NULL,
            action        TEXT NOT NULL,
            side          TEXT NOT NULL,
            campaign      TEXT,
            content       TEXT,
            owner         TEXT,
            touchpoint_value REAL,
            source        TEXT NOT NULL,
            stream        TEXT NOT NULL,
            external_id   TEXT NOT NULL,
            attributes    TEXT,
            person_ref    TEXT,
            PRIMARY KEY (kind, value, touchpoint_id)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO orphan_touchpoints_new
          SELECT o.kind, o.value, t.touchpoint_id, t.account_id, t.occurred_at, t.channel, t.action, t.side, t.campaign,
                 t.content, t.owner, t.value, t.source, t.stream, t.external_id, t.attributes, t.person_ref
          FROM orphan_touchpoints o JOIN touchpoints t ON t.touchpoint_id = o.touchpoint_id AND t.person_id IS NULL;
        DELETE FROM touchpoints WHERE person_id IS NULL AND touchpoint_id IN (SELECT touchpoint_id FROM orphan_touchpoints);
        DROP TABLE orphan_touchpoints;
        ALTER TABLE orphan_touchpoints_new RENAME TO orphan_touchpoints;
        CREATE INDEX orphan_touchpoints_by_touchpoint ON orphan_touchpoints (touchpoint_id);
        """
}
