import Foundation
public import GRDB
import JourneyModel
import JourneyStore

/// Reads every person's journey with sequential scans, for full derives: a person's touches
/// are spread over the whole table (it is in arrival order), so reading them person by person
/// costs a random page read per touch, while one pass over the table costs one read per page.
///
/// `persons`, `person_records` and `touchpoints` are each read once, in table order, into
/// SQLite's sorter by person id (`NOT INDEXED`: walking the person index would be the random
/// reads again), and the three sorted streams are merged person by person. The sorter spills to
/// temp files past its cache, so memory holds one person's journey at a time however large the
/// store, and the cost grows as n log n, where partitions of persons each passing over the whole
/// table grew as n². Persons come out in id order; the facts are exactly what `JourneyLoader`
/// reads for the same person (they share `JourneyRows`).
public struct JourneyScan {
    /// The page cache setting (KiB, negative) the sorts start under: each sorter keeps up to
    /// this much in memory before it writes a sorted run to a temp file.
    static let sorterCacheSize = -8192

    public static func forEach(db: Database, _ body: (JourneyFacts, JourneyLoader.Stored) throws -> Void) throws {
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

        // A sorted query's rows are all read before its first is returned, so what `body`
        // writes to these tables does not change what the streams hold.
        let personQuery = try HotStatement(db, sql: "SELECT person_id, \(JourneyRows.personColumns) FROM persons NOT INDEXED ORDER BY person_id")
        let recordQuery = try HotStatement(db, sql: """
            SELECT person_id, \(JourneyRows.recordColumns) FROM person_records NOT INDEXED WHERE person_id IS NOT NULL
            ORDER BY person_id, coalesce(version_at, ''), record_key
            """)
        let touchQuery = try HotStatement(db, sql: """
            SELECT person_id, \(JourneyRows.touchColumns) FROM touchpoints NOT INDEXED WHERE person_id IS NOT NULL ORDER BY person_id
            """)
        defer {
            personQuery.reset()
            recordQuery.reset()
            touchQuery.reset()
        }
        // SQLite sizes a sorter's memory by the page cache setting when the sort starts; the
        // three sorts run with a smaller one (the first step of each fills its sorter), so
        // they spill to temp files sooner instead of adding up to three page caches of memory.
        var (morePersons, moreRecords, moreTouches) = try Self.startingSorts(db) {
            (try personQuery.step(), try recordQuery.step(), try touchQuery.step())
        }
        while morePersons {
            let id = personQuery.string(0) ?? ""
            let person = JourneyRows.person(personQuery, from: 1)
            // Rows of a person id that is not in `persons` sort before the next one that is: skipped.
            var records = CompanyRecords()
            while moreRecords, let order = Self.order(recordQuery, id), order != .after {
                if order == .same { records.add(recordQuery, from: 1) }
                moreRecords = try recordQuery.step()
            }
            var touches: [JourneyTouch] = []
            while moreTouches, let order = Self.order(touchQuery, id), order != .after {
                if order == .same, let t = rows.touch(touchQuery, from: 1) { touches.append(t) }
                moreTouches = try touchQuery.step()
            }
            let journey = JourneyRows.assemble(id, person, records, person.account.map(account), touches)
            try body(journey.facts, journey.stored)
            morePersons = try personQuery.step()
        }
    }

    /// Runs `start` (the first steps of sorted queries) under the sorters' smaller page cache
    /// setting, restored after.
    static func startingSorts<T>(_ db: Database, _ start: () throws -> T) throws -> T {
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA main.cache_size") ?? -2000
        try db.execute(sql: "PRAGMA main.cache_size = \(sorterCacheSize)")
        defer { try? db.execute(sql: "PRAGMA main.cache_size = \(cacheSize)") }
        return try start()
    }

    enum Order { case before, same, after }

    /// Where the current row's key in column 0 (a person id here, an account id for buying
    /// groups) stands against `id`, in SQLite's BINARY collation (byte order), the order the
    /// sorter produced.
    static func order(_ q: HotStatement, _ id: String) -> Order? {
        var key = id
        return q.withUTF8(0) { row in
            key.withUTF8 { mine in
                let n = min(row.count, mine.count)
                let c = n == 0 ? 0 : memcmp(row.baseAddress!, mine.baseAddress!, n)
                if c < 0 || (c == 0 && row.count < mine.count) { return .before }
                if c > 0 || row.count > mine.count { return .after }
                return .same
            }
        }
    }
}
