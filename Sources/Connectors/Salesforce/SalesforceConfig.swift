import Foundation
public import JourneyConfig

/// `type: salesforce` — an org read through the REST API (`queryAll`, so deletes are seen).
public struct SalesforceConfig: Sendable {
    public enum Grant: String, Sendable { case clientCredentials = "client_credentials", refreshToken = "refresh_token" }

    /// Where tokens come from (`https://login.salesforce.com`, `https://test.salesforce.com` for
    /// sandboxes, or the org's My Domain for the client-credentials flow).
    public var loginURL: URL
    public var grant: Grant
    public var clientId: SecretReference
    public var clientSecret: SecretReference
    public var refreshToken: SecretReference?
    public var apiVersion: String
    public var api: APISettings
    public var lookback: Duration
    public var pageSize: Int
    /// Extra fields per object (custom fields such as `Lead_Score__c`): kept in the raw zone.
    public var extraFields: [String: [String]]
    /// Read each object's history through Bulk API 2.0 on its first run (large orgs).
    public var bulkBackfill: Bool
    public var bulkPollInterval: Duration

    public static let supportedStreams = SalesforceFields.byObject.keys.sorted()
    public static let keys = JourneyLakeConfig.commonSourceKeys + APISettings.keys + [
        "login_url", "grant", "client_id", "client_secret", "refresh_token", "api_version", "lookback", "page_size", "fields",
        "bulk_backfill", "bulk_poll_interval",
    ]

    public init(section: SourceSection) throws {
        let keyed = try section.node.keyed(allowed: Self.keys)
        loginURL = try keyed.httpURL("login_url", default: "https://login.salesforce.com")
        let grantNode = keyed["grant"]
        let grantText = try grantNode?.string() ?? "client_credentials"
        guard let g = Grant(rawValue: grantText) else {
            throw grantNode!.error("unknown grant '\(grantText)'", hint: "client_credentials or refresh_token")
        }
        grant = g
        clientId = try SecretReference.parse(try keyed.required("client_id"), baseDirectory: section.baseDirectory)
        clientSecret = try SecretReference.parse(try keyed.required("client_secret"), baseDirectory: section.baseDirectory)
        if grant == .refreshToken {
            refreshToken = try SecretReference.parse(try keyed.required("refresh_token"), baseDirectory: section.baseDirectory)
        }
        let versionNode = keyed["api_version"]
        apiVersion = try versionNode?.nonEmptyString() ?? "v62.0"
        if !apiVersion.hasPrefix("v") { apiVersion = "v" + apiVersion }
        guard Double(apiVersion.dropFirst()) != nil else { throw versionNode!.error("an API version looks like v62.0") }
        api = try APISettings(
            keyed, vendor: "Salesforce", supportedStreams: Self.supportedStreams, defaultStreams: SalesforceFields.defaultOrder,
            defaultTimeout: .seconds(120))
        lookback = try keyed["lookback"]?.duration() ?? .seconds(300)
        pageSize = try keyed["page_size"]?.int(in: 1...2000) ?? 2000
        bulkBackfill = try keyed["bulk_backfill"]?.bool() ?? false
        bulkPollInterval = try keyed["bulk_poll_interval"]?.duration() ?? .seconds(5)
        extraFields = [:]
        for (object, node) in try keyed["fields"]?.entries() ?? [] {
            guard Self.supportedStreams.contains(object) else {
                throw node.error("unknown Salesforce object '\(object)'", hint: "objects: \(Self.supportedStreams.joined(separator: ", "))")
            }
            let names = try node.stringList()
            for name in names where !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
                throw node.error("'\(name)' is not a field API name")
            }
            extraFields[object] = names
        }
    }

    /// The fields to SELECT for an object: the standard ones the mapping uses plus configured ones.
    func fields(for object: String) -> [String] {
        let base = SalesforceFields.byObject[object] ?? ["Id", "SystemModstamp"]
        return base + (extraFields[object] ?? []).filter { !base.contains($0) }
    }
}

/// The fields read per object (FORMATS §1.4); custom fields stay reachable through the raw zone
/// once listed here or in a later `fields:` option.
enum SalesforceFields {
    static let defaultOrder = [
        "Account", "Campaign", "Lead", "Contact", "Opportunity", "OpportunityHistory", "OpportunityContactRole", "Task", "Event",
        "CampaignMember",
    ]

    static let byObject: [String: [String]] = [
        "Lead": ["Id", "FirstName", "LastName", "Email", "Company", "Title", "Phone", "Status", "LeadSource", "Industry",
                 "NumberOfEmployees", "AnnualRevenue", "Country", "OwnerId", "IsConverted", "ConvertedDate", "ConvertedContactId", "ConvertedAccountId",
                 "ConvertedOpportunityId", "HasOptedOutOfEmail", "IsDeleted", "MasterRecordId", "CreatedDate", "LastModifiedDate",
                 "SystemModstamp"],
        "Contact": ["Id", "AccountId", "FirstName", "LastName", "Email", "Title", "Phone", "LeadSource", "OwnerId",
                    "MailingCountry", "HasOptedOutOfEmail", "IsDeleted", "MasterRecordId", "CreatedDate", "LastModifiedDate", "SystemModstamp"],
        "Account": ["Id", "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry", "Sic", "OwnerId", "IsDeleted",
                    "MasterRecordId", "CreatedDate", "LastModifiedDate", "SystemModstamp"],
        "Opportunity": ["Id", "AccountId", "Name", "StageName", "Amount", "CloseDate", "Probability", "IsClosed", "IsWon",
                        "CampaignId", "OwnerId", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"],
        "OpportunityHistory": ["Id", "OpportunityId", "StageName", "Amount", "CloseDate", "Probability", "ForecastCategory",
                               "IsDeleted", "CreatedDate", "SystemModstamp"],
        "OpportunityContactRole": ["Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "IsDeleted", "CreatedDate",
                                   "LastModifiedDate", "SystemModstamp"],
        "Task": ["Id", "WhoId", "WhatId", "Subject", "Status", "TaskSubtype", "Type", "CallType", "CallDurationInSeconds",
                 "CallDisposition", "ActivityDate", "CompletedDateTime", "OwnerId", "IsClosed", "IsDeleted", "CreatedDate",
                 "LastModifiedDate", "SystemModstamp"],
        "Event": ["Id", "WhoId", "WhatId", "Subject", "StartDateTime", "EndDateTime", "ActivityDateTime", "DurationInMinutes",
                  "EventSubtype", "OwnerId", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"],
        "Campaign": ["Id", "Name", "Type", "Status", "StartDate", "EndDate", "IsActive", "IsDeleted", "CreatedDate",
                     "LastModifiedDate", "SystemModstamp"],
        "CampaignMember": ["Id", "CampaignId", "LeadId", "ContactId", "Status", "HasResponded", "FirstRespondedDate", "IsDeleted",
                           "CreatedDate", "LastModifiedDate", "SystemModstamp"],
    ]
}
