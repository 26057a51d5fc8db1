import Connectors
import Daemon
import Foundation
import JourneyModel
import Synchronization
import JourneyTesting
import Testing

/// Newer versions replace older ones, tombstones hold against older snapshots, and overlapping
/// re-exports add only what is new or changed.
@Suite struct VersioningTests {
    static let sf = "  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n"
    static let header = #""Id","IsDeleted","FirstName","LastName","Title","Email","SystemModstamp""#

    static func lead(_ id: String, title: String, deleted: Bool = false, at: String, email: String = "maya.chen@brightwave.io") -> String {
        #""\#(id)","\#(deleted)","Maya","Chen","\#(title)","\#(email)","\#(at)""#
    }

    @Test func newerVersionReplacesTheOlderOneInCanonicalTables() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", [Self.header, Self.lead("00Q5g00000Hx2KaEAJ", title: "Marketing Manager", at: "2025-02-01T10:00:00.000Z")].joined(separator: "\n"))
        _ = try await ws.ingest(Self.sf)
        #expect(try ws.strings("SELECT title FROM persons") == ["Marketing Manager"])
        try ws.write("sf/Lead.csv", [Self.header, Self.lead("00Q5g00000Hx2KaEAJ", title: "VP Marketing", at: "2025-03-14T09:10:12.000Z")].joined(separator: "\n"), age: 60)
        let out = try await ws.ingest(Self.sf)
        #expect(out.counts("sf", "Lead").updated == 1)
        #expect(try ws.strings("SELECT title FROM persons") == ["VP Marketing"])
        #expect(try ws.count("SELECT count(*) FROM persons") == 1)
        #expect(try ws.count("SELECT count(*) FROM person_records") == 1)
        // Both versions stay in the raw zone.
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 2)
        // An old snapshot arriving later does not roll the record back.
        try ws.write("sf/Lead_old.csv", [Self.header, Self.lead("00Q5g00000Hx2KaEAJ", title: "Intern", at: "2025-01-01T10:00:00.000Z")].joined(separator: "\n"))
        let old = try await ws.ingest(Self.sf)
        #expect(old.counts("sf", "Lead").unchanged == 1)
        #expect(try ws.strings("SELECT title FROM persons") == ["VP Marketing"])
    }

    @Test func fifteenCharacterIdsAreTheSameRecordAsEighteen() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", [Self.header, Self.lead("00Q5g00000Hx2Ka", title: "A", at: "2025-02-01T10:00:00.000Z", email: " Maya.Chen@BrightWave.io ")].joined(separator: "\n"))
        try ws.write("sf/Lead_2.csv", [Self.header, Self.lead("00Q5g00000Hx2KaEAJ", title: "B", at: "2025-02-02T10:00:00.000Z")].joined(separator: "\n"))
        _ = try await ws.ingest(Self.sf)
        #expect(try ws.strings("SELECT external_id FROM source_records") == ["00Q5g00000Hx2KaEAJ"])
        #expect(try ws.strings("SELECT kind || ':' || value FROM identifiers ORDER BY 1") == ["email:maya.chen@brightwave.io", "salesforce_lead:00Q5g00000Hx2KaEAJ"])
        #expect(try ws.strings("SELECT title FROM persons") == ["B"])
    }

    @Test func tombstoneArrivingBeforeAnOlderSnapshotHolds() async throws {
        let ws = try Workspace()
        // The deletion (modstamp T2) is exported first...
        try ws.write("sf/Lead_1.csv", [Self.header, Self.lead("00Q5g00000Hx2KaEAJ", title: "VP", deleted: true, at: "2025-03-20T00:00:00.000Z")].joined(separator: "\n"))
        let first = try await ws.ingest(Self.sf)
        #expect(first.counts("sf", "Lead").deleted == 1)
        #expect(try ws.strings("SELECT reason FROM deleted_records") == ["deleted in Salesforce"])
        // ...then an older snapshot (T1 < T2) of the same record: it must not come back.
        try ws.write("sf/Lead_2.csv", [Self.header, Self.lead("00Q5g00000Hx2KaEAJ", title: "VP", at: "2025-03-14T00:00:00.000Z")].joined(separator: "\n"))
        let second = try await ws.ingest(Self.sf)
        #expect(second.counts("sf", "Lead").unchanged == 1)
        #expect(try ws.count("SELECT count(*) FROM person_records") == 0)
        #expect(try ws.count("SELECT count(*) FROM deleted_records") == 1)
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 2)
        // A version newer than the delete (an undelete in Salesforce) restores it.
        try ws.write("sf/Lead_3.csv", [Self.header, Self.lead("00Q5g00000Hx2KaEAJ", title: "CMO", at: "2025-04-01T00:00:00.000Z")].joined(separator: "\n"))
        _ = try await ws.ingest(Self.sf)
        #expect(try ws.strings("SELECT title FROM persons") == ["CMO"])
        #expect(try ws.count("SELECT count(*) FROM deleted_records") == 0)
    }

    @Test func deleteOfARecordRemovesItsTouchpointsButKeepsTheRaw() async throws {
        let ws = try Workspace()
        let taskHeader = #""Id","IsDeleted","WhoId","Subject","Status","TaskSubtype","CallType","CompletedDateTime","SystemModstamp""#
        try ws.write("sf/Task.csv", taskHeader + "\n" + #""00T5g00000Rm8AaEAJ","false","00Q5g00000Hx2KdEAJ","Call","Completed","Call","Outbound","2025-02-05T10:31:40.000Z","2025-02-05T10:31:40.000Z""#)
        _ = try await ws.ingest(Self.sf)
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 1)
        try ws.write("sf/Task_2.csv", taskHeader + "\n" + #""00T5g00000Rm8AaEAJ","true","00Q5g00000Hx2KdEAJ","Call","Completed","Call","Outbound","2025-02-05T10:31:40.000Z","2025-02-06T10:00:00.000Z""#)
        _ = try await ws.ingest(Self.sf)
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 0)
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 2)
    }

    @Test func marketoDeleteLeadBeforeTheLeadExportHolds() async throws {
        let ws = try Workspace()
        try ws.write("m/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            990001,3009,2025-03-01T00:00:00Z,37,null,3009,Test Lead,null

            """)
        _ = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-export}\n")
        try ws.write("m/leads.csv", "id,email,updatedAt\n3009,test.lead@example.com,2025-02-01T00:00:00Z\n")
        let out = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-export}\n")
        #expect(out.counts("m", "leads").unchanged == 1)
        #expect(try ws.count("SELECT count(*) FROM person_records") == 0)
        #expect(try ws.strings("SELECT record_key || ' ' || reason FROM deleted_records") == ["marketo:leads:3009 lead deleted in Marketo"])
    }

    @Test func overlappingReExportAddsOnlyWhatIsNewOrChanged() async throws {
        let ws = try Workspace()
        let header = "id,email,title,updatedAt"
        try ws.write("m/leads_week1.csv", [header, "1,a@x.io,A,2025-01-01T00:00:00Z", "2,b@x.io,B,2025-01-01T00:00:00Z", "3,c@x.io,C,2025-01-01T00:00:00Z"].joined(separator: "\n"))
        let first = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-leads-export}\n")
        #expect(first.counts("m", "leads").new == 3)
        try ws.write("m/leads_week2.csv", [header, "2,b@x.io,B,2025-01-01T00:00:00Z", "3,c@x.io,C2,2025-01-08T00:00:00Z", "4,d@x.io,D,2025-01-08T00:00:00Z", "5,e@x.io,E,2025-01-08T00:00:00Z"].joined(separator: "\n"))
        let second = try await ws.ingest("  - {name: m, type: files, path: m, format: marketo-leads-export}\n")
        let c = second.counts("m", "leads")
        #expect(c.read == 4)
        #expect(c.new == 2)
        #expect(c.updated == 1)
        #expect(c.unchanged == 1)
        #expect(try ws.count("SELECT count(*) FROM persons") == 5)
        #expect(try ws.strings("SELECT title FROM persons WHERE primary_email = 'c@x.io'") == ["C2"])
    }

    @Test func stoppingBetweenBatchesAndResumingEqualsOneCleanRun() async throws {
        var lines = ["marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes"]
        for i in 0..<2_000 {
            lines.append("\(100_000 + i),\(i % 50),2025-02-\(String(format: "%02d", 1 + i % 28))T10:00:\(String(format: "%02d", i % 60))Z,\(i % 3 == 0 ? 10 : 6),null,1,Mail \(i),null")
        }
        let text = lines.joined(separator: "\n") + "\n"
        let yaml = "  - {name: m, type: files, path: m, format: marketo-activities-export}\n"
        let clean = try Workspace()
        try clean.write("m/activities.csv", text)
        _ = try await clean.ingest(yaml, batchSize: 150)

        let resumed = try Workspace()
        try resumed.write("m/activities.csv", text)
        var passes = 0
        while true {
            passes += 1
            // A stop request arrives during each pass: it commits the batch in flight, then stops.
            let calls = Mutex(0)
            let out = try await resumed.ingest(yaml, batchSize: 150, shouldStop: { calls.withLock { $0 += 1; return $0 > 1 } })
            if out[0].report.status != .stopped { break }
            #expect(passes < 50)
            if passes >= 50 { break }
        }
        #expect(passes == 14)
        #expect(try resumed.dump() == clean.dump())
        #expect(try resumed.count("SELECT count(*) FROM touchpoints") == 2_000)
    }
}

/// Guardrail: a shared mailbox never makes two people one.
@Suite struct SharedMailboxTests {
    @Test func twoContactsWritingFromInfoAtAreTwoPersons() async throws {
        let ws = try Workspace()
        try ws.write("sf/Contact.csv", """
            "Id","FirstName","LastName","Email","SystemModstamp"
            "0035g00000Pq7RdAAJ","Anna","Berg","info@ostfeld-mb.de","2025-03-01T00:00:00.000Z"
            "0035g00000Pq7ReAAJ","Jan","Kurz","Info@Ostfeld-MB.de","2025-03-02T00:00:00.000Z"
            "0035g00000Pq7RfAAJ","Eva","Lind","eva.lind@ostfeld-mb.de","2025-03-03T00:00:00.000Z"
            """)
        _ = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n")
        #expect(try ws.count("SELECT count(*) FROM persons") == 3)
        #expect(try ws.count("SELECT count(*) FROM identifiers WHERE value = 'info@ostfeld-mb.de'") == 0)
        #expect(try ws.strings("SELECT primary_email FROM persons ORDER BY first_name") == ["info@ostfeld-mb.de", "eva.lind@ostfeld-mb.de", "info@ostfeld-mb.de"])
    }
}

/// The operator's identity rules from config: source priority per field, extra shared mailboxes
/// and free-mail domains.
@Suite struct IdentityRulesTests {
    static let sources = """
          - name: crm
            type: files
            path: crm
            format: csv
            mapping:
              record: person
              id: ID
              version: Updated
              fields: { email: Email, title: Title }
          - {name: mkto, type: files, path: mkto, format: marketo-leads-export}

        """

    func workspace() throws -> Workspace {
        let ws = try Workspace()
        try ws.write("crm/people.csv", """
            ID,Email,Title,Updated
            c1,ann@acme-corp.io,Chief Data Officer,2025-01-01T00:00:00Z
            c2,events@acme-corp.io,Events,2025-01-01T00:00:00Z
            c3,bo@freemail.example,Analyst,2025-01-01T00:00:00Z

            """)
        try ws.write("mkto/leads.csv", """
            id,email,title,updatedAt
            1,ann@acme-corp.io,data person,2025-03-01T00:00:00Z
            2,events@acme-corp.io,Events Team,2025-03-01T00:00:00Z

            """)
        return ws
    }

    @Test func withoutRulesTheMostRecentValueWinsAndRoleAddressesLink() async throws {
        let ws = try workspace()
        _ = try await ws.ingest(Self.sources)
        #expect(try ws.strings("SELECT title FROM persons WHERE primary_email = 'ann@acme-corp.io'") == ["data person"])
        #expect(try ws.count("SELECT count(*) FROM persons WHERE primary_email = 'events@acme-corp.io'") == 1)
        #expect(try ws.count("SELECT count(*) FROM account_identifiers WHERE value = 'freemail.example'") == 1)
    }

    @Test func sourcePrioritySharedMailboxesAndFreeMailFromConfig() async throws {
        let ws = try workspace()
        _ = try await ws.ingest(Self.sources + """
            identity:
              source_priority: { title: [crm] }
              shared_mailboxes: [events]
              free_mail_domains: [freemail.example]

            """)
        #expect(try ws.strings("SELECT title FROM persons WHERE primary_email = 'ann@acme-corp.io'") == ["Chief Data Officer"])
        #expect(try ws.count("SELECT count(*) FROM persons WHERE primary_email = 'events@acme-corp.io'") == 2)
        #expect(try ws.count("SELECT count(*) FROM account_identifiers WHERE value = 'freemail.example'") == 0)
    }

    @Test func anUnknownPriorityFieldIsAConfigError() throws {
        let ws = try Workspace()
        #expect(throws: (any Error).self) {
            _ = try ws.sources(Self.sources + "identity:\n  source_priority: { shoe_size: [crm] }\n")
        }
    }
}

/// A person whose every record was deleted leaves the live tables; one with a live record stays.
@Suite struct DeletedPersonTests {
    @Test func aDeletedOnlyPersonIsRetiredAndTheOthersStay() async throws {
        let ws = try Workspace()
        try ws.write("m/leads.csv", """
            id,email,sfdcLeadId,updatedAt
            3009,gone.soon@acme-corp.io,null,2025-02-01T00:00:00Z
            3010,stays@acme-corp.io,00Q5g00000Hx2L1EAJ,2025-02-01T00:00:00Z

            """)
        try ws.write("m/activities1.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            990001,3009,2025-02-02T00:00:00Z,10,null,1,Newsletter,null
            990002,3010,2025-02-02T00:00:00Z,10,null,1,Newsletter,null

            """)
        try ws.write("sf/Lead.csv", #""Id","Email","IsDeleted","SystemModstamp""# + "\n" + #""00Q5g00000Hx2L1EAJ","stays@acme-corp.io","false","2025-02-01T00:00:00.000Z""# + "\n")
        let yaml = "  - {name: m, type: files, path: m, format: marketo-export}\n  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n"
        _ = try await ws.ingest(yaml)
        #expect(try ws.count("SELECT count(*) FROM persons") == 2)
        // Marketo deletes both leads; the second person still has a live Salesforce lead.
        try ws.write("m/activities2.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            990003,3009,2025-03-01T00:00:00Z,37,null,3009,Gone Soon,null
            990004,3010,2025-03-01T00:00:00Z,37,null,3010,Stays,null

            """)
        _ = try await ws.ingest(yaml)
        #expect(try ws.strings("SELECT primary_email FROM persons") == ["stays@acme-corp.io"])
        #expect(try ws.strings("SELECT primary_email || ' ' || reason FROM deleted_persons") == ["gone.soon@acme-corp.io no live record left"])
        // The deleted person's touchpoint leaves the live tables and waits, whole, for a record to claim it.
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE person_id IS NOT NULL") == 1)
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE person_id IS NULL") == 0)
        #expect(try ws.strings("SELECT kind || ':' || value || ' ' || external_id || ' ' || action FROM orphan_touchpoints")
            == ["marketo_lead:3009 990001 email.opened"])
        #expect(try ws.count("SELECT count(*) FROM identifiers WHERE value IN ('3009', 'gone.soon@acme-corp.io')") == 0)
        // Everything stays in the raw zone.
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 7)
        // A new record with that email is a new person (the deleted one stays deleted); the
        // orphaned touchpoint follows the email to it, as it would had the record come first.
        try ws.write("m/leads2.csv", "id,email,updatedAt\n3011,gone.soon@acme-corp.io,2025-04-01T00:00:00Z\n")
        _ = try await ws.ingest(yaml)
        #expect(try ws.count("SELECT count(*) FROM persons") == 2)
        let newPerson = try ws.strings("SELECT person_id FROM identifiers WHERE value = '3011'")
        let deleted = try ws.strings("SELECT person_id FROM deleted_persons")
        #expect(newPerson.count == 1 && !deleted.contains(newPerson[0]))
        #expect(try ws.strings("SELECT external_id FROM touchpoints WHERE person_id = (SELECT person_id FROM identifiers WHERE value = '3011')") == ["990001"])
    }
}

/// The same version of a record from two transports: the fuller copy stands, in any order.
@Suite struct EqualVersionTests {
    static let sources = """
          - {name: sf, type: files, path: sf, format: salesforce-data-export}
          - {name: sfbulk, type: files, path: bulk, format: salesforce-bulk-csv}

        """
    /// A REST-shaped export of a completed call (every field) and the Bulk API row of the same
    /// version (same Id and SystemModstamp, fewer columns).
    static func writeRich(_ ws: Workspace) throws {
        try ws.write("sf/Task.csv", #"""
            "Id","IsDeleted","WhoId","Subject","Status","TaskSubtype","CallType","ActivityDate","CompletedDateTime","SystemModstamp"
            "00T5g00000Rm8AaEAJ","false","00Q5g00000Hx2KdEAJ","Call","Completed","Call","Outbound","2025-02-05","2025-02-05T10:31:40.000Z","2025-02-05T10:31:40.000Z"
            """#)
    }
    static func writePoor(_ ws: Workspace) throws {
        try ws.write("bulk/Task.csv", #"""
            "Id","WhoId","Subject","SystemModstamp"
            "00T5g00000Rm8AaEAJ","00Q5g00000Hx2KdEAJ","Call","2025-02-05T10:31:40.000Z"
            """#)
    }

    @Test func aPoorerCopyOfTheSameVersionNeverErasesTheRicherOneInEitherOrder() async throws {
        let richFirst = try Workspace()
        try Self.writeRich(richFirst)
        _ = try await richFirst.ingest(Self.sources)
        #expect(try richFirst.count("SELECT count(*) FROM touchpoints") == 1)
        try Self.writePoor(richFirst)
        let second = try await richFirst.ingest(Self.sources)
        #expect(second.counts("sfbulk", "Task").unchanged == 1)
        #expect(try richFirst.strings("SELECT action FROM touchpoints") == ["call.outbound"])
        #expect(try richFirst.strings("SELECT source FROM source_records") == ["sf"])
        // Both copies stay in the raw zone.
        #expect(try richFirst.count("SELECT count(*) FROM raw_records") == 2)

        let poorFirst = try Workspace()
        try Self.writePoor(poorFirst)
        _ = try await poorFirst.ingest(Self.sources)
        try Self.writeRich(poorFirst)
        let then = try await poorFirst.ingest(Self.sources)
        #expect(then.counts("sf", "Task").updated == 1)
        #expect(try poorFirst.strings("SELECT action FROM touchpoints") == ["call.outbound"])
        #expect(try poorFirst.dump() == richFirst.dump())

        // Exactly once: running again over both folders changes nothing.
        let before = try richFirst.dump()
        let again = try await richFirst.ingest(Self.sources)
        #expect(again.allSatisfy { $0.report.counts.values.allSatisfy { $0.new + $0.updated == 0 } })
        #expect(try richFirst.dump() == before)
    }
}

extension EqualVersionTests {
    static let touchpoint = "SELECT touchpoint_id || ' ' || occurred_at || ' ' || channel || ' ' || action || ' ' || side FROM touchpoints"

    /// A Bulk query that selected the subtype but no status field: the row still says a call was
    /// logged, and it is the same touchpoint as the REST-shaped copy, in either order.
    @Test func aBulkTaskWithoutStatusColumnsMapsToTheSameTouchpointAsItsRESTCopy() async throws {
        let bulk = #"""
            "Id","WhoId","Subject","TaskSubtype","CallType","CreatedDate","SystemModstamp"
            "00T5g00000Rm8AaEAJ","00Q5g00000Hx2KdEAJ","Call","Call","Outbound","2025-02-05T10:31:40.000Z","2025-02-05T10:31:40.000Z"
            "00T5g00000Rm8AbEAJ","00Q5g00000Hx2KdEAJ","Follow up","Task","","2025-02-06T09:00:00.000Z","2025-02-06T09:00:00.000Z"
            """#
        let bulkOnly = try Workspace()
        try bulkOnly.write("bulk/Task.csv", bulk)
        _ = try await bulkOnly.ingest(Self.sources)
        let rest = try Workspace()
        try Self.writeRich(rest)
        _ = try await rest.ingest(Self.sources)
        // The plain task says nothing of being done: a plan, no touchpoint.
        #expect(try bulkOnly.strings(Self.touchpoint) == rest.strings(Self.touchpoint))
        #expect(try rest.strings(Self.touchpoint) == ["salesforce:Task:00T5g00000Rm8AaEAJ 2025-02-05T10:31:40.000Z phone call.outbound sales"])

        // Both copies, each order: one touchpoint, the REST copy's.
        try bulkOnly.write("sf/Task.csv", try String(contentsOf: rest.root.appendingPathComponent("sf/Task.csv"), encoding: .utf8))
        _ = try await bulkOnly.ingest(Self.sources)
        try rest.write("bulk/Task.csv", bulk)
        _ = try await rest.ingest(Self.sources)
        #expect(try bulkOnly.strings("SELECT touchpoint_id || ' ' || coalesce(attributes, '') FROM touchpoints")
            == rest.strings("SELECT touchpoint_id || ' ' || coalesce(attributes, '') FROM touchpoints"))
        #expect(try bulkOnly.count("SELECT count(*) FROM touchpoints") == 1)
    }
}

/// A delete names nobody from then on, even for a record that never arrived itself.
@Suite struct DeletedUnseenRecordTests {
    static let yaml = "  - {name: m, type: files, path: m, format: marketo-export}\n"
    static let header = "marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes\n"
    static let opens = header + "880001,7106,2025-02-02T00:00:00Z,10,null,1,Newsletter,null\n880002,7106,2025-02-03T00:00:00Z,11,null,1,Newsletter,null\n"
    static let delete = header + "880003,7106,2025-03-01T00:00:00Z,37,null,7106,Lead 7106,null\n"
    static let later = header + "880004,7106,2025-03-05T00:00:00Z,10,null,1,Newsletter,null\n"

    @Test func aDeleteLeadForALeadOnlyItsActivitiesNamedLeavesNoPersonAndLaterActivitiesCreateNone() async throws {
        let ws = try Workspace()
        try ws.write("m/activities1.csv", Self.opens)
        _ = try await ws.ingest(Self.yaml)
        #expect(try ws.count("SELECT count(*) FROM persons") == 1)
        try ws.write("m/activities2.csv", Self.delete)
        _ = try await ws.ingest(Self.yaml)
        #expect(try ws.count("SELECT count(*) FROM persons") == 0)
        #expect(try ws.count("SELECT count(*) FROM identifiers WHERE kind = 'marketo_lead' AND value = '7106'") == 0)
        #expect(try ws.count("SELECT count(*) FROM deleted_persons") == 1)
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 0)
        #expect(try ws.strings("SELECT external_id FROM orphan_touchpoints ORDER BY 1") == ["880001", "880002"])
        // A later activity of the deleted lead does not bring the person back.
        try ws.write("m/activities3.csv", Self.later)
        _ = try await ws.ingest(Self.yaml)
        #expect(try ws.count("SELECT count(*) FROM persons") == 0)
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 0)
        #expect(try ws.strings("SELECT external_id FROM orphan_touchpoints ORDER BY 1") == ["880001", "880002", "880004"])

        // The same data with the delete first gives the same store.
        let deleteFirst = try Workspace()
        try deleteFirst.write("m/activities2.csv", Self.delete)
        _ = try await deleteFirst.ingest(Self.yaml)
        try deleteFirst.write("m/activities1.csv", Self.opens)
        try deleteFirst.write("m/activities3.csv", Self.later)
        _ = try await deleteFirst.ingest(Self.yaml)
        #expect(try deleteFirst.count("SELECT count(*) FROM persons") == 0)
        #expect(try deleteFirst.strings("SELECT external_id FROM orphan_touchpoints ORDER BY 1") == ["880001", "880002", "880004"])

        // A lead record newer than the delete (restored in Marketo) claims them all back.
        try ws.write("m/leads.csv", "id,email,updatedAt\n7106,back.again@acme-corp.io,2025-04-01T00:00:00Z\n")
        _ = try await ws.ingest(Self.yaml)
        #expect(try ws.count("SELECT count(*) FROM persons") == 1)
        #expect(try ws.count("SELECT count(*) FROM orphan_touchpoints") == 0)
        #expect(try ws.count("SELECT count(*) FROM touchpoints WHERE person_id = (SELECT person_id FROM identifiers WHERE value = '7106')") == 3)
    }
}
