public import JourneyModel

/// What one committed batch did: its counts per stream, and exactly which persons, accounts and
/// touchpoints it changed, so derived data is recomputed for those and nothing else.
public struct BatchOutcome: Sendable, Equatable {
    /// Per stream: every input is one of new, updated, unchanged, deleted or quarantined.
    public var counts: [String: StreamCounts] = [:]
    /// Persons whose data changed: records, identifiers, attributes, or touchpoints added,
    /// removed or moved. Persons that no longer exist are in `removedPersons` instead.
    public var persons: Set<String> = []
    /// Persons that no longer exist after the batch (merged, split, or left with no live record).
    public var removedPersons: Set<String> = []
    /// Accounts whose attributes, members or deals changed (a record of the company, an
    /// opportunity, a deal event, a touch of the company with no person) — not accounts a
    /// person's touch merely names: that changes the person, who is in `persons`.
    public var accounts: Set<String> = []
    /// Accounts joined into another by this batch.
    public var removedAccounts: Set<String> = []
    /// Touchpoints the batch wrote (new, or a new version of one).
    public var touchpointsAdded: Set<String> = []
    /// Touchpoints the batch took out of the live tables (their record was updated or deleted);
    /// a touchpoint replaced by its record's new version is in both sets.
    public var touchpointsRemoved: Set<String> = []
    /// Touchpoints the batch kept out of the live tables because the person they name is gone
    /// (parked in `orphan_touchpoints` until a live record claims that identifier).
    public var touchpointsParked: Set<String> = []

    public init() {}

    /// Whether anything derived can have changed.
    public var changesDerivedData: Bool {
        !persons.isEmpty || !removedPersons.isEmpty || !accounts.isEmpty || !removedAccounts.isEmpty
    }
}
