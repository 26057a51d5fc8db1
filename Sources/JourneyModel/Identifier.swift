import Foundation

/// The kinds of identifier that can name a person or an account; the `kind` column of `identifiers`.
public struct IdentifierKind: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let email: IdentifierKind = "email"
    public static let salesforceLead: IdentifierKind = "salesforce_lead"
    public static let salesforceContact: IdentifierKind = "salesforce_contact"
    public static let salesforceAccount: IdentifierKind = "salesforce_account"
    public static let hubspotContact: IdentifierKind = "hubspot_contact"
    public static let hubspotCompany: IdentifierKind = "hubspot_company"
    public static let marketoLead: IdentifierKind = "marketo_lead"
    public static let domain: IdentifierKind = "domain"
}

/// One normalized identifier value of a given kind, e.g. `email` / `maya.chen@brightwave.io`.
public struct Identifier: Hashable, Sendable, CustomStringConvertible {
    public var kind: IdentifierKind
    public var value: String

    public init(kind: IdentifierKind, value: String) {
        self.kind = kind
        self.value = value
    }

    public var description: String { "\(kind.rawValue):\(value)" }

    /// Builds a normalized identifier, or nil when the raw value is empty or a placeholder.
    ///
    /// Emails are trimmed and lower-cased; Salesforce ids are expanded to 18 characters; other ids
    /// are trimmed. A value that cannot be one of its kind (a malformed email) gives nil.
    public static func normalized(kind: IdentifierKind, raw: String?) -> Identifier? {
        guard let raw, let value = IdentifierNormalizer.cleanedValue(raw) else { return nil }
        switch kind {
        case .email:
            return EmailAddress.normalize(value).map { Identifier(kind: kind, value: $0) }
        case .salesforceLead, .salesforceContact, .salesforceAccount:
            return SalesforceID.normalize(value).map { Identifier(kind: kind, value: $0) }
        case .domain:
            return Domain.normalize(value).map { Identifier(kind: kind, value: $0) }
        default:
            if kind.rawValue.hasPrefix("salesforce_") {
                return SalesforceID.normalize(value).map { Identifier(kind: kind, value: $0) }
            }
            return Identifier(kind: kind, value: value)
        }
    }
}

/// Shared rules for values that mean "nothing" in exports.
public enum IdentifierNormalizer {
    /// Values vendors write for "no value"; they must never become an identifier.
    public static let emptyMarkers: Set<String> = ["null", "nil", "none", "n/a", "na", "-", "undefined", "#n/a"]

    /// The trimmed value, or nil when it is empty or an empty marker.
    public static func cleanedValue(_ raw: String) -> String? {
        let trimmed = raw.trimmedASCII
        if trimmed.isEmpty || emptyMarkers.contains(trimmed.lowercased()) { return nil }
        return trimmed
    }
}
