import Foundation
public import GRDB
import JourneyModel
import JourneyStore

/// Reads every person's journey with sequential scans, for full derives: a person's touches
/// are spread over the whole table (it is in arrival order), so reading them person by person
/// costs a random page read per touch, while one pass over the table costs one read per page.
///
/// Persons are read in partitions (by a hash of their id), each partition one pass over
/// `persons`, `person_records` and `touchpoints`, so memory stays bounded by
/// `touchesPerPartition` touches and `personsPerPartition` persons however large the store.
/// Persons come out in id order within a partition; the facts are exactly what
/// `JourneyLoader` reads for the same person (they share `JourneyRows`).
public struct JourneyScan {
    public static let touchesPerPartition = 100_000
    public static let personsPerPartition = 50_000

    public static func forEach(
        db: Database, touchesPerPartition: Int = touchesPerPartition, personsPerPartition: Int = personsPerPartition,
        _ body: (JourneyFacts, JourneyLoader.Stored) throws -> Void
    ) throws {
        var rows = JourneyRows()
        // Accounts: attributes and deals (a row per account, far fewer than persons).
        var companies: [String: CompanyProfile] = [:]
        for a in try Row.fetchAll(db, sql: "SELECT account_id, industry, employees, annual_revenue, country, sic_code FROM accounts") {
            companies[a[0]] = CompanyProfile(industry: a[1], employees: a[2], annualRevenue: a[3], country: a[4], sicCode: a[5])
        }
        var deals: [String: DealMilestones] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT \(DealMilestones.touchColumns) FROM touchpoints WHERE account_id IS NOT NULL AND \(DealMilestones.actions)
            """) {
            deals[row[0], default: DealMilestones()].add(touch: row, from: 1)
        }
        for row in try Row.fetchAll(db, sql: "SELECT account_id, external_id, close_date FROM opportunities WHERE account_id IS NOT NULL AND is_won = 1") {
            deals[row[0], default: DealMilestones()].add(wonRecord: row, from: 1)
        }
        var accounts: [String: AccountFacts] = [:]
        func account(_ id: String) -> AccountFacts {
            if let known = accounts[id] { return known }
            let facts = AccountFacts(company: companies[id], deals: deals[id]?.milestones ?? [])
            accounts[id] = facts
            return facts
        }

        let touchCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM touchpoints WHERE person_id IS NOT NULL") ?? 0
        let personCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM persons") ?? 0
        let partitions = max(1, Self.ceil(touchCount, touchesPerPartition), Self.ceil(personCount, personsPerPartition))
        let personQuery = try HotStatement(db, sql: "SELECT person_id, \(JourneyRows.personColumns) FROM persons")
        let recordQuery = try HotStatement(db, sql: """
            SELECT person_id, \(JourneyRows.recordColumns) FROM person_records ORDER BY person_id, coalesce(version_at, ''), record_key
            """)
        let touchQuery = try HotStatement(db, sql: "SELECT person_id, \(JourneyRows.touchColumns) FROM touchpoints WHERE person_id IS NOT NULL")
        func inPartition(_ q: HotStatement, _ k: Int) -> Bool {
            q.withUTF8(0, { Self.partition($0, of: partitions) == k }) ?? false
        }
        for k in 0..<partitions {
            var persons: [(id: String, row: JourneyRows.Person)] = []
            try personQuery.rows {
                guard inPartition(personQuery, k) else { return }
                persons.append((personQuery.string(0) ?? "", JourneyRows.person(personQuery, from: 1)))
            }
            persons.sort { $0.id < $1.id }
            var records: [String: CompanyRecords] = [:]
            try recordQuery.rows {
                guard inPartition(recordQuery, k) else { return }
                records[recordQuery.string(0) ?? "", default: CompanyRecords()].add(recordQuery, from: 1)
            }
            var touches: [String: [JourneyTouch]] = [:]
            try touchQuery.rows {
                guard inPartition(touchQuery, k), let id = touchQuery.string(0), let t = rows.touch(touchQuery, from: 1) else { return }
                touches[id, default: []].append(t)
            }
            for (id, p) in persons {
                let journey = JourneyRows.assemble(
                    id, p, records.removeValue(forKey: id) ?? CompanyRecords(), p.account.map(account), touches.removeValue(forKey: id) ?? [])
                try body(journey.facts, journey.stored)
            }
        }
    }

    private static func ceil(_ n: Int, _ per: Int) -> Int { (n + max(1, per) - 1) / max(1, per) }

    /// A person's partition, from their id's bytes (FNV-1a: stable across runs and platforms).
    static func partition(_ bytes: some Collection<UInt8>, of count: Int) -> Int {
        guard count > 1 else { return 0 }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return Int(h % UInt64(count))
    }
}
