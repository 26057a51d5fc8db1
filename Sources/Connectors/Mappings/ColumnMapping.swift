import Foundation
public import JourneyConfig
public import JourneyModel

/// A mapping declared in config for exports of any other system (`format: csv | ndjson | json`).
///
/// ```yaml
/// mapping:
///   record: touchpoint          # touchpoint | person | account | opportunity
///   id: event_id                # column holding the record's external id (required)
///   version: updated_at         # optional: the record's modification time (newer replaces older)
///   deleted: is_deleted         # optional: a true/false column that tombstones the record
///   fields: { email: Email, occurred_at: Timestamp, action: Type, campaign: Campaign }
///   constants: { channel: email, side: marketing }
///   values: { action: { Opened: email.opened, Clicked: email.clicked } }
///   identifiers: { marketo_lead: LeadId }
///   timestamp_format: auto      # auto | epoch_ms | epoch_s | a pattern such as MM/dd/yyyy HH:mm
///   time_zone: Europe/Berlin    # for timestamps without an offset
/// ```
public struct ColumnMapping: RecordMapping {
    public enum RecordType: String, Sendable, CaseIterable { case touchpoint, person, account, opportunity }

    public let formatName: String
    public let system: String
    public let recordType: RecordType
    public let stream: String?
    public let idColumn: String
    public let versionColumn: String?
    public let deletedColumn: String?
    public let fields: [String: String]
    public let constants: [String: String]
    public let values: [String: [String: String]]
    public let identifierColumns: [(IdentifierKind, String)]
    public let parser: TimestampParser

    static let fieldsByRecord: [RecordType: [String]] = [
        .touchpoint: ["email", "occurred_at", "channel", "action", "side", "campaign", "content", "owner", "value", "account_domain", "attributes"],
        .person: ["email", "first_name", "last_name", "title", "company", "phone", "owner", "consent_email", "score", "stage", "created_at", "account_domain",
                  "country", "industry", "employees", "annual_revenue", "sic_code"],
        .account: ["name", "domain", "industry", "employees", "annual_revenue", "country", "sic_code"],
        .opportunity: ["name", "stage", "amount", "currency", "close_date", "is_won", "is_closed", "account_domain", "created_at"],
    ]

    public init(node: ConfigNode, formatName: String, sourceName: String) throws {
        let keyed = try node.keyed(allowed: [
            "record", "system", "stream", "id", "version", "deleted", "fields", "constants", "values", "identifiers",
            "timestamp_format", "time_zone",
        ])
        self.formatName = formatName
        let recordNode = try keyed.required("record")
        guard let type = RecordType(rawValue: try recordNode.string()) else {
            throw recordNode.error(
                "unknown record type '\(try recordNode.string())'",
                hint: "one of: \(RecordType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        recordType = type
        system = try keyed["system"]?.nonEmptyString() ?? sourceName
        stream = try keyed["stream"]?.nonEmptyString()
        idColumn = try keyed.required("id").nonEmptyString()
        versionColumn = try keyed["version"]?.nonEmptyString()
        deletedColumn = try keyed["deleted"]?.nonEmptyString()
        let allowedFields = Self.fieldsByRecord[type]!
        func fieldMap(_ n: ConfigNode?) throws -> [String: String] {
            var out: [String: String] = [:]
            for (k, v) in try n?.entries() ?? [] {
                guard allowedFields.contains(k) else {
                    throw v.error(
                        "'\(k)' is not a field of a \(type.rawValue)",
                        hint: Suggest.closest(to: k, in: allowedFields).map { "did you mean '\($0)'?" }
                            ?? "fields: \(allowedFields.joined(separator: ", "))")
                }
                out[k] = try v.string()
            }
            return out
        }
        fields = try fieldMap(keyed["fields"])
        constants = try fieldMap(keyed["constants"])
        var valueMaps: [String: [String: String]] = [:]
        for (field, mapNode) in try keyed["values"]?.entries() ?? [] {
            guard allowedFields.contains(field) else { throw mapNode.error("'\(field)' is not a field of a \(type.rawValue)") }
            var m: [String: String] = [:]
            for (from, to) in try mapNode.entries() { m[from] = try to.string() }
            valueMaps[field] = m
        }
        values = valueMaps
        identifierColumns = try (keyed["identifiers"]?.entries() ?? []).map { (IdentifierKind(rawValue: $0.key), try $0.value.nonEmptyString()) }
        var zone = TimeZone(identifier: "UTC")!
        if let tzNode = keyed["time_zone"] {
            guard let tz = TimeZone(identifier: try tzNode.string()) else {
                throw tzNode.error("unknown time zone '\(try tzNode.string())'", hint: "use an IANA name such as Europe/Berlin or UTC")
            }
            zone = tz
        }
        let style: TimestampParser.Style
        switch try keyed["timestamp_format"]?.string() ?? "auto" {
        case "auto", "iso8601": style = .automatic
        case "epoch_ms": style = .epochMilliseconds
        case "epoch_s": style = .epochSeconds
        case let pattern: style = .pattern(pattern)
        }
        parser = TimestampParser(style: style, timeZone: zone)
        if type == .touchpoint {
            for required in ["occurred_at"] where fields[required] == nil {
                throw node.error("a touchpoint mapping needs fields.\(required)")
            }
            for required in ["action", "channel", "side"] where fields[required] == nil && constants[required] == nil {
                throw node.error("a touchpoint mapping needs fields.\(required) or constants.\(required)")
            }
            if let side = constants["side"], Side(rawValue: side) == nil {
                throw node.error("constants.side must be marketing or sales, not '\(side)'")
            }
        }
    }

    public func stream(fileName: String, columns: ColumnIndex) throws -> String {
        var missing = [idColumn] + fields.values.filter { !$0.contains(".") }
        if let v = versionColumn { missing.append(v) }
        missing = missing.filter { !columns.names.isEmpty && !columns.contains($0) }
        if !missing.isEmpty {
            throw FormatMismatch("columns named in the mapping are missing: \(missing.joined(separator: ", "))")
        }
        return stream ?? (fileName as NSString).deletingPathExtension
    }

    private func value(_ field: String, _ row: SourceRow) -> String? {
        let raw = fields[field].flatMap { row.text($0) } ?? constants[field]
        guard let raw else { return nil }
        return values[field]?[raw] ?? raw
    }

    public func map(_ row: SourceRow, stream: String) -> MappingResult {
        guard let id = row.text(idColumn) else { return .quarantine(externalId: nil, .missingExternalID, "no value in id column '\(idColumn)'") }
        let key = RecordKey(system: system, object: stream, externalId: id)
        do {
            func time(_ column: String?, _ label: String) throws -> Timestamp? {
                guard let column, let text = row.text(column) else { return nil }
                guard let t = parser.parse(text) else { throw MappingError(.unparseableTimestamp, "unparseable date '\(text)' in \(label)") }
                return t
            }
            func fieldTime(_ field: String) throws -> Timestamp? { try time(fields[field], fields[field] ?? field) }
            var record = CanonicalRecord(key: key, version: try time(versionColumn, versionColumn ?? "version"))
            if let deletedColumn, row.bool(deletedColumn) == true {
                record.tombstones.append(Tombstone(target: key, deletedAt: record.version, reason: "marked deleted in export"))
                return .record(externalId: id, record)
            }
            var ids: [Identifier] = []
            var rawEmail: String?
            if let email = value("email", row) {
                rawEmail = email
                if let e = Identifier.normalized(kind: .email, raw: email) { ids.append(e) }
            }
            for (kind, column) in identifierColumns {
                if let i = Identifier.normalized(kind: kind, raw: row.text(column)) { ids.append(i) }
            }
            let account = value("account_domain", row).flatMap { Identifier.normalized(kind: .domain, raw: $0) }
            func noPerson() -> MappingError {
                guard let rawEmail else { return MappingError(.noIdentifier, "no person identifier") }
                return MappingError(.invalidIdentifier, "invalid email '\(rawEmail)' and no other identifier")
            }
            switch recordType {
            case .touchpoint:
                guard let at = try fieldTime("occurred_at") else { throw MappingError(.missingTimestamp, "no value for occurred_at") }
                guard !ids.isEmpty else { throw noPerson() }
                // Any action or channel text is accepted: a mapping may name a vocabulary of its own.
                guard let action = value("action", row).map(TouchpointAction.init(rawValue:)), let channel = value("channel", row).map(Channel.init(rawValue:))
                else {
                    throw MappingError(.missingValue, "no action or channel")
                }
                let sideText = value("side", row) ?? ""
                guard let side = Side(rawValue: sideText.lowercased()) else {
                    throw MappingError(.invalidValue, "side '\(sideText)' is neither marketing nor sales")
                }
                record.touchpoints.append(
                    TouchpointFacts(
                        person: ids, account: account, occurredAt: at, channel: channel, action: action, side: side,
                        campaign: value("campaign", row), content: value("content", row), owner: value("owner", row),
                        value: value("value", row).flatMap(Double.init),
                        attributes: try MapSupport.jsonAttributes(value("attributes", row), field: "attributes")))
            case .person:
                guard !ids.isEmpty else { throw noPerson() }
                record.identifiers = ids
                let consent = value("consent_email", row).map { ["true", "1", "yes", "opted_in", "subscribed"].contains($0.lowercased()) }
                record.person = PersonFacts(
                    email: ids.first { $0.kind == .email }?.value, firstName: value("first_name", row),
                    lastName: value("last_name", row), title: value("title", row), company: value("company", row),
                    phone: value("phone", row), owner: value("owner", row), consentEmail: consent,
                    vendorStage: value("stage", row), score: value("score", row).flatMap(Double.init), account: account,
                    createdAt: try fieldTime("created_at"), country: value("country", row),
                    firmographics: CompanyProfile(
                        industry: value("industry", row), employees: value("employees", row).flatMap { Int($0) },
                        annualRevenue: value("annual_revenue", row).flatMap(Double.init), sicCode: value("sic_code", row)))
            case .account:
                let domain = value("domain", row)
                record.account = AccountFacts(
                    identifiers: [Identifier(kind: IdentifierKind(rawValue: "\(system)_account"), value: id)], name: value("name", row),
                    domain: domain, industry: value("industry", row), employees: value("employees", row).flatMap { Int($0) },
                    annualRevenue: value("annual_revenue", row).flatMap(Double.init), country: value("country", row),
                    sicCode: value("sic_code", row))
            case .opportunity:
                let won = value("is_won", row).map { ["true", "1", "yes"].contains($0.lowercased()) }
                let closed = value("is_closed", row).map { ["true", "1", "yes"].contains($0.lowercased()) }
                record.opportunity = OpportunityFacts(
                    account: account, name: value("name", row), stage: value("stage", row),
                    amount: value("amount", row).flatMap(Double.init), currency: value("currency", row),
                    closeDate: value("close_date", row), isWon: won, isClosed: closed)
            }
            return .record(externalId: id, record)
        } catch {
            return MapSupport.quarantine(error, externalId: id)
        }
    }
}
