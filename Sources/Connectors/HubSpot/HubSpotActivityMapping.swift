import Foundation
import JourneyModel

/// HubSpot engagements (calls, meetings, emails, notes) and marketing email events → touchpoints.
///
/// An engagement becomes one touchpoint per associated contact. Delivery receipts, scheduled or
/// missed meetings keep their own actions so no report counts them as opens or meetings held.
enum HubSpotActivityMapping {
    static func engagement(_ record: [String: JSONValue], object: String) -> MappingResult {
        guard let id = record["id"]?.text else { return .quarantine(externalId: nil, .missingExternalID, "no id") }
        var props: [String: String] = [:]
        if case .object(let p)? = record["properties"] {
            for (k, v) in p { if let t = v.text, !t.isEmpty { props[k] = t } }
        }
        let key = RecordKey(system: "hubspot", object: object, externalId: id)
        let version = (props["hs_lastmodifieddate"] ?? record["updatedAt"]?.text).flatMap { TimestampParser.utc.parse($0) }
        var canonical = CanonicalRecord(key: key, version: version)
        if record["archived"] == .bool(true) {
            canonical.tombstones.append(Tombstone(target: key, deletedAt: version, reason: "archived in HubSpot"))
            return .record(externalId: id, canonical)
        }
        guard let whenText = props["hs_timestamp"] ?? props["hs_meeting_start_time"] else {
            return .quarantine(externalId: id, .missingTimestamp, "no parseable hs_timestamp")
        }
        guard let at = TimestampParser.utc.parse(whenText) else {
            return .quarantine(externalId: id, .unparseableTimestamp, "no parseable hs_timestamp")
        }
        let channel: Channel, action: TouchpointAction, content: String?
        var value: Double?
        switch object {
        case "calls":
            channel = .phone
            action = props["hs_call_direction"]?.uppercased() == "INBOUND" ? .callInbound : .callOutbound
            content = props["hs_call_title"]
            value = props["hs_call_duration"].flatMap(Double.init).map { $0 / 1000 }  // ms → seconds, as Salesforce's
        case "meetings":
            channel = .meeting
            switch props["hs_meeting_outcome"]?.uppercased() {
            case "COMPLETED": action = .meetingHeld
            case "NO_SHOW": action = .meetingNoShow
            case "CANCELED": action = .meetingCanceled
            default: action = .meetingScheduled
            }
            content = props["hs_meeting_title"]
        case "emails":
            channel = .email
            action = props["hs_email_direction"]?.uppercased() == "INCOMING_EMAIL" ? .emailReceived : .emailSent
            content = props["hs_email_subject"]
        default:
            channel = .crm
            action = .noteLogged
            content = nil
        }
        var contacts: [String] = []
        if case .object(let associations)? = record["associations"], case .object(let c)? = associations["contacts"],
            case .array(let list)? = c["results"]
        {
            contacts = list.compactMap { if case .object(let o) = $0 { return o["id"]?.text } else { return nil } }
        }
        let attrs = attributes([
            "status": props["hs_call_status"] ?? props["hs_email_status"] ?? props["hs_meeting_outcome"],
            "disposition": props["hs_call_disposition"], "location": props["hs_meeting_location"],
        ])
        for contact in Set(contacts).sorted() {
            canonical.touchpoints.append(TouchpointFacts(
                suffix: contact, person: [Identifier(kind: .hubspotContact, value: contact)], occurredAt: at, channel: channel,
                action: action, side: .sales, content: content, owner: props["hubspot_owner_id"], value: value, attributes: attrs))
        }
        return .record(externalId: id, canonical)
    }

    static func emailEvent(_ event: [String: JSONValue], origin: String) -> MappingResult {
        guard let id = event["id"]?.text else { return .quarantine(externalId: nil, .missingExternalID, "no event id") }
        guard let createdText = event["created"]?.text else {
            return .quarantine(externalId: id, .missingTimestamp, "no `created` timestamp")
        }
        guard let created = Int64(createdText) else {
            return .quarantine(externalId: id, .unparseableTimestamp, "no `created` timestamp")
        }
        let at = Timestamp(millisecondsSinceEpoch: created)
        var canonical = CanonicalRecord(key: RecordKey(system: "hubspot", object: "email_events", externalId: id), version: at)
        let type = event["type"]?.text?.uppercased() ?? ""
        let action: TouchpointAction?
        switch type {
        case "SENT": action = .emailSent
        case "DELIVERED": action = .emailDelivered
        // Opens and clicks HubSpot filtered (bots, security scanners) are kept apart from real ones.
        case "OPEN": action = event["filteredEvent"] == .bool(true) ? .emailOpenFiltered : .emailOpened
        case "CLICK": action = event["filteredEvent"] == .bool(true) ? .emailClickFiltered : .emailClicked
        case "BOUNCE": action = .emailBounced
        case "DROPPED": action = .emailDropped
        case "SPAMREPORT": action = .emailSpamReported
        case "STATUSCHANGE":
            action = (event["subscriptions"]?.jsonText.uppercased().contains("UNSUBSCRIBED") ?? false) ? .emailUnsubscribed : nil
        default: action = nil  // PROCESSED, DEFERRED, …: kept in the raw zone
        }
        guard let action else { return .record(externalId: id, canonical) }
        guard let recipient = event["recipient"]?.text else {
            return .quarantine(externalId: id, .noIdentifier, "email event without a valid recipient")
        }
        guard let email = Identifier.normalized(kind: .email, raw: recipient) else {
            return .quarantine(externalId: id, .invalidIdentifier, "email event without a valid recipient")
        }
        canonical.touchpoints.append(TouchpointFacts(
            person: [email], occurredAt: at, channel: .email, action: action, side: .marketing,
            campaign: event["emailCampaignId"]?.text, content: event["subject"]?.text,
            attributes: attributes([
                "type": type, "url": event["url"]?.text, "filtered": event["filteredEvent"]?.text, "app": event["appName"]?.text,
            ])))
        return .record(externalId: id, canonical)
    }
}
