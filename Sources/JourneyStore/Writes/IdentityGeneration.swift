public import GRDB

/// Where `identity_generation` stands (migration 0025): it moves whenever an existing identifier
/// changes hands or goes, or a person changes account or goes, so an unchanged number means every
/// answer read from `identifiers` and `persons` since is still true.
public enum IdentityGeneration {
    public static func current(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT generation FROM identity_generation WHERE id = 1")) ?? 0
    }
}
