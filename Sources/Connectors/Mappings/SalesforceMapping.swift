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
                account: MapSupport.id(.salesforceAccount, accountRaw), createdAt: try ts(row, "CreatedDate"),
                country: row.text("Country", "MailingCountry"),
                firmographics: CompanyProfile(
                    industry: row.text("Industry"), employees: row.int("NumberOfEmployees"), annualRevenue: row.double("AnnualRevenue")))
        case "Account":
            record.account = AccountFacts(
                identifiers: [Identifier(kind: .salesforceAccount, value: id)], name: row.text("Name"),
                domain: row.text("Website"), industry: row.text("Industry"), employees: row.int("NumberOfEmployees"),
                annualRevenue: row.double("AnnualRevenue"), country: row.text("BillingCountry", "ShippingCountry"), sicCode: row.text("Sic"))
        case "Opportunity":
            let account = MapSupport.id(.salesforceAccount, row.text("AccountId"))
            record.opportunity = OpportunityFacts(
                account: account, name: row.text("Name"), stage: row.text("StageName"), amount: row.double("Amount"),
                currency: row.text("CurrencyIsoCode"), closeDate: row.text("CloseDate"), isWon: row.bool("IsWon"),
                isClosed: row.bool("IsClosed"))
            if let created = try ts(row, "CreatedDate") {
                // Its history's first row is the creation; this one stands in only while no history
                // row is known (an export without OpportunityHistory), so there is never a second.
                let campaign = row.text("CampaignId").map { SalesforceID.normalize($0) ?? $0 }
                record.touchpoints.append(
                    TouchpointFacts(
                        suffix: "created", person: [], account: account, occurredAt: created, channel: .crm,
                        action: .opportunityCreated, side: .sales, campaign: campaign,
                        content: row.text("Name"), owner: owner, value: row.double("Amount"),
                        attributes: attributes(["opportunity_id": id, "stage": row.text("StageName")]),
                        campaignRecord: campaignKey(campaign),
                        lifecycle: LifecycleStep(record: key, role: .creation, firstAction: .opportunityCreated)))
            }
        case "Campaign":
            record.campaign = CampaignFacts(
                name: row.text("Name"), type: row.text("Type"), status: row.text("Status"), startDate: row.text("StartDate"),
                endDate: row.text("EndDate"), parent: row.text("ParentId").flatMap(SalesforceID.normalize))
        case "OpportunityHistory":
            guard let created = try ts(row, "CreatedDate") else { throw MappingError(.missingTimestamp, "no CreatedDate") }
            let stage = row.text("StageName") ?? ""
            let action: TouchpointAction
            switch stage.lowercased() {
            case "closed won": action = .opportunityWon
            case "closed lost": action = .opportunityLost
            default: action = .opportunityStageChanged
            }
            // The opportunity's first row is its creation; the store decides which row is first
            // once it has them all, so the rows may arrive in any order.
            let opportunity = row.text("OpportunityId").flatMap(SalesforceID.normalize)
            record.touchpoints.append(
                TouchpointFacts(
                    person: [], occurredAt: created, channel: .crm, action: action, side: .sales,
                    content: stage, value: row.double("Amount"),
                    attributes: attributes([
                        "opportunity_id": opportunity, "stage": stage,
                        "probability": row.text("Probability"), "forecast_category": row.text("ForecastCategory"),
                    ]),
                    lifecycle: opportunity.map {
                        LifecycleStep(
                            record: RecordKey(system: Self.system, object: "Opportunity", externalId: $0), role: .history,
                            firstAction: .opportunityCreated)
                    }))
        case "Task":
            // Open tasks are plans, not touches: only completed ones become touchpoints. A copy
            // that leaves out every status field (a Bulk query selecting fewer columns) still says
            // what a logged call or a sent email was by its subtype: those are records of a touch.
            let status = row.text("Status")?.lowercased()
            let closed = row.bool("IsClosed")
            let completedAt = try ts(row, "CompletedDateTime")
            let subtype = (row.text("TaskSubtype") ?? row.text("Type") ?? "").lowercased()
            let saysStatus = status != nil || closed != nil || completedAt != nil
            let logged = Self.loggedTaskSubtypes.contains(subtype)
            guard completedAt != nil || status == "completed" || closed == true || (!saysStatus && logged) else { break }
            guard let at = try completedAt ?? Self.preciseDay(ts(row, "ActivityDate"), ts(row, "CreatedDate")) else {
                throw MappingError(.missingTimestamp, "completed Task without a date")
            }
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
            let responded = row.bool("HasResponded") ?? false
            let (channel, action) = Self.campaignMemberAction(status: status, responded: responded)
            // When the status was reached: Salesforce dates a member's first response
            // (FirstRespondedDate, a day) and its joining (CreatedDate); later status changes are
            // not dated at all, and the last modification can be any later edit, so it is no date
            // of the touch. A response on the day the member joined takes the joining's exact time.
            let created = try ts(row, "CreatedDate")
            let firstResponse = try responded ? ts(row, "FirstRespondedDate") : nil
            guard let at = firstResponse.map({ Self.preciseDay($0, created) ?? $0 }) ?? created else {
                throw MappingError(.missingTimestamp, "CampaignMember without CreatedDate")
            }
            let campaignId = row.text("CampaignId")
            record.touchpoints.append(
                TouchpointFacts(
                    person: who, occurredAt: at, channel: channel, action: action, side: .marketing,
                    campaign: campaignId.map { SalesforceID.normalize($0) ?? $0 }, content: status,
                    attributes: attributes(["status": status, "has_responded": row.text("HasResponded")]),
                    campaignRecord: campaignKey(campaignId)))
        default:
            break  // OpportunityContactRole and unknown objects: kept in the raw zone only
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

    /// Task subtypes that record a touch that happened (a logged call, a sent email), not a plan.
    static let loggedTaskSubtypes: Set<String> = ["call", "email", "listemail", "linkedin"]

    /// A day-only date made exact by a timestamp on that same UTC day (the record's creation);
    /// the day itself, at midnight UTC, when they differ; the timestamp when there is no day.
    static func preciseDay(_ day: Timestamp?, _ precise: Timestamp?) -> Timestamp? {
        guard let day else { return precise }
        guard let precise else { return day }
        let dayLength: Int64 = 86_400_000
        func start(_ t: Timestamp) -> Int64 { t.millisecondsSinceEpoch - ((t.millisecondsSinceEpoch % dayLength) + dayLength) % dayLength }
        return start(day) == start(precise) ? precise : day
    }

    private func campaignKey(_ raw: String?) -> RecordKey? {
        guard let raw, let id = SalesforceID.normalize(raw) else { return nil }
        return RecordKey(system: Self.system, object: "Campaign", externalId: id)
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
