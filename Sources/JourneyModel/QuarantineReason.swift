import Foundation

/// Why an input was quarantined, as a stable code reports and metrics group by.
///
/// Closed on purpose: the raw values are stored in `quarantine.reason_code` and used as the
/// `reason` label of `journeylake_quarantined_total`, so a new case is a documented change
/// (README, CHANGELOG), never a side effect of a new message text.
public enum QuarantineCode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A CSV row is not well-formed (an unclosed quote, a stray quote inside a field).
    case malformedCSV = "malformed_csv"
    /// A CSV row has more or fewer fields than the header.
    case wrongFieldCount = "wrong_field_count"
    /// A JSON record is not a JSON object: invalid JSON, a truncated end, an array or scalar.
    case malformedJSON = "malformed_json"
    /// The record has no value where its own id belongs (`Id`, `Record ID`, the mapping's id column).
    case missingExternalID = "missing_external_id"
    /// The record's own id is there but cannot be one (not a 15- or 18-character Salesforce id).
    case invalidExternalID = "invalid_external_id"
    /// A timestamp the record needs (when a touch happened) is absent.
    case missingTimestamp = "missing_timestamp"
    /// A timestamp is there but does not parse in the configured format and time zone.
    case unparseableTimestamp = "unparseable_timestamp"
    /// Nothing names the person the record is about (no email, lead id or other identifier).
    case noIdentifier = "no_identifier"
    /// An identifier is given but cannot be one (a malformed email): it would name the person wrongly or not at all.
    case invalidIdentifier = "invalid_identifier"
    /// A value the mapping requires besides ids and times is absent (a touchpoint's action or channel).
    case missingValue = "missing_value"
    /// A value is outside what its field accepts (a side that is neither marketing nor sales, a non-numeric type id).
    case invalidValue = "invalid_value"
    /// A row holds bytes that are no character in the file's encoding (`encoding:`, UTF-8 by default).
    case invalidEncoding = "invalid_encoding"

    public var description: String { rawValue }
}

/// A quarantine reason: a stable code to group by, and a detail text saying what exactly is wrong.
public struct QuarantineReason: Sendable, Hashable, CustomStringConvertible {
    public var code: QuarantineCode
    /// Human-readable, naming the field and value at fault; stored in `quarantine.reason`.
    public var detail: String

    public init(_ code: QuarantineCode, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
