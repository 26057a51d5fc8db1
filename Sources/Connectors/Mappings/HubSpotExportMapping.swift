import Foundation
public import JourneyModel

/// HubSpot UI exports of contacts, companies and deals → canonical records.
///
/// Headers are property labels (`Record ID`, `First Name`, …); internal names (`hs_object_id`,
/// `firstname`) are accepted too. Date-times are `YYYY-MM-DD HH:MM` in the portal's time zone
/// (`time_zone` in the source config; UTC by default).
public struct HubSpotExportMapping: RecordMapping {
    public enum Object: String, Sendable, CaseIterable { case contacts, companies, deals }

    public let formatName: String
    /// nil: decide per file from its name and header.
    public let object: Object?
    public let parser: TimestampParser
    public static let system = "hubspot"

    public init(formatName: String, object: Object?, timeZone: TimeZone) {
        self.formatName = formatName
        self.object = object
        self.parser = TimestampParser(timeZone: timeZone)
    }

    public func stream(fileName: String, columns: ColumnIndex) throws -> String {
        guard columns.contains("Record ID") || columns.contains("hs_object_id") else {
            throw FormatMismatch("no 'Record ID' column (HubSpot exports name the object id so)")
        }
        let lowered = fileName.lowercased()
        let detected: Object
        if columns.contains("Deal Name") || columns.contains("dealname") || lowered.contains("deal") {
            detected = .deals
        } else if columns.contains("Company Domain Name") || columns.contains("Company name") && !columns.contains("Email")
            || lowered.contains("compan")
        {
            detected = .companies
        } else {
            detected = .contacts
        }
        if let object, object != detected {
            throw FormatMismatch("the header looks like a \(detected.rawValue) export, but the format is \(formatName)")
        }
        return detected.rawValue
    }

    public func map(_ row: SourceRow, stream: String) -> MappingResult {
        guard let id = row.text("Record ID", "hs_object_id", "id") else { return .quarantine(externalId: nil, .missingExternalID, "no Record ID") }
        let key = RecordKey(system: Self.system, object: stream, externalId: id)
        do {
            let version = try MapSupport.checkedTimestamp(row, ["Last Modified Date", "lastmodifieddate", "hs_lastmodifieddate"], parser: parser).get()
            let created = try MapSupport.checkedTimestamp(row, ["Create Date", "createdate"], parser: parser).get()
            var record = CanonicalRecord(key: key, version: version ?? created)
            if row.bool("Archived", "archived") == true {
                record.tombstones.append(Tombstone(target: key, deletedAt: version, reason: "archived in HubSpot"))
            }
            switch stream {
            case "contacts":
                record.identifiers = [Identifier(kind: .hubspotContact, value: id)]
                // Contacts HubSpot merged into this one: their ids are aliases of this person.
                let merged = row.text("hs_merged_object_ids", "Merged Contact IDs")?
                    .split(whereSeparator: { $0 == ";" || $0 == "," }).compactMap { MapSupport.id(.hubspotContact, String($0)) } ?? []
                if !merged.isEmpty { record.mergedAliases = [Identifier(kind: .hubspotContact, value: id)] + merged }
                if let email = row.text("Email", "email") {
                    guard let e = MapSupport.id(.email, email) else { throw MappingError(.invalidIdentifier, "invalid email '\(email)'") }
                    record.identifiers.append(e)
                }
                if let lead = MapSupport.id(.salesforceLead, row.text("Salesforce Lead ID", "salesforceleadid")) {
                    record.identifiers.append(lead)
                }
                if let contact = MapSupport.id(.salesforceContact, row.text("Salesforce Contact ID", "salesforcecontactid")) {
                    record.identifiers.append(contact)
                }
                let unsubscribed = row.bool("Unsubscribed from all email", "hs_email_optout")
                record.person = PersonFacts(
                    email: record.identifiers.first { $0.kind == .email }?.value,
                    firstName: row.text("First Name", "firstname"), lastName: row.text("Last Name", "lastname"),
                    title: row.text("Job Title", "jobtitle"), company: row.text("Company Name", "company"),
                    phone: row.text("Phone Number", "phone"), owner: row.text("Contact owner", "hubspot_owner_id"),
                    consentEmail: unsubscribed.map { !$0 }, vendorStage: row.text("Lifecycle Stage", "lifecyclestage"),
                    account: MapSupport.id(.hubspotCompany, row.text("Associated Company ID", "associatedcompanyid")),
                    createdAt: created, country: row.text("Country/Region", "Country", "country"),
                    firmographics: CompanyProfile(
                        industry: row.text("Industry", "industry"), employees: row.int("Number of Employees", "numemployees"),
                        annualRevenue: row.double("Annual Revenue", "annualrevenue")))
            case "companies":
                record.account = AccountFacts(
                    identifiers: [Identifier(kind: .hubspotCompany, value: id)], name: row.text("Company name", "name"),
                    domain: row.text("Company Domain Name", "domain", "Website URL"), industry: row.text("Industry", "industry"),
                    employees: row.int("Number of Employees", "numberofemployees"),
                    annualRevenue: row.double("Annual Revenue", "annualrevenue"), country: row.text("Country/Region", "Country", "country"))
            default:
                let companies = row.text("Associated Company IDs", "Associated Company ID")?
                    .split(whereSeparator: { $0 == ";" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) } ?? []
                let account = companies.first.flatMap { MapSupport.id(.hubspotCompany, $0) }
                let stage = row.text("Deal Stage", "dealstage")
                let lowered = stage?.lowercased().replacingOccurrences(of: " ", with: "") ?? ""
                let won = lowered == "closedwon", lost = lowered == "closedlost"
                record.opportunity = OpportunityFacts(
                    account: account, name: row.text("Deal Name", "dealname"), stage: stage, amount: row.double("Amount", "amount"),
                    currency: row.text("Currency", "deal_currency_code"),
                    closeDate: try MapSupport.checkedTimestamp(row, ["Close Date", "closedate"], parser: parser).get()
                        .map { String($0.iso8601.prefix(10)) },
                    isWon: won, isClosed: won || lost)
                if let created {
                    record.touchpoints.append(
                        TouchpointFacts(
                            suffix: "created", person: [], account: account, occurredAt: created, channel: .crm,
                            action: .opportunityCreated, side: .sales, content: row.text("Deal Name", "dealname"),
                            owner: row.text("Deal owner", "hubspot_owner_id"), value: row.double("Amount", "amount"),
                            attributes: attributes(["deal_id": id, "stage": stage])))
                }
            }
            return .record(externalId: id, record)
        } catch {
            return MapSupport.quarantine(error, externalId: id)
        }
    }
}
