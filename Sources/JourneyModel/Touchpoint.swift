import Foundation

/// Which team's motion produced a touchpoint.
public enum Side: String, Sendable, Hashable, CaseIterable {
    case marketing
    case sales
}

/// A touchpoint as a mapping produces it, before identity resolution gives it a person.
public struct TouchpointFacts: Sendable, Equatable {
    /// Distinguishes several touchpoints made from one source record (e.g. `sent`); empty for one.
    public var suffix: String
    /// Identifiers of the person it happened to; the first resolvable one wins.
    public var person: [Identifier]
    public var account: Identifier?
    public var occurredAt: Timestamp
    public var channel: Channel
    public var action: TouchpointAction
    public var side: Side
    public var campaign: String?
    public var content: String?
    public var owner: String?
    public var value: Double?
    /// Extra vendor attributes as a JSON object text.
    public var attributes: String?

    public init(
        suffix: String = "", person: [Identifier], account: Identifier? = nil, occurredAt: Timestamp,
        channel: Channel, action: TouchpointAction, side: Side, campaign: String? = nil, content: String? = nil,
        owner: String? = nil, value: Double? = nil, attributes: String? = nil
    ) {
        self.suffix = suffix
        self.person = person
        self.account = account
        self.occurredAt = occurredAt
        self.channel = channel
        self.action = action
        self.side = side
        self.campaign = campaign
        self.content = content
        self.owner = owner
        self.value = value
        self.attributes = attributes
    }
}
