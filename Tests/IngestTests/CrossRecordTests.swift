import Connectors
import Daemon
import Foundation
import JourneyTesting
import Testing

/// Facts one record holds about another record's touchpoints (a campaign's name, an opportunity's
/// first history row) apply whichever record arrives first, in any number of passes.
@Suite struct CrossRecordTests {
    static let source = "  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n"

    static let historyHeader = "Id,IsDeleted,OpportunityId,StageName,Amount,CreatedDate,SystemModstamp\n"
    static let history = [
        "0085g00000Zk1AbAAJ,false,0065g00000Ft3AaAAJ,Qualification,60000,2025-03-18T16:05:00.000Z,2025-03-18T16:05:00.000Z",
        "0085g00000Zk1AaAAJ,false,0065g00000Ft3AaAAJ,Prospecting,60000,2025-03-14T09:10:10.000Z,2025-03-14T09:10:10.000Z",
        "0085g00000Zk1AiAAJ,false,0065g00000Ft3AaAAJ,Closed Won,84000,2025-04-18T17:29:41.000Z,2025-04-18T17:29:41.000Z",
        "0085g00000Zk1AdAAJ,false,0065g00000Ft3AbAAJ,Prospecting,36000,2025-03-20T10:00:00.000Z,2025-03-20T10:00:00.000Z",
    ]
    static let opportunities = """
        Id,IsDeleted,AccountId,Name,StageName,Amount,IsClosed,IsWon,CampaignId,OwnerId,CreatedDate,SystemModstamp
        0065g00000Ft3AaAAJ,false,0015g00000Nw1aBAAR,Brightwave - Platform,Closed Won,84000,true,true,7015g000000Wb1QAAS,0055g00000AbCdFAAV,2025-03-14T09:10:10.000Z,2025-04-18T17:29:41.000Z
        0065g00000Ft3AbAAJ,false,0015g00000Nw1aCAAR,Kestrel - Pilot,Needs Analysis,36000,false,false,,0055g00000AbCdFAAV,2025-03-20T10:00:00.000Z,2025-04-02T15:40:00.000Z
        0065g00000Ft3AcAAJ,false,0015g00000Nw1aCAAR,Kestrel - Expansion,Prospecting,12000,false,false,,0055g00000AbCdFAAV,2025-04-01T08:00:00.000Z,2025-04-01T08:00:00.000Z

        """
    static let timeline = """
        SELECT external_id || ' ' || action FROM touchpoints
        WHERE action LIKE 'opportunity.%' ORDER BY occurred_at, external_id
        """

    /// Writes `files` (name → text) into the drop folder and ingests, one pass per call.
    func pass(_ ws: Workspace, _ files: [String: String]) async throws {
        for (name, text) in files { try ws.write("sf/\(name)", text) }
        let out = try await ws.ingest(Self.source)
        #expect(out[0].report.status == .ok, "\(out[0].report.errors)")
    }

    @Test func anOpportunityIsCreatedOnceByItsFirstHistoryRowInAnyArrivalOrder() async throws {
        // All at once; history first then the opportunity; the opportunity first, then history
        // whose earliest row comes last of all.
        let together = try Workspace()
        try await pass(together, ["Opportunity.csv": Self.opportunities, "OpportunityHistory.csv": Self.historyHeader + Self.history.joined(separator: "\n")])

        let historyFirst = try Workspace()
        try await pass(historyFirst, ["OpportunityHistory.csv": Self.historyHeader + Self.history.joined(separator: "\n")])
        try await pass(historyFirst, ["Opportunity.csv": Self.opportunities])

        let opportunityFirst = try Workspace()
        try await pass(opportunityFirst, ["Opportunity.csv": Self.opportunities])
        try await pass(opportunityFirst, ["OpportunityHistory.csv": Self.historyHeader + Self.history[0]])
        try await pass(opportunityFirst, ["OpportunityHistory_2.csv": Self.historyHeader + Self.history[2...].joined(separator: "\n")])
        try await pass(opportunityFirst, ["OpportunityHistory_3.csv": Self.historyHeader + Self.history[1]])

        let expected = [
            "0085g00000Zk1AaAAJ opportunity.created",  // the earliest row of 0065g00000Ft3AaAAJ
            "0085g00000Zk1AbAAJ opportunity.stage_changed",
            "0085g00000Zk1AdAAJ opportunity.created",  // the only row of 0065g00000Ft3AbAAJ
            "0065g00000Ft3AcAAJ opportunity.created",  // no history known: the opportunity's own stands in
            "0085g00000Zk1AiAAJ opportunity.won",
        ]
        #expect(try together.strings(Self.timeline) == expected)
        for ws in [historyFirst, opportunityFirst] {
            #expect(try ws.strings(Self.timeline) == expected)
            #expect(try ws.dump(includingOrigins: false) == together.dump(includingOrigins: false))
        }
        // History rows belong to their opportunity's account, whether it came before or after them.
        for ws in [together, historyFirst, opportunityFirst] {
            #expect(try ws.count("""
                SELECT count(*) FROM touchpoints t JOIN opportunities o ON o.external_id = json_extract(t.attributes, '$.opportunity_id')
                WHERE t.stream = 'OpportunityHistory' AND t.account_id IS o.account_id AND t.account_id IS NOT NULL
                """) == 4)
        }
    }

    static let campaign = """
        Id,IsDeleted,Name,Type,Status,StartDate,EndDate,CreatedDate,SystemModstamp
        7015g000000Wb1QAAS,false,2025-03-12 Webinar - Modern Freight Analytics,Webinar,Completed,2025-03-12,2025-03-12,2025-02-18T12:00:00.000Z,2025-03-13T08:00:00.000Z

        """
    static let members = """
        Id,IsDeleted,CampaignId,LeadId,ContactId,Status,HasResponded,FirstRespondedDate,CreatedDate,LastModifiedDate,SystemModstamp
        00v5g00000Tn4AaAAJ,false,7015g000000Wb1QAAS,00Q5g00000Hx2KaEAJ,,Attended,true,2025-02-20,2025-02-20T16:17:06.000Z,2025-03-14T09:10:09.000Z,2025-03-14T09:10:09.000Z
        00v5g00000Tn4AbAAJ,false,7015g000000Wb1QAAS,00Q5g00000Hx2KbEAJ,,Responded,true,2025-02-23,2025-02-21T09:05:40.000Z,2025-03-12T18:07:55.000Z,2025-03-12T18:07:55.000Z
        00v5g00000Tn4AcAAJ,false,7015g000000Wb1QAAS,00Q5g00000Hx2KcEAJ,,Sent,false,,2025-02-24T08:24:32.000Z,2025-03-12T18:07:55.000Z,2025-03-12T18:07:55.000Z

        """
    static let memberRows = """
        SELECT external_id || ' ' || occurred_at || ' ' || action || ' ' || campaign || ' ' || coalesce(campaign_id, '-')
        FROM touchpoints WHERE stream = 'CampaignMember' ORDER BY external_id
        """

    @Test func campaignMembersNameTheirCampaignAndDateFromTheStatusNotTheLastEdit() async throws {
        let membersFirst = try Workspace()
        try await pass(membersFirst, ["CampaignMember.csv": Self.members])
        // Until the campaign is known its id stands in.
        #expect(try membersFirst.strings("SELECT DISTINCT campaign FROM touchpoints") == ["7015g000000Wb1QAAS"])
        try await pass(membersFirst, ["Campaign.csv": Self.campaign])

        let campaignFirst = try Workspace()
        try await pass(campaignFirst, ["Campaign.csv": Self.campaign])
        try await pass(campaignFirst, ["CampaignMember.csv": Self.members])

        let name = "2025-03-12 Webinar - Modern Freight Analytics"
        let key = "salesforce:Campaign:7015g000000Wb1QAAS"
        let expected = [
            // Responded on the day it joined: the joining's exact time.
            "00v5g00000Tn4AaAAJ 2025-02-20T16:17:06.000Z webinar.attended \(name) \(key)",
            // Responded on a later day: that day (Salesforce keeps no time for it).
            "00v5g00000Tn4AbAAJ 2025-02-23T00:00:00.000Z campaign.responded \(name) \(key)",
            // No response: the joining.
            "00v5g00000Tn4AcAAJ 2025-02-24T08:24:32.000Z campaign.sent \(name) \(key)",
        ]
        #expect(try membersFirst.strings(Self.memberRows) == expected)
        #expect(try campaignFirst.strings(Self.memberRows) == expected)
        #expect(try campaignFirst.dump(includingOrigins: false) == membersFirst.dump(includingOrigins: false))
        #expect(try campaignFirst.strings("SELECT campaign_id || ' ' || name || ' ' || type || ' ' || start_date FROM campaigns")
            == ["\(key) \(name) Webinar 2025-03-12"])

        // A renamed campaign renames its touchpoints; a deleted one leaves its id behind.
        try await pass(campaignFirst, ["Campaign.csv": Self.campaign.replacingOccurrences(of: "Modern Freight", with: "Freight").replacingOccurrences(of: "2025-03-13T08:00:00.000Z", with: "2025-03-20T08:00:00.000Z")])
        #expect(try campaignFirst.strings("SELECT DISTINCT campaign FROM touchpoints") == ["2025-03-12 Webinar - Freight Analytics"])
        try await pass(campaignFirst, ["Campaign.csv": Self.campaign.replacingOccurrences(of: "false,2025", with: "true,2025").replacingOccurrences(of: "2025-03-13T08:00:00.000Z", with: "2025-03-25T08:00:00.000Z")])
        #expect(try campaignFirst.strings("SELECT DISTINCT campaign FROM touchpoints") == ["7015g000000Wb1QAAS"])
        #expect(try campaignFirst.count("SELECT count(*) FROM campaigns") == 0)
    }
}
