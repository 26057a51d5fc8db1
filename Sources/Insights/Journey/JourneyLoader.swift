import Foundation
public import GRDB
import JourneyModel
import JourneyStore

/// Reads persons' journeys from the store, one person at a time (what a batch touched). One
/// loader serves one transaction: what persons of one account share (the company's attributes,
/// its deals) is read once per account. `JourneyScan` reads everyone's with sequential scans.
public struct JourneyLoader {
    let db: Database
    private var accounts: [String: AccountFacts] = [:]
    private let person: HotStatement
    private let records: HotStatement
    private let touches: HotStatement
    private var rows = JourneyRows()

    public init(db: Database) throws {
        self.db = db
        person = try HotStatement(db, sql: "SELECT \(JourneyRows.personColumns) FROM persons WHERE person_id = ?")
        records = try HotStatement(db, sql: """
            SELECT \(JourneyRows.recordColumns) FROM person_records WHERE person_id = ? ORDER BY coalesce(version_at, ''), record_key
            """)
        touches = try HotStatement(db, sql: """
            SELECT \(JourneyRows.touchColumns) FROM touchpoints WHERE person_id = ? ORDER BY occurred_at, touchpoint_id
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
        public var account: String?
    }

    /// One person's journey and what the store holds for them now; nil for an unknown person.
    public mutating func load(_ personId: String) throws -> (facts: JourneyFacts, stored: Stored)? {
        person.text(1, personId)
        guard let p = try person.first({ JourneyRows.person(person, from: 0) }) else { return nil }
        var company = CompanyRecords()
        records.text(1, personId)
        try records.rows { company.add(records, from: 0) }
        var journey: [JourneyTouch] = []
        touches.text(1, personId)
        try touches.rows { if let t = rows.touch(touches, from: 0) { journey.append(t) } }
        let account = try p.account.map { try self.account($0) }
        return JourneyRows.assemble(personId, p, company, account, journey)
    }

    /// The company's attributes and its deals' milestones.
    private mutating func account(_ accountId: String) throws -> AccountFacts {
        if let known = accounts[accountId] { return known }
        var company: CompanyProfile?
        if let a = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT industry, employees, annual_revenue, country, sic_code FROM accounts WHERE account_id = ?"),
            arguments: [accountId])
        {
            company = CompanyProfile(industry: a[0], employees: a[1], annualRevenue: a[2], country: a[3], sicCode: a[4])
        }
        var deals = DealMilestones()
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(DealMilestones.touchColumns) FROM touchpoints WHERE account_id = ? AND \(DealMilestones.actions)"),
            arguments: [accountId])
        {
            deals.add(touch: row, from: 1)
        }
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT account_id, external_id, close_date FROM opportunities WHERE account_id = ? AND is_won = 1"), arguments: [accountId])
        {
            deals.add(wonRecord: row, from: 1)
        }
        let facts = AccountFacts(company: company, deals: deals.milestones)
        accounts[accountId] = facts
        return facts
    }
}

/// What persons of one account share.
struct AccountFacts {
    var company: CompanyProfile?
    var deals: [OpportunityMilestone]
}

/// An account's deal milestones: creations and closes from deal touchpoints, and a won deal
/// known only from its record (an export without its history), dated from its close.
struct DealMilestones {
    static let touchColumns =
        "account_id, touchpoint_id, occurred_at, action, coalesce(json_extract(attributes, '$.opportunity_id'), json_extract(attributes, '$.deal_id'))"
    /// Spelled as `touchpoints_account_deals` (migration 0020) spells its condition, so SQLite reads through it.
    static let actions = "(action = 'opportunity.created' OR action = 'opportunity.won' OR action = 'opportunity.lost')"

    private var fromTouches: [OpportunityMilestone] = []
    private var fromRecords: [OpportunityMilestone] = []

    /// A row of `touchColumns` (from the touchpoint id on, at `offset`).
    mutating func add(touch row: Row, from offset: Int) {
        guard let at = TimestampParser.utc.parse(row[offset + 1] as String) else { return }
        let kind: OpportunityMilestone.Kind = switch row[offset + 2] as String {
        case "opportunity.created": .created
        case "opportunity.won": .won
        default: .lost
        }
        fromTouches.append(OpportunityMilestone(kind: kind, at: at, touchpoint: row[offset], opportunity: row[offset + 3]))
    }

    /// A won opportunity's external id and close date (at `offset`).
    mutating func add(wonRecord row: Row, from offset: Int) {
        guard let close = (row[offset + 1] as String?).flatMap(TimestampParser.utc.parse) else { return }
        fromRecords.append(OpportunityMilestone(kind: .won, at: close, touchpoint: nil, opportunity: row[offset]))
    }

    var milestones: [OpportunityMilestone] {
        let recorded = Set(fromTouches.filter { $0.kind == .won }.compactMap(\.opportunity))
        return fromTouches + fromRecords.filter { !recorded.contains($0.opportunity ?? "") }
    }
}

/// What a person's own records say about their company (the most recent non-empty value of each
/// field; the account's attributes, when it has them, come first), their vendor stages, and since
/// when an email opt-out holds. Rows must come in (version, record key) order.
struct CompanyRecords {
    var company = CompanyProfile()
    var vendor: [VendorStage] = []
    var optOut: Timestamp?

    /// A row of `JourneyRows.recordColumns` at `offset`.
    mutating func add(_ q: HotStatement, from o: Int32) {
        if q.int64(o + 8) == 0, let since = q.withUTF8(o + 9, { TimestampParser.utc.parse(utf8: $0) }) ?? nil {
            optOut = max(optOut ?? since, since)
        }
        if let v = q.string(o + 1) {
            let at = q.withUTF8(o + 2) { TimestampParser.utc.parse(utf8: $0) } ?? nil
            vendor.append(VendorStage(value: v, at: at, recordKey: q.string(o) ?? ""))
        }
        company.industry = q.string(o + 3) ?? company.industry
        company.employees = q.int64(o + 4).map { Int($0) } ?? company.employees
        company.annualRevenue = q.double(o + 5) ?? company.annualRevenue
        company.country = q.string(o + 6) ?? company.country
        company.sicCode = q.string(o + 7) ?? company.sicCode
    }
}

/// The columns journeys are read from, and how a person's rows become their `JourneyFacts`:
/// shared by the one-person loader and the whole-store scan so the two can never disagree.
struct JourneyRows {
    static let personColumns = "created_at, title, owner, account_id, country, lifecycle_stage, score, primary_email, consent_email"
    static let recordColumns = """
        record_key, vendor_stage, coalesce(version_at, created_at), industry, employees, annual_revenue, country, sic_code,
        consent_email, coalesce(consent_since, version_at, created_at)
        """
    static let touchColumns = "touchpoint_id, occurred_at, channel, action, side, campaign, content, owner"

    struct Person {
        var created: Timestamp?
        var title, owner, account, country, email: String?
        var consent: Bool?
        var stored: JourneyLoader.Stored
    }

    /// Repeated strings (channels, actions, sides, owners) share one copy.
    private var interned: Set<String> = []

    static func person(_ q: HotStatement, from o: Int32) -> Person {
        Person(
            created: q.withUTF8(o) { TimestampParser.utc.parse(utf8: $0) } ?? nil, title: q.string(o + 1), owner: q.string(o + 2),
            account: q.string(o + 3), country: q.string(o + 4), email: q.string(o + 7), consent: q.int64(o + 8).map { $0 != 0 },
            stored: JourneyLoader.Stored(stage: q.string(o + 5), score: q.double(o + 6), account: q.string(o + 3)))
    }

    mutating func touch(_ q: HotStatement, from o: Int32) -> JourneyTouch? {
        guard let at = q.withUTF8(o + 1, { TimestampParser.utc.parse(utf8: $0) }) ?? nil else { return nil }
        return JourneyTouch(
            id: q.string(o) ?? "", at: at, channel: intern(q.string(o + 2)) ?? "", action: intern(q.string(o + 3)) ?? "",
            side: intern(q.string(o + 4)) ?? "", campaign: q.string(o + 5), content: q.string(o + 6), owner: intern(q.string(o + 7)))
    }

    mutating func intern(_ s: String?) -> String? {
        guard let s else { return nil }
        if let known = interned.firstIndex(of: s) { return interned[known] }
        interned.insert(s)
        return s
    }

    static func assemble(
        _ personId: String, _ p: Person, _ records: CompanyRecords, _ account: AccountFacts?, _ touches: [JourneyTouch]
    ) -> (facts: JourneyFacts, stored: JourneyLoader.Stored) {
        var company = records.company
        if let a = account?.company {
            company = CompanyProfile(
                industry: a.industry ?? company.industry, employees: a.employees ?? company.employees,
                annualRevenue: a.annualRevenue ?? company.annualRevenue, country: a.country ?? company.country,
                sicCode: a.sicCode ?? company.sicCode)
        }
        let facts = JourneyFacts(
            personId: personId, createdAt: p.created, title: p.title, owner: p.owner, country: p.country, email: p.email,
            consentEmail: p.consent,
            emailOptOutAt: p.consent == false ? (records.optOut ?? p.created ?? Timestamp(millisecondsSinceEpoch: 0)) : nil,
            account: company.isEmpty ? nil : company, vendorStages: records.vendor.sorted { $0.recordKey < $1.recordKey },
            touches: touches, opportunities: account?.deals ?? [])
        return (facts, p.stored)
    }
}
