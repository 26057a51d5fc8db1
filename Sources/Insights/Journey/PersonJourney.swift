public import JourneyModel

/// One touch of a person's journey, as the definitions read it.
public struct JourneyTouch: Sendable, Equatable {
    public var id: String
    public var at: Timestamp
    public var channel: String
    public var action: String
    public var side: String
    public var campaign: String?
    public var content: String?
    public var owner: String?

    public init(
        id: String, at: Timestamp, channel: String, action: String, side: String, campaign: String? = nil, content: String? = nil,
        owner: String? = nil
    ) {
        self.id = id
        self.at = at
        self.channel = channel
        self.action = action
        self.side = side
        self.campaign = campaign
        self.content = content
        self.owner = owner
    }
}

/// What a vendor record says a person's stage is (HubSpot `lifecyclestage`, a lead status).
public struct VendorStage: Sendable, Equatable {
    public var value: String
    /// When the record said so: its version, else its creation.
    public var at: Timestamp?
    public var recordKey: String

    public init(value: String, at: Timestamp?, recordKey: String) {
        self.value = value
        self.at = at
        self.recordKey = recordKey
    }
}

/// A milestone of an opportunity of the person's account: its creation or its close.
public struct OpportunityMilestone: Sendable, Equatable {
    public enum Kind: String, Sendable { case created, won, lost }
    public var kind: Kind
    public var at: Timestamp
    /// The touchpoint that records it, when one does.
    public var touchpoint: String?
    public var opportunity: String?

    public init(kind: Kind, at: Timestamp, touchpoint: String?, opportunity: String?) {
        self.kind = kind
        self.at = at
        self.touchpoint = touchpoint
        self.opportunity = opportunity
    }
}

/// Everything the definitions need about one person, read from the store.
public struct JourneyFacts: Sendable, Equatable {
    public var personId: String
    public var createdAt: Timestamp?
    public var title: String?
    public var owner: String?
    /// The person's country (ISO code when recognised).
    public var country: String?
    /// The address the person is emailed at, if any.
    public var email: String?
    /// Email consent on record: true opted in, false opted out, nil unknown.
    public var consentEmail: Bool?
    /// Since when the opt-out holds (nil: not opted out).
    public var emailOptOutAt: Timestamp?
    /// The person's company as fit reads it: the account's attributes, each falling back to what
    /// the person's own records say about their company.
    public var account: CompanyProfile?
    public var vendorStages: [VendorStage]
    /// In time order (then by id).
    public var touches: [JourneyTouch]
    public var opportunities: [OpportunityMilestone]

    public init(
        personId: String, createdAt: Timestamp? = nil, title: String? = nil, owner: String? = nil, country: String? = nil,
        email: String? = nil, consentEmail: Bool? = nil, emailOptOutAt: Timestamp? = nil, account: CompanyProfile? = nil, vendorStages: [VendorStage] = [], touches: [JourneyTouch] = [], opportunities: [OpportunityMilestone] = []
    ) {
        self.personId = personId
        self.createdAt = createdAt
        self.title = title
        self.owner = owner
        self.country = country
        self.email = email
        self.consentEmail = consentEmail
        self.emailOptOutAt = emailOptOutAt
        self.account = account
        self.vendorStages = vendorStages
        self.touches = touches.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        self.opportunities = opportunities.sorted { ($0.at, $0.kind.rawValue) < ($1.at, $1.kind.rawValue) }
    }
}

extension JourneyFacts {
    /// The journey as a store holding only what happened before `time` would have it; nil when
    /// the person was not known yet (created at or after it, and no touch before it).
    public func before(_ time: Timestamp) -> JourneyFacts? {
        let touches = self.touches.filter { $0.at < time }
        if let created = createdAt, created >= time { return nil }
        if createdAt == nil, touches.isEmpty { return nil }
        var out = self
        out.touches = touches
        out.vendorStages = vendorStages.filter { ($0.at ?? createdAt).map { $0 < time } ?? false }
        out.opportunities = opportunities.filter { $0.at < time }
        return out
    }
}
