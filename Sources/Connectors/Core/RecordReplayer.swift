import Foundation
public import JourneyConfig
public import JourneyModel

/// Maps inputs the store kept (raw versions, quarantined rows) again with a source's mapping of
/// today, for `journeylake reprocess`: nothing is fetched, and no credential is needed.
public struct RecordReplayer: Sendable {
    public let mapping: any RecordMapping

    /// What a stored input means under today's mapping.
    public enum Result: Sendable {
        case record(IncomingRecord)
        case rejected(externalId: String?, reason: QuarantineReason)
        /// The stored text is not a JSON object a mapping reads (raw text of a malformed row).
        case unreadable
    }

    public init(mapping: any RecordMapping) { self.mapping = mapping }

    /// The mapping of a configured source, built from its section alone.
    public init(section: SourceSection) throws {
        guard let make = ConnectorRegistry.replayMappings[section.type] else {
            throw ConnectorRegistry.unknownType(section)
        }
        mapping = try make(section)
    }

    /// Maps `payload` as a row of `stream`; the record keeps the payload's text (and so its
    /// content hash) exactly.
    public func map(stream: String, payload: String, origin: String?, delivery: Delivery) -> Result {
        guard let value = try? JSONValue(parsing: payload), case .object(let object) = value else {
            return .unreadable
        }
        let row = SourceRow(json: object, origin: origin ?? "", nullMarkers: mapping.nullMarkers)
        switch mapping.map(row, stream: stream) {
        case .record(let externalId, let canonical):
            return .record(IncomingRecord(
                stream: canonical.key.object, externalId: externalId, payload: payload, contentHash: ContentHash.hex(payload),
                origin: origin, canonical: canonical, delivery: delivery))
        case .quarantine(let externalId, let reason):
            return .rejected(externalId: externalId, reason: reason)
        }
    }
}
