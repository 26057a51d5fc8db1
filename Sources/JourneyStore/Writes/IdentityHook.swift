public import GRDB
public import JourneyModel

/// Identity resolution as the batch writer needs it. The Identity module implements it and the
/// daemon wires it in, so the store never depends on how persons and accounts are resolved while
/// identity still runs inside the batch's own transaction (exactly-once stays one commit).
public protocol IdentityHook: Sendable {
    /// Starts one batch's identity work inside its transaction.
    func begin(_ db: Database, source: String, now: String) throws -> any IdentityBatch
}

/// One batch's identity work; lives only inside the transaction that `begin` was given.
///
/// The writer asks for a person or account as it applies each record (so later records of the
/// same batch find them), then hands over what changed; `finish` resolves exactly that part of
/// the identity graph, and only then are the batch's touchpoints written, in their final form.
public protocol IdentityBatch: AnyObject {
    /// The rules identifiers link by: a shared mailbox names nobody, so it is never suppressed
    /// when a refused record reveals a forgotten person's identifiers.
    var rules: IdentityRules { get }
    /// The person a person record belongs to for now (an owner of one of its identifiers, or a
    /// new person named by them); `finish` settles it.
    func person(forRecord key: String, identifiers: [Identifier], firstSeen: String) throws -> String
    /// Makes sure the identifier a touchpoint names its person by has a person (or is known as a
    /// deleted person's) before `finish` resolves the batch.
    func reference(_ identifiers: [Identifier], firstSeen: String) throws
    /// Whose a touchpoint is, once the batch is resolved.
    func owner(ofTouchpoint reference: [Identifier]) throws -> TouchpointOwner
    /// The account an identifier names, created empty when none does yet.
    func account(named ref: Identifier, firstSeen: String) throws -> String
    /// Links a company record to its account and keeps what it says; nil when it names none.
    func account(ofCompanyRecord facts: AccountFacts, key: String, version: String?) throws -> String?
    /// The account a person belongs to now.
    func account(ofPerson personId: String) throws -> String?
    /// Resolves what the batch changed and re-derives the affected persons' and accounts' attributes.
    func finish(_ changes: IdentityChanges) throws -> IdentityOutcome
}

/// Whose a touchpoint is.
public enum TouchpointOwner: Sendable, Equatable {
    case person(String)
    /// The source named nobody (or only shared mailboxes).
    case nobody
    /// It names a deleted person: kept without one until a live record claims the identifier.
    case deleted(Identifier)
}

/// What a batch changed in the identity graph's input, as the writer saw it.
public struct IdentityChanges: Sendable, Equatable {
    /// Records whose claims, aliases or released identifiers changed.
    public var records: Set<String> = []
    /// Persons that lost a record (updated, deleted or merged away).
    public var persons: Set<String> = []
    /// For records that already had a person before the batch: that person.
    public var previousPerson: [String: String] = [:]
    /// Records seen for the first time in this batch.
    public var newRecords: Set<String> = []
    /// Records whose first source-declared merge arrived in this batch.
    public var newAliases: Set<String> = []
    /// Accounts that lost a company record.
    public var accounts: Set<String> = []

    public init() {}
}

/// What identity resolution changed in one batch.
public struct IdentityOutcome: Sendable, Equatable {
    /// Persons whose records, identifiers, attributes or touchpoints changed.
    public var persons: Set<String> = []
    /// Persons that no longer exist (merged into another, split, or left with no live record).
    public var removedPersons: Set<String> = []
    /// Accounts whose attributes or membership changed.
    public var accounts: Set<String> = []
    /// Accounts that no longer exist (joined into another).
    public var removedAccounts: Set<String> = []
    public var links = 0
    public var conflicts = 0

    public init() {}
}
