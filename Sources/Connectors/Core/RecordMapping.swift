import Foundation
public import JourneyModel

/// The result of mapping one input record.
public enum MappingResult: Sendable {
    case record(externalId: String, CanonicalRecord)
    /// The record cannot be normalized; it goes to `quarantine` with this reason.
    case quarantine(externalId: String?, reason: QuarantineReason)

    /// Shorthand for the mappings: quarantine with a code and its detail text.
    static func quarantine(externalId: String?, _ code: QuarantineCode, _ detail: String) -> MappingResult {
        .quarantine(externalId: externalId, reason: QuarantineReason(code, detail))
    }
}

/// Turns the records of one export format into canonical records: pure, no I/O.
///
/// A format recognizes which stream (object type) a file holds from its name and header, then maps
/// each row. Vendor presets and the config-declared column mapping both implement this.
public protocol RecordMapping: Sendable {
    /// The format name as written in config (`salesforce-data-export`).
    var formatName: String { get }
    /// Values that mean "no value" in this format besides the empty string.
    var nullMarkers: Set<String> { get }
    /// The stream a file holds, or an error saying why the file is not of this format.
    func stream(fileName: String, columns: ColumnIndex) throws -> String
    func map(_ row: SourceRow, stream: String) -> MappingResult
}

extension RecordMapping {
    public var nullMarkers: Set<String> { [] }
}

/// Why a file does not match the configured format.
public struct FormatMismatch: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Helpers shared by the vendor mappings.
enum MapSupport {
    /// A timestamp column that must parse when present: nil when absent, an error when malformed.
    static func checkedTimestamp(
        _ row: SourceRow, _ names: [String], parser: TimestampParser = .utc
    ) -> Result<Timestamp?, MappingError> {
        guard let text = row.text(names) else { return .success(nil) }
        guard let t = parser.parse(text) else {
            return .failure(MappingError(.unparseableTimestamp, "unparseable date '\(text)' in \(names[0])"))
        }
        return .success(t)
    }

    static func id(_ kind: IdentifierKind, _ raw: String?) -> Identifier? {
        Identifier.normalized(kind: kind, raw: raw)
    }

    /// The quarantine for what a mapping threw. Mappings throw only `MappingError`, but `??` and
    /// other rethrowing helpers erase the error type, so the compiler cannot know that.
    static func quarantine(_ error: any Error, externalId: String?) -> MappingResult {
        if let e = error as? MappingError { return .quarantine(externalId: externalId, reason: e.reason) }
        return .quarantine(externalId: externalId, .invalidValue, "\(error)")
    }
}

/// A reason a row cannot be mapped.
struct MappingError: Error {
    var reason: QuarantineReason
    init(_ code: QuarantineCode, _ detail: String) { self.reason = QuarantineReason(code, detail) }
}
