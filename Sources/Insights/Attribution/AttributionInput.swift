public import JourneyModel

/// One touchpoint as attribution reads it (a row of `touchpoints`).
public struct AttributionTouch: Sendable, Equatable {
    public var id: String
    public var person: String
    public var at: Timestamp
    public var channel: String
    public var campaign: String?
    public var action: String

    public init(id: String, person: String, at: Timestamp, channel: String, campaign: String? = nil, action: String) {
        self.id = id
        self.person = person
        self.at = at
        self.channel = channel
        self.campaign = campaign
        self.action = action
    }
}

/// A conversion: a touchpoint whose action is a conversion action, with its value resolved
/// (the touchpoint's value, else its opportunity's amount, else 0).
public struct AttributionConversion: Sendable, Equatable {
    public var id: String
    /// The person it credits; nil for a conversion known only by its account.
    public var person: String?
    public var account: String?
    public var at: Timestamp
    public var value: Double
    /// When the opportunity it closes was created (W-shaped's opportunity-creation milestone).
    public var opportunityCreatedAt: Timestamp?

    public init(id: String, person: String?, account: String?, at: Timestamp, value: Double, opportunityCreatedAt: Timestamp? = nil) {
        self.id = id
        self.person = person
        self.account = account
        self.at = at
        self.value = value
        self.opportunityCreatedAt = opportunityCreatedAt
    }
}

/// Everything attribution needs, read from the store once.
public struct AttributionInput: Sendable {
    /// Every touchpoint with a person (non-engagement and conversion actions are filtered inside).
    public var touches: [AttributionTouch]
    public var conversions: [AttributionConversion]
    /// Person → account, for conversions known only by their account.
    public var accountOf: [String: String]
    /// Person → when the person became a lead (W-shaped's lead-creation milestone).
    public var leadCreatedAt: [String: Timestamp]
    /// Conversions and non-converting touches counted: `since` inclusive, `until` exclusive.
    public var since: Timestamp?
    public var until: Timestamp?

    public init(
        touches: [AttributionTouch], conversions: [AttributionConversion], accountOf: [String: String] = [:],
        leadCreatedAt: [String: Timestamp] = [:], since: Timestamp? = nil, until: Timestamp? = nil
    ) {
        self.touches = touches
        self.conversions = conversions
        self.accountOf = accountOf
        self.leadCreatedAt = leadCreatedAt
        self.since = since
        self.until = until
    }
}

/// The attribution models, by their CLI names.
public enum AttributionModel: String, Sendable, CaseIterable, Codable {
    case firstTouch = "first_touch"
    case lastTouch = "last_touch"
    case linear
    case positionBased = "position_based"
    case wShaped = "w_shaped"
    case timeDecay = "time_decay"
    case markov
    case shapley
}

/// What credit is grouped by.
public enum AttributionDimension: String, Sendable, CaseIterable, Codable {
    case channel, campaign
}

/// How a run of the models is set up.
public struct AttributionParameters: Sendable {
    public var models: [AttributionModel]
    public var by: AttributionDimension
    /// Touches older than this before a conversion are not part of its journey (milliseconds).
    public var windowMilliseconds: Int64
    /// Time decay's half-life (milliseconds).
    public var halfLifeMilliseconds: Int64
    /// Markov order k: states are sliding windows of k touches.
    public var markovOrder: Int
    /// Actions that convert (default `opportunity.won`).
    public var conversionActions: Set<String>

    public init(
        models: [AttributionModel] = AttributionModel.allCases, by: AttributionDimension = .channel,
        windowMilliseconds: Int64 = 90 * 86_400_000, halfLifeMilliseconds: Int64 = 7 * 86_400_000, markovOrder: Int = 1,
        conversionActions: Set<String> = ["opportunity.won"]
    ) {
        self.models = models
        self.by = by
        self.windowMilliseconds = windowMilliseconds
        self.halfLifeMilliseconds = halfLifeMilliseconds
        self.markovOrder = markovOrder
        self.conversionActions = conversionActions
    }
}

/// One model's credit for one channel (or campaign).
public struct AttributionRow: Sendable, Equatable, Codable {
    public var model: AttributionModel
    /// The channel or campaign credited.
    public var key: String
    public var conversions: Double
    public var value: Double
    /// Markov only: the channel's removal effect (on conversions).
    public var removalEffect: Double?

    public init(model: AttributionModel, key: String, conversions: Double, value: Double, removalEffect: Double? = nil) {
        self.model = model
        self.key = key
        self.conversions = conversions
        self.value = value
        self.removalEffect = removalEffect
    }
}
