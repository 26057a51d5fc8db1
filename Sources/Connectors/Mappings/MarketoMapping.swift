import Foundation
public import JourneyModel

/// Marketo bulk exports (activities, leads) and UI list exports → canonical records.
///
/// Activities carry a lead id only; the lead export (or a list export) ties that id to an email
/// and to the Salesforce ids Marketo keeps (`sfdcLeadId`, `sfdcContactId`).
public struct MarketoMapping: RecordMapping {
    public enum Object: String, Sendable { case activities, leads }

    public let formatName: String
    public let object: Object?
    public let parser: TimestampParser
    public static let system = "marketo"
    public var nullMarkers: Set<String> { ["null"] }

    public init(formatName: String, object: Object?, timeZone: TimeZone) {
        self.formatName = formatName
        self.object = object
        self.parser = TimestampParser(timeZone: timeZone)
    }

    public func stream(fileName: String, columns: ColumnIndex) throws -> String {
        let detected: Object
        if columns.contains("activityTypeId") {
            guard columns.contains("marketoGUID"), columns.contains("leadId"), columns.contains("activityDate") else {
                throw FormatMismatch("an activities export needs marketoGUID, leadId, activityDate and activityTypeId columns")
            }
            detected = .activities
        } else if columns.contains("id") || columns.contains("Id") || columns.contains("Lead ID") {
            detected = .leads
        } else {
            throw FormatMismatch("neither an activities export (activityTypeId, marketoGUID, …) nor a leads export (id, email, …)")
        }
        if let object, object != detected {
            throw FormatMismatch("the header looks like a Marketo \(detected.rawValue) export, but the format is \(formatName)")
        }
        return detected.rawValue
    }

    public func map(_ row: SourceRow, stream: String) -> MappingResult {
        if stream == "activity_types" {
            // The instance's activity type catalogue (custom types included): kept in the raw zone.
            guard let id = row.text("id") else { return .quarantine(externalId: nil, .missingExternalID, "an activity type without an id") }
            return .record(externalId: id, CanonicalRecord(key: RecordKey(system: Self.system, object: stream, externalId: id)))
        }
        return stream == Object.activities.rawValue ? mapActivity(row) : mapLead(row)
    }

    private func mapLead(_ row: SourceRow) -> MappingResult {
        guard let id = row.text("id", "Id", "Lead ID") else { return .quarantine(externalId: nil, .missingExternalID, "no lead id") }
        let key = RecordKey(system: Self.system, object: Object.leads.rawValue, externalId: id)
        do {
            let updated = try MapSupport.checkedTimestamp(row, ["updatedAt", "Updated At"], parser: parser).get()
            let created = try MapSupport.checkedTimestamp(row, ["createdAt", "Created At"], parser: parser).get()
            var record = CanonicalRecord(key: key, version: updated ?? created)
            record.identifiers = [Identifier(kind: .marketoLead, value: id)]
            let rawEmail = row.text("email", "Email Address")
            var email: String?
            if let rawEmail {
                // The lead id already identifies the person, so a bad email is dropped, not fatal.
                if let e = MapSupport.id(.email, rawEmail) {
                    record.identifiers.append(e)
                    email = e.value
                }
            }
            if let lead = MapSupport.id(.salesforceLead, row.text("sfdcLeadId", "SFDC Lead ID")) { record.identifiers.append(lead) }
            if let contact = MapSupport.id(.salesforceContact, row.text("sfdcContactId", "SFDC Contact ID")) {
                record.identifiers.append(contact)
            }
            let unsubscribed = row.bool("unsubscribed", "Unsubscribed")
            record.person = PersonFacts(
                email: email, firstName: row.text("firstName", "First Name"), lastName: row.text("lastName", "Last Name"),
                title: row.text("title", "Job Title"), company: row.text("company", "Company Name"),
                phone: row.text("phone", "Phone Number"), owner: row.text("leadOwnerId", "sfdcLeadOwnerId", "Lead Owner"),
                consentEmail: unsubscribed.map { !$0 }, vendorStage: row.text("leadStatus", "Lead Status"),
                score: row.double("leadScore", "Lead Score"),
                account: MapSupport.id(.salesforceAccount, row.text("sfdcAccountId", "SFDC Account ID")), createdAt: created,
                country: row.text("country", "Country"),
                firmographics: CompanyProfile(
                    industry: row.text("industry", "Industry"), employees: row.int("numberOfEmployees", "Num Employees"),
                    annualRevenue: row.double("annualRevenue", "Annual Revenue"), sicCode: row.text("sicCode", "SIC Code")))
            return .record(externalId: id, record)
        } catch {
            // Only date checks throw here, and they throw `MappingError`.
            return .quarantine(externalId: id, reason: error.reason)
        }
    }

    private func mapActivity(_ row: SourceRow) -> MappingResult {
        guard let guid = row.text("marketoGUID") else { return .quarantine(externalId: nil, .missingExternalID, "no marketoGUID") }
        guard let leadId = row.text("leadId") else { return .quarantine(externalId: guid, .noIdentifier, "no leadId") }
        guard let dateText = row.text("activityDate") else { return .quarantine(externalId: guid, .missingTimestamp, "no activityDate") }
        guard let at = parser.parse(dateText) else {
            return .quarantine(externalId: guid, .unparseableTimestamp, "unparseable date '\(dateText)' in activityDate")
        }
        guard let typeText = row.text("activityTypeId"), let type = Int(typeText) else {
            return .quarantine(externalId: guid, .invalidValue, "activityTypeId '\(row.text("activityTypeId") ?? "")' is not a number")
        }
        let key = RecordKey(system: Self.system, object: Object.activities.rawValue, externalId: guid)
        var record = CanonicalRecord(key: key, version: at)
        let person = [Identifier(kind: .marketoLead, value: leadId)]
        let primary = row.text("primaryAttributeValue")
        let attributes: JSONValue?
        if let text = row.text("attributes") {
            guard let value = try? JSONValue(parsing: text) else {
                return .quarantine(
                    externalId: guid, .invalidValue,
                    "attributes is not valid JSON (\(text.utf8.count) bytes); touchpoints.attributes holds JSON only")
            }
            attributes = Self.canonicalAttributes(value)
        } else {
            attributes = nil
        }
        let attributesText = attributes?.jsonText
        let campaignId = row.text("campaignId")
        func touch(_ channel: Channel, _ action: TouchpointAction, campaign: String? = nil) {
            record.touchpoints.append(
                TouchpointFacts(
                    person: person, occurredAt: at, channel: channel, action: action, side: .marketing,
                    campaign: campaign ?? campaignId, content: primary, attributes: attributesText))
        }
        switch type {
        case 1: touch(.web, .webVisit)
        case 2: touch(.form, .formSubmitted)
        case 3: touch(.web, .webClicked)
        case 6: touch(.email, .emailSent)
        case 7: touch(.email, .emailDelivered)
        case 8, 27: touch(.email, .emailBounced)
        case 9: touch(.email, .emailUnsubscribed)
        case 10: touch(.email, .emailOpened)
        case 11: touch(.email, .emailClicked)
        case 104:
            // Program status changes: the new status says what happened (webinar registered,
            // attended, no-show); no-shows keep their own action so nothing counts them as attendance.
            let status = attributes.flatMap { Self.attribute("New Status", in: $0) }?.lowercased() ?? ""
            switch status {
            case "registered": touch(.webinar, .webinarRegistered, campaign: primary)
            case "attended", "attended on-demand": touch(.webinar, .webinarAttended, campaign: primary)
            case "no show", "no-show": touch(.webinar, .webinarNoShow, campaign: primary)
            case "invited": touch(.webinar, .webinarInvited, campaign: primary)
            default: touch(.event, .programStatusChanged, campaign: primary)
            }
        case 37:
            // Delete Lead: the lead record is tombstoned; its id is the primary attribute value id.
            let target = row.text("primaryAttributeValueId") ?? leadId
            record.tombstones.append(
                Tombstone(
                    target: RecordKey(system: Self.system, object: Object.leads.rawValue, externalId: target), deletedAt: at,
                    reason: "lead deleted in Marketo", identifiers: [Identifier(kind: .marketoLead, value: target)]))
        default:
            break  // other activity types stay in the raw zone, reachable by a later mapping
        }
        return .record(externalId: guid, record)
    }

    /// Activity attributes in one form whichever way they came: the bulk export writes a JSON
    /// object, the REST API an array of `{name, value}` pairs. Both become the object (keys in
    /// order), so the same activity read both ways is the same touchpoint.
    static func canonicalAttributes(_ value: JSONValue) -> JSONValue {
        guard case .array(let items) = value, !items.isEmpty else { return value }
        var object: [String: JSONValue] = [:]
        for item in items {
            guard case .object(let pair) = item, let name = pair["name"]?.text, object[name] == nil else { return value }
            object[name] = pair["value"] ?? .null
        }
        return .object(object)
    }

    /// One attribute of an activity's attributes (either form).
    static func attribute(_ name: String, in value: JSONValue) -> String? {
        switch canonicalAttributes(value) {
        case .object(let o): return o[name]?.text
        default: return nil
        }
    }
}
