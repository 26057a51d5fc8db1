import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// Every vendor preset on the bundled sample exports: rows land in the canonical tables.
@Suite struct PresetTests {
    static let allSources = """
          - name: sf
            type: files
            path: sf
            format: salesforce-data-export
          - name: hs
            type: files
            path: hs
            format: hubspot-export
          - name: mkto
            type: files
            path: mkto
            format: marketo-export

        """

    func loadedWorkspace() async throws -> (Workspace, [SourceOutcome]) {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("hubspot", to: "hs")
        try ws.copyFixtures("marketo", to: "mkto")
        let outcomes = try await ws.ingest(Self.allSources)
        return (ws, outcomes)
    }

    @Test func salesforceDataExportLoadsEveryObject() async throws {
        let (ws, outcomes) = try await loadedWorkspace()
        for (stream, rows) in [("Lead", 6), ("Contact", 3), ("Account", 2), ("Opportunity", 2), ("OpportunityHistory", 9),
                               ("Task", 6), ("Event", 2), ("Campaign", 1), ("CampaignMember", 3)] {
            let c = outcomes.counts("sf", stream)
            #expect(c.read == rows, "\(stream)")
            #expect(c.new == rows, "\(stream)")
            #expect(c.quarantined == 0, "\(stream)")
        }
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE source = 'sf' AND stream = 'Task'") == 6)
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE source = 'sf' AND stream = 'OpportunityHistory'") == 9)
        #expect(try ws.strings("SELECT action FROM touchpoints WHERE stream = 'OpportunityHistory' ORDER BY occurred_at DESC LIMIT 1") == ["opportunity.won"])
        // The Data Export's quoted line break survives inside the field.
        let description = try ws.strings("SELECT attributes FROM touchpoints WHERE external_id = '00T5g00000Rm8AbEAJ'")
        #expect(description.first?.contains("ops team.\\nNext step") == true)
        // Completed calls are sales-side phone touches; inbound and outbound are told apart.
        #expect(try ws.strings("SELECT DISTINCT side FROM touchpoints WHERE channel = 'phone'") == ["sales"])
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE action = 'call.inbound'") == 1)
        let opp = try ws.strings("SELECT name || '|' || stage || '|' || amount || '|' || is_won FROM opportunities WHERE external_id = '0065g00000Ft3AaAAJ'")
        #expect(opp == ["Brightwave Logistics - Platform 2025|Closed Won|84000.0|1"])
    }

    @Test func samePeopleAcrossThreeVendorsAreEightPersons() async throws {
        let (ws, _) = try await loadedWorkspace()
        #expect(try ws.count("SELECT count(*) FROM persons") == 8)
        // Maya: Salesforce lead + converted contact, HubSpot contact, Marketo lead (and list export) = one person.
        let maya = try ws.strings("SELECT person_id FROM identifiers WHERE kind = 'email' AND value = 'maya.chen@brightwave.io'")
        #expect(maya.count == 1)
        let kinds = try ws.strings("SELECT kind || ':' || value FROM identifiers WHERE person_id = '\(maya[0])' ORDER BY 1")
        #expect(kinds == [
            "email:maya.chen@brightwave.io", "hubspot_contact:74918230501", "marketo_lead:3004",
            "salesforce_contact:0035g00000Pq7RaAAJ", "salesforce_lead:00Q5g00000Hx2KaEAJ",
        ])
        // Her journey spans both teams and all three systems.
        let sides = try ws.strings("SELECT DISTINCT side FROM touchpoints WHERE person_id = '\(maya[0])' ORDER BY 1")
        #expect(sides == ["marketing", "sales"])
        let sources = try ws.strings("SELECT DISTINCT source FROM touchpoints WHERE person_id = '\(maya[0])' ORDER BY 1")
        #expect(sources == ["mkto", "sf"])
        // Accounts from Salesforce and HubSpot meet on the normalized domain.
        #expect(try ws.count("SELECT count(*) FROM accounts WHERE domain = 'kestrelhealth.com'") == 1)
        #expect(try ws.strings("SELECT a.name FROM persons p JOIN accounts a USING (account_id) WHERE p.person_id = '\(maya[0])'") == ["Brightwave Logistics"])
    }

    @Test func businessEmailDomainsLinkAccountsFreeMailNever() async throws {
        let (ws, _) = try await loadedWorkspace()
        // Sofia is only a lead (no CRM account): her domain finds HubSpot's Lumen Retail company.
        #expect(try ws.strings("SELECT a.name FROM persons p JOIN accounts a USING (account_id) WHERE p.primary_email = 'sofia.rossi@lumenretail.com'") == ["Lumen Retail"])
        // Aiko writes from gmail.com: no account is made up for her.
        #expect(try ws.strings("SELECT coalesce(account_id, '-') FROM persons WHERE primary_email = 'aiko.tanaka.dev@gmail.com'") == ["-"])
        #expect(try ws.count("SELECT count(*) FROM account_identifiers WHERE value = 'gmail.com'") == 0)
        #expect(try ws.count("SELECT count(*) FROM persons WHERE account_id IS NOT NULL") == 7)
        let domains = try ws.count("SELECT count(DISTINCT domain) FROM accounts")
        #expect(try ws.count("SELECT count(*) FROM accounts WHERE domain IS NOT NULL") == domains)
    }

    @Test func marketoActivitiesMapToCanonicalActions() async throws {
        let (ws, outcomes) = try await loadedWorkspace()
        #expect(outcomes.counts("mkto", "activities").new == 31)
        let byAction = try ws.strings("SELECT action || '=' || count(*) FROM touchpoints WHERE source = 'mkto' GROUP BY action ORDER BY action")
        #expect(byAction == [
            "email.clicked=2", "email.delivered=5", "email.opened=4", "email.sent=5", "email.unsubscribed=1",
            "form.submitted=4", "web.visit=4", "webinar.attended=2", "webinar.no_show=1", "webinar.registered=3",
        ])
        // Delivery receipts and no-shows keep their own actions: never counted as opens or attendance.
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE action = 'webinar.attended' AND person_id = (SELECT person_id FROM identifiers WHERE value = 'sofia.rossi@lumenretail.com')") == 0)
        #expect(try ws.strings("SELECT DISTINCT occurred_at FROM touchpoints WHERE external_id = '900296'") == ["2025-03-12T18:05:10.000Z"])
    }

    @Test func listExportWithMessyEmailMatchesTheSameLead() async throws {
        let (ws, outcomes) = try await loadedWorkspace()
        #expect(outcomes.counts("mkto", "leads").read == 16)
        #expect(outcomes.counts("mkto", "leads").quarantined == 0)
        #expect(try ws.count("SELECT count(*) FROM identifiers WHERE kind = 'email'") == 8)
        #expect(try ws.count("SELECT count(*) FROM persons WHERE consent_email = 0") == 1)
        #expect(try ws.strings("SELECT primary_email FROM persons WHERE consent_email = 0") == ["carlos.mendez@lumenretail.com"])
    }

    @Test func hubspotExportsMapContactsCompaniesAndDeals() async throws {
        let (ws, outcomes) = try await loadedWorkspace()
        #expect(outcomes.counts("hs", "contacts").new == 8)
        #expect(outcomes.counts("hs", "companies").new == 4)
        #expect(outcomes.counts("hs", "deals").new == 1)
        #expect(try ws.strings("SELECT stage FROM opportunities WHERE source = 'hs'") == ["Qualified To Buy"])
        #expect(try ws.strings("SELECT a.name FROM opportunities o JOIN accounts a USING (account_id) WHERE o.source = 'hs'") == ["Ostfeld Maschinenbau GmbH"])
        // `YYYY-MM-DD HH:MM` in the portal's zone becomes UTC ISO-8601.
        #expect(try ws.strings("SELECT version_at FROM source_records WHERE record_key = 'hubspot:contacts:74918230501'") == ["2025-04-18T17:31:00.000Z"])
    }

    @Test func secondIngestOfTheSameFoldersChangesNothing() async throws {
        let (ws, _) = try await loadedWorkspace()
        let before = try ws.dump()
        let again = try await ws.ingest(Self.allSources)
        #expect(again.allSatisfy { $0.report.counts.values.allSatisfy { $0.new + $0.updated + $0.deleted == 0 } })
        #expect(try ws.dump() == before)
        // Touched files (new mtime, same content) are re-read: every row is unchanged, nothing is stored.
        for name in try FileManager.default.contentsOfDirectory(atPath: ws.root.appendingPathComponent("mkto").path) {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-100)],
                                                  ofItemAtPath: ws.root.appendingPathComponent("mkto/\(name)").path)
        }
        let reread = try await ws.ingest(Self.allSources)
        #expect(reread.counts("mkto", "activities").read == 31)
        #expect(reread.counts("mkto", "activities").unchanged == 31)
        #expect(try ws.dump() == before)
    }
}

/// Bulk API 2.0 results carry no object name: the Id key prefix says what each row is.
@Suite struct SalesforceBulkTests {
    @Test func bulkResultChunksMapByKeyPrefix() async throws {
        let ws = try Workspace()
        let folder = Fixtures.exports.deletingLastPathComponent().appendingPathComponent("salesforce-bulk")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            try ws.writeData("bulk/\(name)", Data(contentsOf: folder.appendingPathComponent(name)))
        }
        let out = try await ws.ingest("  - {name: sfb, type: files, path: bulk, format: salesforce-bulk-csv}\n")
        #expect(out[0].report.status == .ok)
        let contacts = out.counts("sfb", "Contact")
        #expect(contacts.read == 3)
        #expect(contacts.new == 3)
        #expect(try ws.strings("SELECT DISTINCT stream FROM raw_records") == ["Contact"])
        #expect(try ws.count("SELECT count(*) FROM identifiers WHERE kind = 'salesforce_contact'") == 3)
        #expect(try ws.strings("SELECT a.kind || ':' || a.value FROM persons p JOIN account_identifiers a USING (account_id) WHERE p.primary_email = 'liam.walsh@kestrelhealth.com'") == ["salesforce_account:0015g00000Nw1aCAAR"])
    }
}

/// Salesforce delivers its weekly export as ZIP archives of CSVs: they are read in place.
@Suite struct ArchiveTests {
    @Test func zippedDataExportLoadsLikeTheUnzippedOne() async throws {
        let zipped = try Workspace()
        try zipped.copyFixtures("salesforce", to: "staging")
        try zipped.zip("staging", into: "sf/WE_00D5g000000Xyz_1.zip")
        let out = try await zipped.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        #expect(out[0].report.status == .ok)
        #expect(out.counts("sf", "Lead").new == 6)
        #expect(out.counts("sf", "OpportunityHistory").new == 9)

        let plain = try Workspace()
        try plain.copyFixtures("salesforce", to: "sf")
        _ = try await plain.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        let canonical = "SELECT touchpoint_id || ' ' || coalesce(person_id, '-') || ' ' || occurred_at || ' ' || action FROM touchpoints ORDER BY 1"
        #expect(try zipped.strings(canonical) == plain.strings(canonical))
        // 22 touchpoints, less the two opportunities' stand-in creations (their history rows create them).
        #expect(try zipped.count("SELECT count(*) FROM touchpoints") == 20)
        // The archive is not read again while it is unchanged.
        let again = try await zipped.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        #expect(again[0].report.filesSkipped == 9)
        #expect(again[0].report.counts.isEmpty)
    }

    @Test func corruptArchiveFailsAloneAndTheRestLoads() async throws {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.write("sf/broken.zip", "PK this is not really a zip")
        let out = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        #expect(out[0].report.status == .partial)
        #expect(out.counts("sf", "Lead").new == 6)
        #expect(out[0].report.errors.first?.message.contains("broken.zip") == true)
    }
}
