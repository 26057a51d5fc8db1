import Foundation
import JourneyModel

/// Salesforce records (weekly Data Export CSVs, Bulk API 2.0 CSV results) → canonical records.
///
/// Objects: Lead, Contact, Account, Opportunity, OpportunityHistory, Task, Event, Campaign,
/// CampaignMember, OpportunityContactRole. The object comes from the file name (`Lead.csv`,
/// `Lead_2.csv`, `Lead-20250314.csv`) or, for Bulk results with generic names, from the Id key prefix.
public struct SalesforceMapping: RecordMapping {
    public let formatName: String
    public static let system = "salesforce"
    public static let objects = [
        "Lead", "Contact", "Account", "Opportunity", "OpportunityHistory", "OpportunityContactRole", "Task", "Event",
        "Campaign", "CampaignMember",
    ]

    public init(formatName: String) { self.formatName = formatName }

    public func stream(fileName: String, columns: ColumnIndex) throws -> String {
        // A header names the columns; an export that lost it would take its first row for one.
        // Column names such as `ConvertedContactId` have an Id's length and letters too, but never
        // a digit, while every Id's key prefix and record number carry some.
        if let field = columns.names.firstIndex(where: { SalesforceID.normalize($0) != nil && $0.contains(where: \.isNumber) }) {
            throw FormatMismatch("the first line looks like data, not a header (field \(field + 1) is a Salesforce Id): the export has no header line")
        }
        guard columns.contains("Id") else {
            throw FormatMismatch("the header has no Id column")
        }
        let base = (fileName as NSString).deletingPathExtension
        let stem = base.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." || $0 == " " }).first.map(String.init) ?? base
        if let object = Self.objects.first(where: { $0.caseInsensitiveCompare(stem) == .orderedSame }) {
            return object
        }
        guard columns.contains("Id") else {
            throw FormatMismatch("no Id column, and the file name does not name a Salesforce object (\(Self.objects.joined(separator: ", ")))")
        }
        // Bulk API results carry no object name; the first row's key prefix decides (see map).
        return "bulk"
    }

    public func map(_ row: SourceRow, stream: String) -> MappingResult {
        guard let rawId = row.text("Id") else { return .quarantine(externalId: nil, .missingExternalID, "no Id") }
        guard let id = SalesforceID.normalize(rawId) else {
            return .quarantine(externalId: rawId, .invalidExternalID, "Id '\(rawId)' is not a 15- or 18-character Salesforce id")
        }
        let object = stream == "bulk" ? (SalesforceID.objectName(forKeyPrefix: id) ?? "bulk") : stream
        do {
            return .record(externalId: id, try mapObject(object, id: id, row: row))
        } catch {
            return MapSupport.quarantine(error, externalId: id)
        }
    }

    private func ts(_ row: SourceRow, _ names: String...) throws -> Timestamp? {
        try MapSupport.checkedTimestamp(row, names).get()
    }

    private func mapObject(_ object: String, id: String, row: SourceRow) throws -> CanonicalRecord {
        let key = RecordKey(system: Self.system, object: object, externalId: id)
        let version = try ts(row, "SystemModstamp", "LastModifiedDate") ?? ts(row, "CreatedDate")
        var record = CanonicalRecord(key: key, version: version)
        if row.bool("IsDeleted") == true {
            record.tombstones.append(Tombstone(target: key, deletedAt: version, reason: "deleted in Salesforce"))
        }
        if let master = row.text("MasterRecordId"), let masterId = SalesforceID.normalize(master) {
            record.tombstones.removeAll()
            record.tombstones.append(Tombstone(target: key, deletedAt: version, reason: "merged into \(masterId)"))
            // The loser becomes an alias of the survivor: its id (and history) now means the survivor.
            let kind: IdentifierKind? = object == "Lead" ? .salesforceLead : object == "Contact" ? .salesforceContact
                : object == "Account" ? .salesforceAccount : nil
            if let kind, kind != .salesforceAccount { record.mergedAliases = [Identifier(kind: kind, value: id), Identifier(kind: kind, value: masterId)] }
        }
        let owner = row.text("OwnerId").flatMap(SalesforceID.normalize)
        switch object {
        case "Lead", "Contact":
            let kind: IdentifierKind = object == "Lead" ? .salesforceLead : .salesforceContact
            record.identifiers = [Identifier(kind: kind, value: id)]
            let email = row.text("Email")
            if let email {
                guard let e = MapSupport.id(.email, email) else { throw MappingError(.invalidIdentifier, "invalid email '\(email)'") }
                record.identifiers.append(e)
            }
            if object == "Lead", row.bool("IsConverted") == true,
                let contact = MapSupport.id(.salesforceContact, row.text("ConvertedContactId"))
            {
                // A converted lead's history belongs to the contact it became.
                record.identifiers.append(contact)
            }
            let accountRaw = object == "Lead" ? row.text("ConvertedAccountId") : row.text("AccountId")
            let optedOut = row.bool("HasOptedOutOfEmail")
            record.person = PersonFacts(
                email: record.identifiers.first { $0.kind == .email }?.value,
                firstName: row.text("FirstName"), lastName: row.text("LastName"), title: row.text("Title"),
                company: row.text("Company"), phone: row.text("Phone", "MobilePhone"), owner: owner,
                consentEmail: optedOut.map { !$0 }, vendorStage: row.text("Status"),
                account: MapSupport.id(.salesforceAccount, accountRaw), createdAt: try ts(row, "CreatedDate"))
        case "Account":
            record.account = AccountFacts(
                identifiers: [Identifier(kind: .salesforceAccount, value: id)], name: row.text("Name"),
                domain: row.text("Website"), industry: row.text("Industry"), employees: row.int("NumberOfEmployees"),
                annualRevenue: row.double("AnnualRevenue"))
        case "Opportunity":
            let account = MapSupport.id(.salesforceAccount, row.text("AccountId"))
            record.opportunity = OpportunityFacts(
                account: account, name: row.text("Name"), stage: row.text("StageName"), amount: row.double("Amount"),
                currency: row.text("CurrencyIsoCode"), closeDate: row.text("CloseDate"), isWon: row.bool("IsWon"),
                isClosed: row.bool("IsClosed"))
            if let created = try ts(row, "CreatedDate") {
                record.touchpoints.append(
                    TouchpointFacts(
                        suffix: "created", person: [], account: account, occurredAt: created, channel: .crm,
                        action: .opportunityCreated, side: .sales, campaign: row.text("CampaignId"),
                        content: row.text("Name"), owner: owner, value: row.double("Amount"),
                        attributes: attributes(["opportunity_id": id, "stage": row.text("StageName")])))
            }
        case "OpportunityHistory":
            guard let created = try ts(row, "CreatedDate") else { throw MappingError(.missingTimestamp, "no CreatedDate") }
            let stage = row.text("StageName") ?? ""
            let action: TouchpointAction
            switch stage.lowercased() {
            case "closed won": action = .opportunityWon
            case "closed lost": action = .opportunityLost
            default: action = .opportunityStageChanged
            }
            record.touchpoints.append(
                TouchpointFacts(
                    person: [], occurredAt: created, channel: .crm, action: action, side: .sales,
                    content: stage, value: row.double("Amount"),
                    attributes: attributes([
                        "opportunity_id": row.text("OpportunityId").flatMap(SalesforceID.normalize), "stage": stage,
                        "probability": row.text("Probability"), "forecast_category": row.text("ForecastCategory"),
                    ])))
        case "Task":
            // Open tasks are plans, not touches: only completed ones become touchpoints.
            let status = row.text("Status")?.lowercased()
            let completedAt = try ts(row, "CompletedDateTime")
            guard completedAt != nil || status == "completed" || row.bool("IsClosed") == true else { break }
            guard let at = try completedAt ?? ts(row, "ActivityDate") ?? ts(row, "CreatedDate") else {
                throw MappingError(.missingTimestamp, "completed Task without a date")
            }
            let subtype = (row.text("TaskSubtype") ?? row.text("Type") ?? "").lowercased()
            let channel: Channel, action: TouchpointAction
            switch subtype {
            case "call":
                channel = .phone
                action = row.text("CallType")?.lowercased() == "inbound" ? .callInbound : .callOutbound
            case "email", "listemail": channel = .email; action = .emailSent
            case "linkedin": channel = .social; action = .socialMessage
            default: channel = .crm; action = .taskCompleted
            }
            record.touchpoints.append(
                TouchpointFacts(
                    person: whoIdentifiers(row.text("WhoId")), account: whatAccount(row), occurredAt: at, channel: channel,
                    action: action, side: .sales, content: row.text("Subject"), owner: owner,
                    value: row.double("CallDurationInSeconds"),
                    attributes: attributes([
                        "call_disposition": row.text("CallDisposition"), "call_type": row.text("CallType"),
                        "what_id": row.text("WhatId"), "description": row.text("Description"),
                    ])))
        case "Event":
            guard let at = try ts(row, "StartDateTime", "ActivityDateTime") ?? ts(row, "ActivityDate") else {
                throw MappingError(.missingTimestamp, "Event without StartDateTime or ActivityDateTime")
            }
            record.touchpoints.append(
                TouchpointFacts(
                    person: whoIdentifiers(row.text("WhoId")), account: whatAccount(row), occurredAt: at,
                    channel: .meeting, action: .meetingHeld, side: .sales, content: row.text("Subject"),
                    owner: owner, value: row.double("DurationInMinutes"),
                    attributes: attributes(["location": row.text("Location"), "what_id": row.text("WhatId")])))
        case "CampaignMember":
            let who = [
                MapSupport.id(.salesforceContact, row.text("ContactId")), MapSupport.id(.salesforceLead, row.text("LeadId")),
            ].compactMap { $0 }
            let status = row.text("Status") ?? ""
            let (channel, action) = Self.campaignMemberAction(status: status, responded: row.bool("HasResponded") ?? false)
            // The status is the member's current one: attendance and no-shows are set after the
            // event, so they date from the last change, a response from when it first came.
            let settled = action == .webinarAttended || action == .webinarNoShow
            let when = settled
                ? try ts(row, "LastModifiedDate", "SystemModstamp")
                : try ts(row, "FirstRespondedDate") ?? ts(row, "CreatedDate")
            guard let at = try when ?? ts(row, "CreatedDate") else {
                throw MappingError(.missingTimestamp, "CampaignMember without CreatedDate")
            }
            record.touchpoints.append(
                TouchpointFacts(
                    person: who, occurredAt: at, channel: channel, action: action, side: .marketing,
                    campaign: row.text("CampaignId").flatMap(SalesforceID.normalize), content: status,
                    attributes: attributes(["status": status, "has_responded": row.text("HasResponded")])))
        default:
            break  // Campaign, OpportunityContactRole and unknown objects: kept in the raw zone only
        }
        return record
    }

    /// CampaignMember statuses: responses count, mere membership and no-shows are kept apart.
    static func campaignMemberAction(status: String, responded: Bool) -> (Channel, TouchpointAction) {
        switch status.lowercased() {
        case "registered": return (.webinar, .webinarRegistered)
        case "attended": return (.webinar, .webinarAttended)
        case "no show", "no-show", "noshow": return (.webinar, .webinarNoShow)
        case "sent": return (.email, .campaignSent)
        case "opened": return (.email, .emailOpened)
        case "clicked": return (.email, .emailClicked)
        case "responded": return (.event, .campaignResponded)
        default: return (.event, responded ? .campaignResponded : .campaignMember)
        }
    }

    private func whoIdentifiers(_ raw: String?) -> [Identifier] {
        guard let raw, let id = SalesforceID.normalize(raw) else { return [] }
        switch id.prefix(3) {
        case "00Q": return [Identifier(kind: .salesforceLead, value: id)]
        case "003": return [Identifier(kind: .salesforceContact, value: id)]
        default: return []
        }
    }

    private func whatAccount(_ row: SourceRow) -> Identifier? {
        if let a = MapSupport.id(.salesforceAccount, row.text("AccountId")) { return a }
        if let what = row.text("WhatId").flatMap(SalesforceID.normalize), what.hasPrefix("001") {
            return Identifier(kind: .salesforceAccount, value: what)
        }
        return nil
    }
}

/// A JSON object text from optional values, leaving out the empty ones.
func attributes(_ values: KeyValuePairs<String, String?>) -> String? {
    var w = JSONObjectWriter()
    var any = false
    for (k, v) in values {
        if let v, !v.isEmpty { w.add(k, v); any = true }
    }
    return any ? w.finish() : nil
}
