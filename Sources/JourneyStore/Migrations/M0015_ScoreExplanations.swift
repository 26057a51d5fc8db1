/// A person's score explanation is one JSON array in `lead_scores.facts` instead of a row per
/// fact: every new touch changes every decayed fact, and rewriting one row per person is what
/// keeps the per-batch derive fast. `score_facts` stays, as a view with the same columns.
enum M0015_ScoreExplanations {
    static let identifier = "0015_score_explanations"

    static let sql = """
        ALTER TABLE lead_scores ADD COLUMN facts TEXT NOT NULL DEFAULT '[]';
        UPDATE lead_scores SET facts = coalesce(
          (SELECT json_group_array(json_object('kind', kind, 'fact', fact, 'points', points))
           FROM (SELECT * FROM score_facts f WHERE f.person_id = lead_scores.person_id ORDER BY kind, fact)), '[]');
        DROP TABLE score_facts;
        CREATE VIEW score_facts AS
          SELECT s.person_id, json_extract(f.value, '$.kind') AS kind, json_extract(f.value, '$.fact') AS fact,
                 json_extract(f.value, '$.points') AS points
          FROM lead_scores s, json_each(s.facts) f;
        """
}
