/// `next_actions` in the order the API lists them (highest score first, NULL scores last, then
/// person and rank): `GET /v1/next-actions` reads a page off this index instead of sorting every
/// suggestion per request (bench/api.sh).
enum M0030_NextActionsByScore {
    static let identifier = "0030_next_actions_by_score"

    static let sql = """
        CREATE INDEX next_actions_by_score ON next_actions (score DESC, person_id, rank);
        """
}
