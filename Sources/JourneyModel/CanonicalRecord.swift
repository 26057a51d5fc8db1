import Foundation

/// What a source record says about a person (a lead, a contact, a Marketo lead).
public struct PersonFacts: Sendable, Equatable {
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    public var title: String?
    public var company: String?
    public var phone: String?
    public var owner: String?
    /// true: may be emailed; false: opted out / unsubscribed; nil: the record does not say.
    public var consentEmail: Bool?
    /// The vendor's own lifecycle or status text, kept for the later shared stage definitions.
    public var vendorStage: String?
    public var score: Double?
    public var account: Identifier?
    public var createdAt: Timestamp?
    /// Where the person is, as the record says (stored as an ISO code when recognised).
    public var country: String?
    /// What the person's own record says about their company (a lead's Industry,
    /// NumberOfEmployees, AnnualRevenue, a Marketo lead's sicCode): the fit definitions read
    /// these when the person's account does not say.
    public var firmographics: CompanyProfile

    public init(
        email: String? = nil, firstName: String? = nil, lastName: String? = nil, title: String? = nil,
        company: String? = nil, phone: String? = nil, owner: String? = nil, consentEmail: Bool? = nil,
        vendorStage: String? = nil, score: Double? = nil, account: Identifier? = nil, createdAt: Timestamp? = nil,
        country: String? = nil, firmographics: CompanyProfile = CompanyProfile()
    ) {
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.title = title
        self.company = company
        self.phone = phone
        self.owner = owner
        self.consentEmail = consentEmail
        self.vendorStage = vendorStage
        self.score = score
        self.account = account
        self.createdAt = createdAt
        self.country = Country.normalize(country)
        self.firmographics = firmographics
    }
}

/// A company's firmographics as one record states them; any may be unknown.
public struct CompanyProfile: Sendable, Equatable {
    public var industry: String?
    public var employees: Int?
    public var annualRevenue: Double?
    /// ISO code when recognised (see `Country`).
    public var country: String?
    /// Leading SIC digits (see `SICCode`).
    public var sicCode: String?

    public init(industry: String? = nil, employees: Int? = nil, annualRevenue: Double? = nil, country: String? = nil, sicCode: String? = nil) {
        self.industry = industry
        self.employees = employees
        self.annualRevenue = annualRevenue
        self.country = Country.normalize(country)
        self.sicCode = SICCode.normalize(sicCode)
    }

    public var isEmpty: Bool { industry == nil && employees == nil && annualRevenue == nil && country == nil && sicCode == nil }
}

/// What a source record says about a company.
public struct AccountFacts: Sendable, Equatable {
    /// Every identifier of the account this record is (its CRM id, its domain).
    public var identifiers: [Identifier]
    public var name: String?
    public var domain: String?
    public var industry: String?
    public var employees: Int?
    public var annualRevenue: Double?
    /// ISO code when recognised (see `Country`): the billing or head-office country.
    public var country: String?
    /// Leading SIC digits (see `SICCode`).
    public var sicCode: String?

    public init(
        identifiers: [Identifier], name: String? = nil, domain: String? = nil, industry: String? = nil,
        employees: Int? = nil, annualRevenue: Double? = nil, country: String? = nil, sicCode: String? = nil
    ) {
        self.identifiers = identifiers
        self.name = name
        self.domain = domain
        self.industry = industry
        self.employees = employees
        self.annualRevenue = annualRevenue
        self.country = Country.normalize(country)
        self.sicCode = SICCode.normalize(sicCode)
    }
}

/// What a source record says about an opportunity (deal).
public struct OpportunityFacts: Sendable, Equatable {
    public var account: Identifier?
    public var name: String?
    public var stage: String?
    public var amount: Double?
    public var currency: String?
    public var closeDate: String?
    public var isWon: Bool?
    public var isClosed: Bool?

    public init(
        account: Identifier? = nil, name: String? = nil, stage: String? = nil, amount: Double? = nil,
        currency: String? = nil, closeDate: String? = nil, isWon: Bool? = nil, isClosed: Bool? = nil
    ) {
        self.account = account
        self.name = name
        self.stage = stage
        self.amount = amount
        self.currency = currency
        self.closeDate = closeDate
        self.isWon = isWon
        self.isClosed = isClosed
    }
}

/// What a source record says about a campaign (a Salesforce `Campaign`).
public struct CampaignFacts: Sendable, Equatable {
    public var name: String?
    public var type: String?
    public var status: String?
    public var startDate: String?
    public var endDate: String?
    public var parent: String?

    public init(
        name: String? = nil, type: String? = nil, status: String? = nil, startDate: String? = nil, endDate: String? = nil,
        parent: String? = nil
    ) {
        self.name = name
        self.type = type
        self.status = status
        self.startDate = startDate
        self.endDate = endDate
        self.parent = parent
    }
}

/// A reference to a record of some system, e.g. Marketo lead 3004 (`marketo`, `leads`, `3004`).
public struct RecordKey: Hashable, Sendable, CustomStringConvertible {
    /// The vendor system (`salesforce`, `hubspot`, `marketo`) or, for generic files, the source name,
    /// so that the same record read through an API and through an export is one record.
    public var system: String { didSet { description = Self.text(system, object, externalId) } }
    public var object: String { didSet { description = Self.text(system, object, externalId) } }
    public var externalId: String { didSet { description = Self.text(system, object, externalId) } }
    /// `system:object:externalId`, the key's text in the store. Made with the key — on the
    /// reading side of an ingest — because the single writer would otherwise build it for every
    /// row it writes, more than once.
    public private(set) var description: String

    public init(system: String, object: String, externalId: String) {
        self.init(system: system, object: object, externalId: externalId, description: Self.text(system, object, externalId))
    }

    private init(system: String, object: String, externalId: String, description: String) {
        self.system = system
        self.object = object
        self.externalId = externalId
        self.description = description
    }

    private static func text(_ system: String, _ object: String, _ externalId: String) -> String {
        "\(system):\(object):\(externalId)"
    }

    // The text follows from the three parts: equality and hashing need only them.
    public static func == (a: RecordKey, b: RecordKey) -> Bool {
        a.externalId == b.externalId && a.object == b.object && a.system == b.system
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(system)
        hasher.combine(object)
        hasher.combine(externalId)
    }
}

/// A delete, archive or merge of some record, carried by the record itself or by another one
/// (a Marketo "Delete Lead" activity deletes a lead).
public struct Tombstone: Sendable, Equatable {
    public var target: RecordKey
    public var deletedAt: Timestamp?
    public var reason: String
    /// What the deleted record is known by (its own id as an identifier, e.g. `marketo_lead 7106`):
    /// they name nobody from then on, even when the record itself never arrived.
    public var identifiers: [Identifier]

    public init(target: RecordKey, deletedAt: Timestamp?, reason: String, identifiers: [Identifier] = []) {
        self.target = target
        self.deletedAt = deletedAt
        self.reason = reason
        self.identifiers = identifiers
    }
}

/// Everything one source record means in the canonical model: the mapping's output.
public struct CanonicalRecord: Sendable, Equatable {
    public var key: RecordKey
    /// The record's own modification time; a version never replaces a newer one.
    public var version: Timestamp? { didSet { versionText = version?.iso8601 } }
    /// `version` as the store writes it, made with the record (see `RecordKey.description`).
    public private(set) var versionText: String?
    /// Identifiers of the person this record *is* (a lead's id, its email, ids other systems gave it).
    public var identifiers: [Identifier]
    public var person: PersonFacts?
    public var account: AccountFacts?
    public var opportunity: OpportunityFacts?
    public var campaign: CampaignFacts?
    public var touchpoints: [TouchpointFacts]
    /// Deletes this record carries: of itself (`IsDeleted`, archived) or of other records.
    public var tombstones: [Tombstone]
    /// Identifiers the source says are one person because it merged their records (a merged-away
    /// lead and its master): linked even though the record itself is deleted.
    public var mergedAliases: [Identifier] = []

    public init(
        key: RecordKey, version: Timestamp? = nil, identifiers: [Identifier] = [], person: PersonFacts? = nil,
        account: AccountFacts? = nil, opportunity: OpportunityFacts? = nil, campaign: CampaignFacts? = nil,
        touchpoints: [TouchpointFacts] = [], tombstones: [Tombstone] = []
    ) {
        self.key = key
        self.version = version
        versionText = version?.iso8601
        self.identifiers = identifiers
        self.person = person
        self.account = account
        self.opportunity = opportunity
        self.campaign = campaign
        self.touchpoints = touchpoints
        self.tombstones = tombstones
    }

    /// True when the record deletes itself (it stays in the raw zone; its live rows go).
    public var deletesItself: Bool { tombstones.contains { $0.target == key } }
}

extension RecordKey {
    /// Reads `system:object:externalId` (the form `description` writes; the id may hold colons).
    public init?(encoded text: some StringProtocol) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        // The text read is the key's text already: identity reads keys back by the thousand.
        self.init(system: String(parts[0]), object: String(parts[1]), externalId: String(parts[2]), description: String(text))
    }

    /// `system:object`: the records of one system object are never one person unless merged.
    public var objectName: String { "\(system):\(object)" }
}
