public import GRDB
public import JourneyModel

/// Touchpoints whose person is gone wait in `orphan_touchpoints`, out of the live tables, keyed by
/// the identifier they name their person by, until a live record claims it again (migration 0008).
/// The batch writer parks new ones, identity resolution parks and claims back existing ones.
public enum ParkedTouchpoints {
    static let columns = """
        touchpoint_id, account_id, occurred_at, channel, action, side, campaign, content, owner, touchpoint_value,
        source, stream, external_id, attributes, person_ref, campaign_id
        """
    static let liveColumns = """
        touchpoint_id, account_id, occurred_at, channel, action, side, campaign, content, owner, value,
        source, stream, external_id, attributes, person_ref, campaign_id
        """

    /// Moves the touchpoints `person` holds through `personRef` (its stored text, '' for none)
    /// out of `touchpoints`, parked under `ref`; an account they took from the person is dropped.
    public static func park(_ db: Database, person: String, personRef: String, under ref: Identifier, personAccount: String?) throws {
        try PersonIndex.ensure(db)
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO orphan_touchpoints (kind, value, \(columns))
            SELECT ?1, ?2, touchpoint_id, CASE WHEN account_id IS ?3 THEN NULL ELSE account_id END, occurred_at, channel, action,
              side, campaign, content, owner, value, source, stream, external_id, attributes, person_ref, campaign_id
            FROM touchpoints WHERE person_id = ?4 AND coalesce(person_ref, '') = ?5
            """).execute(arguments: [ref.kind.rawValue, ref.value, personAccount, person, personRef])
        try db.cachedStatement(sql: "DELETE FROM touchpoints WHERE person_id = ? AND coalesce(person_ref, '') = ?")
            .execute(arguments: [person, personRef])
    }

    /// Gives the touchpoints parked under `ref` back to `person`; returns how many came back.
    @discardableResult
    public static func claim(_ db: Database, _ ref: Identifier, for person: String) throws -> Int {
        let args: StatementArguments = [ref.kind.rawValue, ref.value, person]
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO touchpoints (person_id, \(liveColumns))
            SELECT ?3, \(columns) FROM orphan_touchpoints WHERE kind = ?1 AND value = ?2
            """).execute(arguments: args)
        let moved = db.changesCount
        try db.cachedStatement(sql: "DELETE FROM orphan_touchpoints WHERE kind = ? AND value = ?").execute(arguments: [ref.kind.rawValue, ref.value])
        return moved
    }

    /// Whether any touchpoint is parked under `ref`.
    public static func exist(_ db: Database, under ref: Identifier) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM orphan_touchpoints WHERE kind = ? AND value = ?)"),
            arguments: [ref.kind.rawValue, ref.value]) ?? false
    }
}
