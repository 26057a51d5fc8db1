import Foundation

// The value types every read surface serves (the CLI today, the HTTP API next). They are plain
// data, independent of GRDB, so a surface can print or encode them without touching SQL. Only
// the reader makes them (memberwise), except `SyncStateRow`, which the CLI also makes for
// configured sources that have never run.

/// One person as `persons` has them, with the name and domain of their account.
public struct PersonSummary: Sendable, Equatable, Codable {
    public var personId: String
    public var primaryEmail: String?
    public var firstName: String?
    public var lastName: String?
    public var title: String?
    public var accountId: String?
    public var lifecycleStage: String?
    public var score: Double?
    public var owner: String?
    /// nil when no system has said; `persons.consent_email` is 0 once any says opted out.
    public var consentEmail: Bool?
    public var createdAt: String
    public var updatedAt: String
    public var accountName: String?
    public var accountDomain: String?

}

/// An identifier a person is known by (`identifiers`), and the source credited with it.
public struct PersonIdentifier: Sendable, Equatable, Codable {
    /// `email`, `salesforce_lead`, `hubspot_contact`, … (a string, so kinds added later still read).
    public var kind: String
    public var value: String
    public var source: String

}

/// One touchpoint of a person's timeline.
public struct TimelineEntry: Sendable, Equatable, Codable {
    public var touchpointId: String
    /// UTC ISO-8601, as stored, so it sorts and compares as text.
    public var occurredAt: String
    public var side: String
    public var channel: String
    public var action: String
    public var campaign: String?
    public var content: String?
    public var source: String

}

/// A person across systems: who they are, what they are known by, and every touch in time order.
public struct PersonJourney: Sendable, Equatable, Codable {
    public var person: PersonSummary
    /// Ordered by kind, then value.
    public var identifiers: [PersonIdentifier]
    /// Ordered by time, then touchpoint id.
    public var timeline: [TimelineEntry]
    /// Links (not undone) that joined this person's records, so a wrong one can be found and undone.
    public var activeLinks: Int

}

/// One `journeylake forget` (`forget_log`): when, how, and how much it removed — never whom.
public struct ForgetRecord: Sendable, Equatable, Codable {
    public var forgetId: Int64
    public var forgottenAt: String
    /// `delete`, or `anonymise` (touchpoints kept without what identifies the person).
    public var mode: String
    /// What the operator gave as the reason (a ticket number), if anything.
    public var reason: String?
    /// 1 when a person matched; 0 when only identifiers were suppressed for the future.
    public var persons: Int
    /// Identifiers now suppressed (record keys not counted).
    public var identifiers = 0
    public var records = 0
    public var rawVersions = 0
    public var touchpointsRemoved = 0
    public var touchpointsAnonymised = 0
    /// Stages, scores, SLA state, next actions and their log, signals.
    public var derivedRows = 0
    public var quarantineRows = 0
    /// Merge log, separations, conflicts and removed-person entries.
    public var identityLogRows = 0
    /// Raw versions of other records that still spell one of the person's addresses (not removed:
    /// they are those records' data), as `source/stream/external_id`; only known at the time.
    public var mentionsLeft: [String] = []

    public init(forgetId: Int64, forgottenAt: String, mode: String, reason: String?, persons: Int) {
        self.forgetId = forgetId
        self.forgottenAt = forgottenAt
        self.mode = mode
        self.reason = reason
        self.persons = persons
    }
}

/// One entry of the merge log (`person_merges`): two sets of records became one person.
public struct PersonMerge: Sendable, Equatable, Codable {
    public var mergeId: Int64
    public var mergedAt: String
    public var viaKind: String
    public var viaValue: String
    /// The record whose identifier made the link; nil for merges logged before migration 0004.
    public var becauseOf: String?
    public var reason: String?
    public var mergedPerson: String
    public var intoPerson: String
    /// The person that record belongs to now (nil once the record is gone).
    public var personNow: String?
    public var undoneAt: String?

}

/// An identifier refused as a link because it would join two records of one system object.
public struct IdentityConflict: Sendable, Equatable, Codable {
    public var kind: String
    public var value: String
    public var refusedFor: String
    public var alreadyOn: String
    /// The person holding the identifier now, if anyone does.
    public var heldBy: String?
    public var detectedAt: String

}

/// Where one source stream has got to (`sync_state`); stream `*` is the source as a whole.
public struct SyncStateRow: Sendable, Equatable, Codable {
    public var source: String
    public var stream: String
    public var status: String
    public var cursor: String?
    public var lastSuccessAt: String?
    public var lastError: String?
    public var recordsTotal: Int64
    public var readTotal: Int64
    public var quarantinedTotal: Int64

    public init(
        source: String, stream: String, status: String, cursor: String? = nil, lastSuccessAt: String? = nil, lastError: String? = nil,
        recordsTotal: Int64 = 0, readTotal: Int64 = 0, quarantinedTotal: Int64 = 0
    ) {
        self.source = source
        self.stream = stream
        self.status = status
        self.cursor = cursor
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.recordsTotal = recordsTotal
        self.readTotal = readTotal
        self.quarantinedTotal = quarantinedTotal
    }
}
