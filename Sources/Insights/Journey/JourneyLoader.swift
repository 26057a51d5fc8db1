import Foundation
public import GRDB
public import JourneyModel
import JourneyStore

/// Reads persons' journeys from the store. One loader serves one transaction: what persons of
/// one account share (the company's attributes, its deals) is read once per account. Reads go
/// through `HotStatement`: the derive reads every touch of every person a batch touched.
public struct JourneyLoader {
    let db: Database
    private var accounts: [String: (company: CompanyProfile?, deals: [OpportunityMilestone])] = [:]
    private let person: HotStatement
    private let records: HotStatement
    private let touches: HotStatement
    /// Repeated strings (channels, actions, sides, owners) share one copy.
    private var interned: Set<String> = []

    public init(db: Database) throws {
        self.db = db
        person = try HotStatement(db, sql: "SELECT created_at, title, owner, account_id, country, lifecycle_stage, score FROM persons WHERE person_id = ?")
        records = try HotStatement(db, sql: """
            SELECT record_key, vendor_stage, coalesce(version_at, created_at), industry, employees, annual_revenue, country, sic_code
            FROM person_records WHERE person_id = ? ORDER BY coalesce(version_at, ''), record_key
            """)
        touches = try HotStatement(db, sql: """
            SELECT touchpoint_id, occurred_at, channel, action, side, campaign, content, owner FROM touchpoints
            WHERE person_id = ? ORDER BY occurred_at, touchpoint_id
            """)
    }

    /// One person's journey in a fresh loader.
    public static func load(_ personId: String, db: Database) throws -> JourneyFacts? {
        var loader = try JourneyLoader(db: db)
        return try loader.load(personId)?.facts
    }

    /// What the store holds for a person now, beside the facts: their stage and score.
    public struct Stored: Sendable, Equatable {
        public var stage: String?
        public var score: Double?
    }

    /// One person's journey and what the store holds for them now; nil for an unknown person.
    public mutating func load(_ personId: String) throws -> (facts: JourneyFacts, stored: Stored)? {
        person.text(1, personId)
        let p = try person.first {
            (created: person.withUTF8(0) { TimestampParser.utc.parse(utf8: $0) } ?? nil, title: person.string(1), owner: person.string(2),
             account: person.string(3), country: person.string(4), stored: Stored(stage: person.string(5), score: person.double(6)))
        }
        guard let p else { return nil }
        // What the person's own records say about their company, the most recent non-empty value
        // of each field; the account's attributes, when it has them, come first.
        var company = CompanyProfile()
        var vendor: [VendorStage] = []
        records.text(1, personId)
        try records.rows {
            if let v = records.string(1) {
                let at = records.withUTF8(2) { TimestampParser.utc.parse(utf8: $0) } ?? nil
                vendor.append(VendorStage(value: v, at: at, recordKey: records.string(0) ?? ""))
            }
            company.industry = records.string(3) ?? company.industry
            company.employees = records.int64(4).map { Int($0) } ?? company.employees
            company.annualRevenue = records.double(5) ?? company.annualRevenue
            company.country = records.string(6) ?? company.country
            company.sicCode = records.string(7) ?? company.sicCode
        }
        vendor.sort { $0.recordKey < $1.recordKey }
        var deals: [OpportunityMilestone] = []
        if let accountId = p.account {
            let account = try self.account(accountId)
            deals = account.deals
            if let a = account.company {
                company = CompanyProfile(
                    industry: a.industry ?? company.industry, employees: a.employees ?? company.employees,
                    annualRevenue: a.annualRevenue ?? company.annualRevenue, country: a.country ?? company.country,
                    sicCode: a.sicCode ?? company.sicCode)
            }
        }
        var journey: [JourneyTouch] = []
        touches.text(1, personId)
        try touches.rows {
            guard let at = touches.withUTF8(1, { TimestampParser.utc.parse(utf8: $0) }) ?? nil else { return }
            journey.append(JourneyTouch(
                id: touches.string(0) ?? "", at: at, channel: intern(touches.string(2)) ?? "", action: intern(touches.string(3)) ?? "",
                side: intern(touches.string(4)) ?? "", campaign: touches.string(5), content: touches.string(6), owner: intern(touches.string(7))))
        }
        let facts = JourneyFacts(
            personId: personId, createdAt: p.created, title: p.title, owner: p.owner, country: p.country,
            account: company.isEmpty ? nil : company, vendorStages: vendor, touches: journey, opportunities: deals)
        return (facts, p.stored)
    }

    private mutating func intern(_ s: String?) -> String? {
        guard let s else { return nil }
        if let known = interned.firstIndex(of: s) { return interned[known] }
        interned.insert(s)
        return s
    }

    /// The company's attributes and its deals' milestones.
    private mutating func account(_ accountId: String) throws -> (company: CompanyProfile?, deals: [OpportunityMilestone]) {
        if let known = accounts[accountId] { return known }
        var company: CompanyProfile?
        if let a = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT industry, employees, annual_revenue, country, sic_code FROM accounts WHERE account_id = ?"),
            arguments: [accountId])
        {
            company = CompanyProfile(industry: a[0], employees: a[1], annualRevenue: a[2], country: a[3], sicCode: a[4])
        }
        var deals: [OpportunityMilestone] = []
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT touchpoint_id, occurred_at, action, coalesce(json_extract(attributes, '$.opportunity_id'), json_extract(attributes, '$.deal_id')) FROM touchpoints
                WHERE account_id = ? AND action IN ('opportunity.created', 'opportunity.won', 'opportunity.lost')
                """),
            arguments: [accountId])
        {
            guard let at = TimestampParser.utc.parse(row[1] as String) else { continue }
            let kind: OpportunityMilestone.Kind = switch row[2] as String {
            case "opportunity.created": .created
            case "opportunity.won": .won
            default: .lost
            }
            deals.append(OpportunityMilestone(kind: kind, at: at, touchpoint: row[0], opportunity: row[3]))
        }
        // A won deal known only from its record (an export without its history) dates from its close.
        let recorded = Set(deals.filter { $0.kind == .won }.compactMap(\.opportunity))
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT external_id, close_date FROM opportunities WHERE account_id = ? AND is_won = 1"), arguments: [accountId])
        {
            let external: String = row[0]
            guard !recorded.contains(external), let close = (row[1] as String?).flatMap(TimestampParser.utc.parse) else { continue }
            deals.append(OpportunityMilestone(kind: .won, at: close, touchpoint: nil, opportunity: external))
        }
        accounts[accountId] = (company, deals)
        return (company, deals)
    }
}
