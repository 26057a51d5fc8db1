import Foundation
import GRDB
import JourneyTesting
import Testing

/// `identity merges`, `identity unmerge` and `identity rebuild`, through the binary.
@Suite struct IdentityCommandTests {
    static let config = """
        store: {path: journey.sqlite}
        sources:
          - {name: hs, type: files, path: hs, format: hubspot-contacts-export, settle: 0s}
          - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
          - {name: mkto, type: files, path: mkto, format: marketo-export, settle: 0s}

        """

    /// Who owns what: persons, identifiers, records, touchpoints.
    static func ownership(_ ws: Workspace) throws -> [String] {
        try ws.strings("""
            SELECT 'person ' || person_id FROM persons
            UNION ALL SELECT 'identifier ' || kind || ':' || value || ' ' || person_id FROM identifiers
            UNION ALL SELECT 'record ' || record_key || ' ' || person_id FROM person_records
            UNION ALL SELECT 'touchpoint ' || touchpoint_id || ' ' || coalesce(person_id, '-') FROM touchpoints
            ORDER BY 1
            """)
    }

    @Test func unmergeRestoresPersonsIdentifiersAndTouchpointsExactlyAndTheNextSyncKeepsThemApart() throws {
        let ws = try Workspace()
        try ws.write("hs/contacts.csv", """
            Record ID,First Name,Last Name,Email,Last Modified Date
            501,Maya,Chen,Maya.Chen@Brightwave.io,2025-04-18 17:31

            """)
        try ws.write("sf/Contact.csv", #""Id","FirstName","LastName","Email","IsDeleted","SystemModstamp""# + "\n"
            + #""0035g00000AbCdEAAV","Mark","Chen","mark.chen@brightwave.io","false","2025-04-01T00:00:00.000Z""# + "\n")
        try ws.write("mkto/leads.csv", "id,email,sfdcContactId,updatedAt\n3004,maya.chen@brightwave.io,,2025-03-14T09:11:02Z\n")
        try ws.write("mkto/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            990001,3004,2025-03-15T10:00:00Z,10,null,1,Newsletter,null

            """)
        let config = try ws.write("journeylake.yaml", Self.config).path
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        let before = try Self.ownership(ws)
        #expect(before.filter { $0.hasPrefix("person ") }.count == 2)

        // Someone types Mark's contact id (15 characters) into Maya's Marketo lead: one person.
        try ws.write("mkto/leads-2.csv", "id,email,sfdcContactId,updatedAt\n3004,maya.chen@brightwave.io,0035g00000AbCdE,2025-05-01T00:00:00Z\n")
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        #expect(try ws.count("SELECT count(*) FROM persons") == 1)
        let merges = try CLIRunner.run(["identity", "merges", "--config", config, "--format", "json", "--person", "mark.chen@brightwave.io"])
        #expect(merges.status == 0, "\(merges.stderr)")
        let log = try JSONSerialization.jsonObject(with: Data(merges.stdout.utf8)) as! [[String: Any]]
        let merge = try #require(log.first { ($0["via"] as? String) == "salesforce_contact:0035g00000AbCdEAAV" })
        #expect(merge["because_of"] as? String == "marketo:leads:3004")
        #expect(merge["reason"] as? String == "shared identifier")
        let mergeId = try #require(merge["merge_id"] as? Int)
        let nobody = try CLIRunner.run(["identity", "merges", "--config", config, "--person", "nobody@nowhere.example"])
        #expect(nobody.status == 64 && nobody.stderr.contains("no person found"))

        let undo = try CLIRunner.run(["identity", "unmerge", "--config", config, String(mergeId)])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(undo.stdout.contains("merge #\(mergeId) (via salesforce_contact:0035g00000AbCdEAAV) undone"))
        // Exactly as before, but for what the lead's new version itself claims.
        let after = try Self.ownership(ws)
        #expect(after == before, "\(Set(after).symmetricDifference(before).sorted())")
        #expect(try ws.count("SELECT count(*) FROM person_merges WHERE undone_at IS NOT NULL") == 1)

        // The next sync — even a newer version still carrying the id — does not link them again.
        try ws.write("mkto/leads-3.csv", "id,email,sfdcContactId,updatedAt\n3004,maya.chen@brightwave.io,0035g00000AbCdEAAV,2025-06-01T00:00:00Z\n")
        #expect(try CLIRunner.run(["ingest", "--config", config]).status == 0)
        #expect(try Self.ownership(ws) == before)
        // Nor does a rebuild.
        let rebuild = try CLIRunner.run(["identity", "rebuild", "--config", config, "--format", "csv"])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(rebuild.stdout.split(separator: "\n").last == "2,2,0,0,0,0")
        #expect(try Self.ownership(ws) == before)

        // Undoing twice, or a merge that does not exist, is refused with exit 65.
        let again = try CLIRunner.run(["identity", "unmerge", "--config", config, String(mergeId)])
        #expect(again.status == 65 && again.stderr.contains("already undone"))
        let missing = try CLIRunner.run(["identity", "unmerge", "--config", config, "9999"])
        #expect(missing.status == 65 && missing.stderr.contains("no merge #9999"))

        // The unmerge was a mistake: relinking makes them one person again, as the data says.
        let relink = try CLIRunner.run(["identity", "relink", "--config", config, String(mergeId)])
        #expect(relink.status == 0, "\(relink.stderr)")
        #expect(try ws.count("SELECT count(*) FROM persons") == 1)
        #expect(try ws.count("SELECT count(*) FROM identity_separations") == 0)
        #expect(try ws.count("SELECT count(*) FROM person_merges WHERE via_value = '0035g00000AbCdEAAV' AND undone_at IS NULL") == 1)
        #expect(try CLIRunner.run(["identity", "relink", "--config", config, String(mergeId)]).status == 65)
    }

    @Test func aRebuildDerivesOnlyThePersonsItChanges() throws {
        let ws = try Workspace()
        try ws.write("hs/contacts.csv", """
            Record ID,First Name,Last Name,Email,Job Title,Last Modified Date
            501,Maya,Chen,maya.chen@brightwave.io,VP Operations,2025-04-18 17:31
            502,Ann,Lee,ann.lee@otherco.io,Analyst,2025-04-18 17:31

            """)
        try ws.write("sf/Lead.csv", #""Id","FirstName","LastName","Email","Title","IsDeleted","SystemModstamp""# + "\n"
            + #""00Q5g00000AAAAAEAA","Maya","Chen","maya.chen@brightwave.io","Director of Operations","false","2025-04-01T00:00:00.000Z""# + "\n"
            + #""00Q5g00000BBBBBEAA","Mark","Diaz","mark.diaz@brightwave.io","CFO","false","2025-04-01T00:00:00.000Z""# + "\n")
        let sources = """
            store: {path: journey.sqlite}
            sources:
              - {name: hs, type: files, path: hs, format: hubspot-contacts-export, settle: 0s}
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}

            """
        let config = try ws.write("journeylake.yaml", sources).path
        let ingest = try CLIRunner.run(["ingest", "--config", config])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try ws.strings("SELECT title FROM persons WHERE first_name = 'Maya'") == ["VP Operations"])
        let info = ["JOURNEYLAKE_LOG_LEVEL": "info"]

        // Nothing moves and the rules are the same: nothing is derived again.
        let same = try CLIRunner.run(["identity", "rebuild", "--config", config, "--format", "csv"], environment: info)
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.split(separator: "\n").last == "3,3,0,0,0,0")
        #expect(!same.stderr.contains(" derived"), "\(same.stderr)")

        // Salesforce now wins titles: Maya's changes, and she alone is derived again.
        try (sources + "identity: {source_priority: {title: [sf]}}\n").write(toFile: config, atomically: true, encoding: .utf8)
        let rules = try CLIRunner.run(["identity", "rebuild", "--config", config], environment: info)
        #expect(rules.status == 0, "\(rules.stderr)")
        #expect(try ws.strings("SELECT title FROM persons WHERE first_name = 'Maya'") == ["Director of Operations"])
        #expect(rules.stderr.contains("derived") && rules.stderr.contains("persons=1"), "\(rules.stderr)")
        #expect(try ws.count("SELECT count(*) FROM derive_queue") == 0)
    }
}
