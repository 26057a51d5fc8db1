import Foundation

/// The operator's identity rules (config `identity:`): which values never link people, and which
/// source is trusted first for each person attribute.
public struct IdentityRules: Sendable, Equatable {
    /// Local parts of shared or placeholder mailboxes (`info`, `noreply`, …).
    public var sharedMailboxes: Set<String>
    /// Free-mail domains: never create or link an account.
    public var freeMailDomains: Set<String>
    /// Per person field (`title`, `owner`, …): source names in order of trust. Fields without an
    /// entry take the most recent non-empty value.
    public var sourcePriority: [String: [String]]

    public init(
        sharedMailboxes: Set<String> = SharedMailbox.defaultLocalParts, freeMailDomains: Set<String> = FreeMailDomains.all,
        sourcePriority: [String: [String]] = [:]
    ) {
        self.sharedMailboxes = sharedMailboxes
        self.freeMailDomains = freeMailDomains
        self.sourcePriority = sourcePriority
    }

    public static let `default` = IdentityRules()

    /// Person fields a source priority can be given for.
    public static let prioritizableFields = ["email", "first_name", "last_name", "title", "owner", "country", "score"]

    public func isShared(_ normalizedEmail: String) -> Bool { SharedMailbox.isShared(normalizedEmail, localParts: sharedMailboxes) }
    /// Whether an identifier may link records into one person (a shared mailbox may not).
    public func links(_ id: Identifier) -> Bool { id.kind != .email || !isShared(id.value) }
    public func isFreeMail(_ domain: String) -> Bool { freeMailDomains.contains(domain.lowercased()) }
}
