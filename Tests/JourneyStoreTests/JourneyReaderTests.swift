import Foundation
import JourneyModel
import JourneyStore
import JourneyTesting
import Testing

/// The read API every surface serves, on a real store loaded from the vendors' sample exports.
@Suite struct JourneyReaderTests {
    /// A workspace whose store holds the three vendors' sample exports, and a reader on it.
    func sampleStore() async throws -> (Workspace, JourneyReader) {
        let ws = try await Workspace.sampleStore()
        #expect(try ws.count("SELECT count(*) FROM persons") == 8)
        return (ws, try JourneyReader(path: ws.storePath))
    }

    @Test func journeyIsFoundByEmailInAnyCaseBySalesforce15IdAndByPersonId() async throws {
        let (ws, reader) = try await sampleStore()
        let byEmail = try reader.journey(matching: " Maya.Chen@BRIGHTWAVE.io ")
        let p = byEmail.person
        #expect(p.primaryEmail == "maya.chen@brightwave.io")
        #expect(p.firstName == "Maya" && p.lastName == "Chen")
        #expect(p.accountName == "Brightwave Logistics" && p.accountDomain == "brightwave.io")
        #expect(byEmail.identifiers.count == 5)
        #expect(byEmail.identifiers.map { "\($0.kind):\($0.value)" } == byEmail.identifiers.map { "\($0.kind):\($0.value)" }.sorted())
        #expect(Set(byEmail.timeline.map(\.side)) == ["marketing", "sales"])
        #expect(Set(byEmail.timeline.map(\.source)) == ["sf", "mkto"])
        #expect(byEmail.timeline.map(\.touchpointId)
            == (try ws.strings("SELECT touchpoint_id FROM touchpoints WHERE person_id = '\(p.personId)' ORDER BY occurred_at, touchpoint_id")))

        #expect(try reader.journey(matching: "00Q5g00000Hx2Ka") == byEmail)
        #expect(try reader.journey(matching: p.personId) == byEmail)
        #expect(try reader.findPerson(matching: "MAYA.CHEN@brightwave.io") == p.personId)
        #expect(try reader.findPerson(matching: "nobody@nowhere.example") == nil)
        #expect(throws: QueryError.noPersonFound(who: "nobody@nowhere.example", store: ws.storePath)) {
            try reader.journey(matching: "nobody@nowhere.example")
        }
    }

    @Test func mergeLogFilteredToOnePersonKeepsTheirRecordsMergesAndMergesIntoThem() async throws {
        let (ws, reader) = try await sampleStore()
        let all = try reader.mergeLog()
        #expect(!all.isEmpty)
        #expect(all.map(\.mergeId) == all.map(\.mergeId).sorted(by: >))
        #expect(all.count == (try ws.count("SELECT count(*) FROM person_merges")))
        let maya = try #require(try reader.findPerson(matching: "maya.chen@brightwave.io"))
        let mayas = try reader.mergeLog(personMatching: "Maya.Chen@Brightwave.io")
        #expect(!mayas.isEmpty)
        #expect(mayas == all.filter { $0.personNow == maya || $0.intoPerson == maya })
        #expect(throws: QueryError.self) { try reader.mergeLog(personMatching: "nobody@nowhere.example") }
    }

    @Test func syncStateAndConflictsReadAsStored() async throws {
        let (ws, reader) = try await sampleStore()
        let state = try reader.syncState()
        #expect(state.map { "\($0.source)/\($0.stream)" }
            == (try ws.strings("SELECT source || '/' || stream FROM sync_state ORDER BY source, stream = '*' DESC, stream")))
        let activities = try #require(state.first { $0.source == "mkto" && $0.stream == "activities" })
        #expect(activities.status == "ok" && activities.recordsTotal == 31)
        #expect(try reader.identityConflicts().count == (try ws.count("SELECT count(*) FROM identity_conflicts")))
    }

    @Test func queryStreamsTypedCellsColumnsFirstAndStopsAtARowLimit() async throws {
        let (ws, reader) = try await sampleStore()
        withExtendedLifetime(ws) {}
        var sink = RecordingSink()
        let sql = """
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3)
            SELECT x AS n, x * 1.5 AS r, 'row ' || x AS t, NULL AS z, x'00ff' AS b FROM c
            """
        let summary = try reader.query(sql, into: &sink)
        #expect(sink.events.first == "columns n,r,t,z,b")
        #expect(sink.rows.count == 3)
        #expect(sink.rows[1] == [.integer(2), .real(3), .text("row 2"), .null, .blob(Data([0, 255]))])
        #expect(summary == QuerySummary(columns: ["n", "r", "t", "z", "b"], rowCount: 3, truncated: false))

        var limited = RecordingSink()
        let cut = try reader.query("SELECT touchpoint_id FROM touchpoints", limits: QueryLimits(rows: 2), into: &limited)
        #expect(limited.rows.count == 2 && cut.truncated)
        var exact = RecordingSink()
        #expect(try reader.query("SELECT 1", limits: QueryLimits(rows: 1), into: &exact).truncated == false)
    }

    @Test func statementsThatWouldWriteAreRefusedBeforeAnyRow() async throws {
        let (ws, reader) = try await sampleStore()
        let persons = try ws.count("SELECT count(*) FROM persons")
        for sql in ["DELETE FROM persons", "UPDATE persons SET score = 0", "DROP TABLE touchpoints", "PRAGMA journal_mode = DELETE",
                    "ATTACH DATABASE '\(ws.root.path)/other.sqlite' AS x", "  detach x"] {
            var sink = RecordingSink()
            #expect(throws: QueryError.writeRefused(sql: sql), "\(sql)") { try reader.query(sql, into: &sink) }
            #expect(sink.events.isEmpty)
        }
        #expect(QueryError.writeRefused(sql: "DELETE FROM persons").description.contains("read-only"))
        #expect(try ws.count("SELECT count(*) FROM persons") == persons)
        var sink = RecordingSink()
        #expect(throws: QueryError.self) { try reader.query("SELEKT 1", into: &sink) }
    }

    // No test time limit: the store setup alone can take a minute on a loaded CI machine, and the
    // query's own limit is what is under test.
    @Test func aRunawayQueryStopsAtItsTimeLimitWithATypedError() async throws {
        let (ws, reader) = try await sampleStore()
        withExtendedLifetime(ws) {}
        let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
        var sink = RecordingSink()
        let error = #expect(throws: QueryError.self) { try reader.query(sql, limits: QueryLimits(time: .seconds(1)), into: &sink) }
        #expect(error == .timeLimitExceeded(limit: .seconds(1), sql: sql))
        #expect(error?.description.contains("time limit of 1s") == true)
        #expect(error?.description.contains("raise the limit") == true)
        // The connection is fine afterwards, and a query within its limit is not stopped.
        var next = RecordingSink()
        _ = try reader.query("SELECT count(*) FROM touchpoints", limits: QueryLimits(time: .seconds(1)), into: &next)
        #expect(next.rows.count == 1)
    }
}

/// Keeps what a query hands its sink, in order.
struct RecordingSink: QueryResultSink {
    var events: [String] = []
    var rows: [[QueryCell]] = []

    mutating func columns(_ names: [String]) { events.append("columns " + names.joined(separator: ",")) }
    mutating func row(_ cells: [QueryCell]) {
        events.append("row")
        rows.append(cells)
    }

    @Test func derivedStateOfAPersonAndTheQuarantineSummaryReadAsStored() async throws {
        let ws = try await Workspace.sampleStore(derivers: Workspace.cliDerivers)
        let reader = try JourneyReader(path: ws.storePath)
        let maya = try #require(try reader.findPerson(matching: "maya.chen@brightwave.io"))
        let history = try reader.stageHistory(personId: maya)
        #expect(history.map { "\($0.stage) \($0.enteredAt) \($0.rule ?? "-")" }
            == (try ws.strings("SELECT stage || ' ' || entered_at || ' ' || coalesce(rule, '-') FROM stage_history WHERE person_id = '\(maya)' ORDER BY entered_at, stage")))
        #expect(history.first?.stage == "lead" && history.allSatisfy { $0.rule != nil })
        let score = try #require(try reader.scoreExplanation(personId: maya))
        #expect(Set(score.facts.map { "\($0.kind)/\($0.fact)" })
            == Set(try ws.strings("SELECT kind || '/' || fact FROM score_facts WHERE person_id = '\(maya)'")) && !score.facts.isEmpty)
        #expect(try reader.followUp(personId: maya)?.status == (try ws.strings("SELECT status FROM follow_ups WHERE person_id = '\(maya)'")).first)
        #expect(try reader.scoreExplanation(personId: "p_nobody") == nil && (try reader.followUp(personId: "p_nobody")) == nil)
        let facets = try reader.nextActionFacets()
        #expect(facets.actions == (try ws.strings("SELECT DISTINCT action FROM next_actions ORDER BY 1")) && !facets.actions.isEmpty)
        #expect(facets.owners == (try ws.strings("""
            SELECT DISTINCT owner FROM persons WHERE owner IS NOT NULL AND person_id IN (SELECT person_id FROM next_actions) ORDER BY 1
            """)))

        #expect(try reader.quarantineSummary().isEmpty)
        try ws.write("bad/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            1,3004,20/02/2025 16:16,10,null,1,Newsletter,null
            2,,2025-02-20T16:16:53Z,10,null,1,Newsletter,null
            3,,2025-02-20T16:16:55Z,10,null,1,Newsletter,null
            4,3004,,10,null,1,Newsletter,null
            5,3004,2025-02-20T16:16:54Z,abc,null,1,Newsletter,null

            """)
        _ = try await ws.ingest("  - {name: bad, type: files, path: bad, format: marketo-activities-export, settle: 0s}\n")
        let summary = try reader.quarantineSummary(reasons: 2)
        #expect(summary.count == 1 && summary[0].source == "bad" && summary[0].stream == "activities" && summary[0].count == 5)
        #expect(summary[0].reasons.map(\.code) == ["no_identifier", "invalid_value"] && summary[0].reasons.map(\.count) == [2, 1])
        #expect(summary[0].reasons[0].example == "no leadId")
    }
}
