import GRDB

/// Registers every migration in order; the store refuses to open a file migrated by a newer version.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(M0001_JourneyStore.identifier) { db in
            try db.execute(sql: M0001_JourneyStore.sql)
        }
        migrator.registerMigration(M0002_IdentityConflicts.identifier) { db in
            try db.execute(sql: M0002_IdentityConflicts.sql)
        }
        migrator.registerMigration(M0003_DeletedPersons.identifier) { db in
            try db.execute(sql: M0003_DeletedPersons.sql)
        }
        migrator.registerMigration(M0004_IdentityGraph.identifier) { db in
            try db.execute(sql: M0004_IdentityGraph.sql)
        }
        migrator.registerMigration(M0005_AccountRecords.identifier) { db in
            try db.execute(sql: M0005_AccountRecords.sql)
        }
        migrator.registerMigration(M0006_QuarantineReasonCode.identifier) { db in
            try db.execute(sql: M0006_QuarantineReasonCode.sql)
        }
        migrator.registerMigration(M0007_DeriveQueue.identifier) { db in
            try db.execute(sql: M0007_DeriveQueue.sql)
        }
        migrator.registerMigration(M0008_ParkedTouchpoints.identifier) { db in
            try db.execute(sql: M0008_ParkedTouchpoints.sql)
        }
        migrator.registerMigration(M0009_QuarantinePosition.identifier) { db in
            try db.execute(sql: M0009_QuarantinePosition.sql)
        }
        migrator.registerMigration(M0010_CampaignsAndLifecycles.identifier) { db in
            try db.execute(sql: M0010_CampaignsAndLifecycles.sql)
        }
        migrator.registerMigration(M0011_ReprocessProgress.identifier) { db in
            try db.execute(sql: M0011_ReprocessProgress.sql)
        }
        migrator.registerMigration(M0012_SharedDefinitions.identifier) { db in
            try db.execute(sql: M0012_SharedDefinitions.sql)
        }
        migrator.registerMigration(M0013_Firmographics.identifier) { db in
            try db.execute(sql: M0013_Firmographics.sql)
        }
        migrator.registerMigration(M0014_NextActions.identifier) { db in
            try db.execute(sql: M0014_NextActions.sql)
        }
        migrator.registerMigration(M0015_ScoreExplanations.identifier) { db in
            try db.execute(sql: M0015_ScoreExplanations.sql)
        }
        migrator.registerMigration(M0016_PersonSignals.identifier) { db in
            try db.execute(sql: M0016_PersonSignals.sql)
        }
        migrator.registerMigration(M0017_APIReadIndexes.identifier) { db in
            try db.execute(sql: M0017_APIReadIndexes.sql)
        }
        migrator.registerMigration(M0018_NextActionListOrder.identifier) { db in
            try db.execute(sql: M0018_NextActionListOrder.sql)
        }
        migrator.registerMigration(M0019_CompactRawZone.identifier) { db in
            try db.execute(sql: M0019_CompactRawZone.sql)
        }
        migrator.registerMigration(M0020_AccountDealsIndex.identifier) { db in
            try db.execute(sql: M0020_AccountDealsIndex.sql)
        }
        migrator.registerMigration(M0021_CurrentVersionInRecord.identifier) { db in
            try db.execute(sql: M0021_CurrentVersionInRecord.sql)
        }
        migrator.registerMigration(M0022_Forget.identifier) { db in
            try db.execute(sql: M0022_Forget.sql)
        }
        migrator.registerMigration(M0023_NextActionTexts.identifier) { db in
            try db.execute(sql: M0023_NextActionTexts.sql)
        }
        migrator.registerMigration(M0024_ProspectListIndexes.identifier) { db in
            try db.execute(sql: M0024_ProspectListIndexes.sql)
        }
        migrator.registerMigration(M0025_IdentityGeneration.identifier) { db in
            try db.execute(sql: M0025_IdentityGeneration.sql)
        }
        return migrator
    }
}
