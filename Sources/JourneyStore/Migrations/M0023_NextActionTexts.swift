/// `next_actions` keeps each reason and evidence text once. A suggestion's texts describe the
/// prospect's state and what the model learned of prospects in it, so a derive writes the same few
/// hundred texts on every prospect's rows: ~420 of a row's ~570 bytes, most of a store's
/// next-action pages (84 MB of 117 for 50,000 leads). The rows now refer to their texts by number
/// in `next_action_rows`, and `next_actions` is a view with the same columns as the table it
/// replaces, so what analysts and dashboards read does not change. The list indexes keep their
/// names, on `next_action_rows`.
///
/// Texts no row refers to any more (a prospect's suggestion changed; a person went) are removed by
/// the derive (`NextActionTexts.collect`): after every full derive, and after an incremental one
/// once the texts added since the last collection outnumber both those it left and 1,000
/// (`next_action_text_collection` keeps where it left off); and by `forget`.
///
/// The view takes inserts and deletes (instead-of triggers), so a tool or a fixture that wrote
/// `next_actions` rows still can; the derive writes `next_action_rows` itself.
enum M0023_NextActionTexts {
    static let identifier = "0023_next_action_texts"

    static let sql = """
        CREATE TABLE next_action_texts (
            text_id INTEGER PRIMARY KEY,
            text    TEXT NOT NULL UNIQUE
        );
        INSERT OR IGNORE INTO next_action_texts (text) SELECT reason FROM next_actions ORDER BY person_id, rank;
        INSERT OR IGNORE INTO next_action_texts (text) SELECT evidence FROM next_actions WHERE evidence IS NOT NULL ORDER BY person_id, rank;
        CREATE TABLE next_action_rows (
            person_id   TEXT NOT NULL REFERENCES persons (person_id) ON DELETE CASCADE,
            rank        INTEGER NOT NULL,
            action      TEXT NOT NULL,
            channel     TEXT,
            side        TEXT CHECK (side IN ('marketing', 'sales')),
            score       REAL,
            reason_id   INTEGER NOT NULL,
            evidence_id INTEGER,
            computed_at TEXT NOT NULL,
            owner       TEXT,
            stage       TEXT,
            priority    REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (person_id, rank)
        );
        INSERT INTO next_action_rows (person_id, rank, action, channel, side, score, reason_id, evidence_id, computed_at, owner, stage, priority)
          SELECT n.person_id, n.rank, n.action, n.channel, n.side, n.score, r.text_id, e.text_id, n.computed_at, n.owner, n.stage, n.priority
          FROM next_actions n JOIN next_action_texts r ON r.text = n.reason LEFT JOIN next_action_texts e ON e.text = n.evidence
          ORDER BY n.person_id, n.rank;
        DROP TABLE next_actions;
        CREATE INDEX next_actions_in_order ON next_action_rows (priority DESC, person_id, rank);
        CREATE INDEX next_actions_by_owner ON next_action_rows (owner, priority DESC, person_id, rank);
        CREATE INDEX next_actions_by_stage ON next_action_rows (stage, priority DESC, person_id, rank);
        CREATE INDEX next_actions_by_action ON next_action_rows (action, priority DESC, person_id, rank);
        CREATE VIEW next_actions (person_id, rank, action, channel, side, score, reason, evidence, computed_at, owner, stage, priority) AS
          SELECT n.person_id, n.rank, n.action, n.channel, n.side, n.score, r.text, e.text, n.computed_at, n.owner, n.stage, n.priority
          FROM next_action_rows n
          LEFT JOIN next_action_texts r ON r.text_id = n.reason_id
          LEFT JOIN next_action_texts e ON e.text_id = n.evidence_id;
        CREATE TRIGGER next_actions_insert INSTEAD OF INSERT ON next_actions BEGIN
          INSERT OR IGNORE INTO next_action_texts (text) VALUES (NEW.reason);
          INSERT OR IGNORE INTO next_action_texts (text) SELECT NEW.evidence WHERE NEW.evidence IS NOT NULL;
          INSERT INTO next_action_rows (person_id, rank, action, channel, side, score, reason_id, evidence_id, computed_at, owner, stage, priority)
          VALUES (NEW.person_id, NEW.rank, NEW.action, NEW.channel, NEW.side, NEW.score,
                  (SELECT text_id FROM next_action_texts WHERE text = NEW.reason),
                  (SELECT text_id FROM next_action_texts WHERE text = NEW.evidence),
                  NEW.computed_at, NEW.owner, NEW.stage, coalesce(NEW.priority, 0));
        END;
        CREATE TRIGGER next_actions_delete INSTEAD OF DELETE ON next_actions BEGIN
          DELETE FROM next_action_rows WHERE person_id = OLD.person_id AND rank = OLD.rank;
        END;
        CREATE TABLE next_action_text_collection (
            id     INTEGER PRIMARY KEY CHECK (id = 1),
            top_id INTEGER NOT NULL,
            live   INTEGER NOT NULL
        );
        INSERT INTO next_action_text_collection (id, top_id, live)
          SELECT 1, coalesce(max(text_id), 0), count(*) FROM next_action_texts;
        """
}
