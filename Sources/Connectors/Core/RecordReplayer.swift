import Foundation
public import JourneyConfig
public import JourneyModel

/// Maps inputs the store kept (raw versions, quarantined rows) again with a source's mapping of
/// today, for `journeylake reprocess`: nothing is fetched, and no credential is needed.
public struct RecordReplayer: Sendable {
    public let mapping: any RecordMapping
    /// Headers of the tabular versions read so far: a replay maps many rows of one export.
    private var headers: [String: ColumnIndex] = [:]

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

    /// Maps a stored version as a row of `stream`. A tabular version is mapped as the row it was
    /// when it was read (its values under its header), and keeps its text and content hash exactly.
    public mutating func map(stream: String, stored: RawPayload, origin: String?, delivery: Delivery) -> Result {
        switch stored {
        case .text(let payload):
            return map(stream: stream, payload: payload, origin: origin, delivery: delivery)
        case .tabular(let tabular):
            guard let row = row(tabular, origin: origin) else { return .unreadable }
            return result(of: row, stream: stream, origin: origin, delivery: delivery) { row.rawPayload }
        }
    }

    /// The text a stored version was received as: what its quarantine entry keeps when today's
    /// mapping rejects it (a tabular version that cannot be read back — nothing writes such —
    /// keeps its values as stored).
    public mutating func text(of stored: RawPayload) -> String {
        switch stored {
        case .text(let text): return text
        case .tabular(let tabular): return row(tabular, origin: nil)?.rawPayload.text ?? tabular.values
        }
    }

    /// The source row a tabular version was: its header's names and its values, the nulls that
    /// padded a short row left off again.
    private mutating func row(_ stored: TabularPayload, origin: String?) -> SourceRow? {
        let columns: ColumnIndex
        if let known = headers[stored.columns] {
            columns = known
        } else {
            guard case .array(let items)? = try? JSONValue(parsing: stored.columns) else { return nil }
            var names: [String] = []
            for item in items {
                guard case .string(let name) = item else { return nil }
                names.append(name)
            }
            columns = ColumnIndex(names)
            headers[stored.columns] = columns
        }
        guard case .array(let items)? = try? JSONValue(parsing: stored.values), items.count == columns.names.count else { return nil }
        var values: [String] = []
        values.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            switch item {
            case .string(let value) where values.count == i: values.append(value)
            case .null: continue
            default: return nil  // a value after the padding, or not a string: not a row this store wrote
            }
        }
        return SourceRow(columns: columns, values: values, origin: origin ?? "", nullMarkers: mapping.nullMarkers)
    }

    /// Maps `payload` as a row of `stream`; the record keeps the payload's text (and so its
    /// content hash) exactly.
    public func map(stream: String, payload: String, origin: String?, delivery: Delivery) -> Result {
        guard let value = try? JSONValue(parsing: payload), case .object(let object) = value else {
            return .unreadable
        }
        let row = SourceRow(json: object, origin: origin ?? "", nullMarkers: mapping.nullMarkers)
        return result(of: row, stream: stream, origin: origin, delivery: delivery) { (payload, nil) }
    }

    /// Today's mapping of a stored row; `payload` (asked only for a record) is what it keeps and hashes.
    private func result(
        of row: SourceRow, stream: String, origin: String?, delivery: Delivery, payload: () -> (text: String, tabular: TabularPayload?)
    ) -> Result {
        switch mapping.map(row, stream: stream) {
        case .record(let externalId, let canonical):
            let (text, tabular) = payload()
            return .record(IncomingRecord(
                stream: canonical.key.object, externalId: externalId, payload: text, tabular: tabular, contentHash: ContentHash.hex(text),
                origin: origin, canonical: canonical, delivery: delivery))
        case .quarantine(let externalId, let reason):
            return .rejected(externalId: externalId, reason: reason)
        }
    }
}
