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
    public var person: [Identifier] { didSet { personText = IdentifierList.encode(person) } }
    public var account: Identifier?
    public var occurredAt: Timestamp { didSet { occurredText = occurredAt.iso8601 } }
    public var channel: Channel
    public var action: TouchpointAction
    public var side: Side
    public var campaign: String?
    public var content: String?
    public var owner: String?
    public var value: Double?
    /// Extra vendor attributes as a JSON object text.
    public var attributes: String?
    /// The record that describes the campaign (a Salesforce `Campaign`): the store shows that
    /// record's name in `campaign` once it is known, whichever of the two arrived first.
    public var campaignRecord: RecordKey?
    /// Where the touchpoint sits in another record's life (an opportunity's stage rows).
    public var lifecycle: LifecycleStep?
    /// `occurredAt` and `person` as the store writes them (`IdentifierList` for the list). Made
    /// with the touchpoint — on an ingest's reading side — so the single writer does not build
    /// them for every row.
    public private(set) var occurredText: String
    public private(set) var personText: String?

    public init(
        suffix: String = "", person: [Identifier], account: Identifier? = nil, occurredAt: Timestamp,
        channel: Channel, action: TouchpointAction, side: Side, campaign: String? = nil, content: String? = nil,
        owner: String? = nil, value: Double? = nil, attributes: String? = nil, campaignRecord: RecordKey? = nil,
        lifecycle: LifecycleStep? = nil
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
        self.campaignRecord = campaignRecord
        self.lifecycle = lifecycle
        occurredText = occurredAt.iso8601
        personText = IdentifierList.encode(person)
    }
}

/// A touchpoint's place in the life of a record it belongs to, so that the store can tell the
/// record's creation from its later changes however the rows arrive (an opportunity's history rows
/// come in any order, from any number of batches, before or after the opportunity itself).
public struct LifecycleStep: Sendable, Equatable {
    public enum Role: String, Sendable {
        /// One row of the record's history: the earliest one is the record's creation.
        case history
        /// The record's own creation event, shown only while none of its history is known.
        case creation
    }

    /// The record whose life this is (the opportunity).
    public var record: RecordKey
    public var role: Role
    /// What the earliest history row shows instead of its own action.
    public var firstAction: TouchpointAction

    public init(record: RecordKey, role: Role, firstAction: TouchpointAction) {
        self.record = record
        self.role = role
        self.firstAction = firstAction
    }
}
