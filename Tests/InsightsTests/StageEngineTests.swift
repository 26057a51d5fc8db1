import Foundation
import Insights
import JourneyConfig
import JourneyModel
import Testing

/// The shared definitions applied to hand-made journeys: one test per rule kind.
@Suite struct StageEngineTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    /// 2025-03-03 (a Monday) 00:00 UTC.
    static let monday: Int64 = 1_740_960_000_000

    static func at(_ offset: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: monday + offset) }

    static func touch(
        _ id: String, _ offset: Int64, _ action: String, channel: String? = nil, side: String = "marketing", content: String? = nil,
        owner: String? = nil
    ) -> JourneyTouch {
        JourneyTouch(
            id: id, at: at(offset), channel: channel ?? String(action.split(separator: ".")[0]), action: action, side: side,
            content: content, owner: owner)
    }

    static func definitions(_ yaml: String) throws -> Definitions {
        let config = try JourneyLakeConfig.parse(yaml: """
            store: { path: /tmp/x.sqlite }
            sources:
              - { name: s, type: files, path: x, format: csv }
            definitions:
            \(yaml)
            """, file: "test.yaml")
        return try Definitions(node: config.definitions)
    }

    func stages(_ r: PersonInsights) -> [String] { r.history.map { "\($0.stage.rawValue) \($0.rule) \($0.touchpoint ?? "-")" } }

    @Test func aDemoRequestIsAHandRaiseThatQualifiesAtOnceWithoutFit() throws {
        let defs = try Self.definitions("  mql: { fit: { titles: [\"^VP\"] } }")
        let j = JourneyFacts(personId: "p", createdAt: Self.at(0), title: "Intern", touches: [
            Self.touch("t1", 1 * Self.hour, "web.visit"),
            Self.touch("t2", 2 * Self.hour, "form.submitted", content: "Request a Demo"),
        ])
        let r = StageEngine(defs).derive(j, now: Self.at(3 * Self.hour))
        #expect(stages(r) == ["lead created -", "mql hand_raise t2"])
        #expect(r.history[1].reason == "hand-raise: form 'Request a Demo'")
        #expect(r.stage == .mql)
        // An inbound call too; a newsletter form does not.
        let call = JourneyFacts(personId: "p", touches: [Self.touch("c", 0, "call.inbound", channel: "phone", side: "sales")])
        #expect(StageEngine(defs).derive(call, now: Self.at(0)).history.last?.rule == "hand_raise")
        let newsletter = JourneyFacts(personId: "p", touches: [Self.touch("n", 0, "form.submitted", content: "Newsletter signup")])
        #expect(StageEngine(defs).derive(newsletter, now: Self.at(0)).history.map(\.stage) == [.lead])
    }

    @Test func fitAndEngagementQualifyTogetherNeverApart() throws {
        let defs = try Self.definitions("""
              mql: { fit: { titles: ["vp|head of"], employees: { min: 50 } }, score_threshold: 30 }
              score: { half_life: 7d, actions: { web.visit: 0 } }
            """)
        let touches = [
            Self.touch("t1", 0, "form.submitted", content: "Whitepaper"),  // 15
            Self.touch("t2", 1 * Self.day, "webinar.attended"),  // 20: 15·2^(-1/7) + 20 + fit 20 ≥ 30
        ]
        let fitting = JourneyFacts(
            personId: "p", createdAt: Self.at(0), title: "VP Marketing", account: CompanyProfile(employees: 120), touches: touches)
        let r = StageEngine(defs).derive(fitting, now: Self.at(2 * Self.day))
        #expect(stages(r) == ["lead created -", "mql fit_and_score t1"])  // fit 2×10 + 15 = 35 ≥ 30 at the first touch
        // The same engagement without fit (too small a company) never qualifies.
        var small = fitting
        small.account = CompanyProfile(employees: 10)
        #expect(StageEngine(defs).derive(small, now: Self.at(2 * Self.day)).history.map(\.stage) == [.lead])
        // Unknown data does not fit either: no employee count.
        small.account = nil
        #expect(StageEngine(defs).derive(small, now: Self.at(2 * Self.day)).history.map(\.stage) == [.lead])
        // A qualifying activity with fit qualifies at once.
        var research = fitting
        research.touches = [Self.touch("r", 5 * Self.hour, "content.downloaded")]
        #expect(stages(StageEngine(defs).derive(research, now: Self.at(Self.day))).last == "mql fit_and_activity r")
    }

    @Test func salesAcceptanceNeedsASalesTouchAfterTheMQLByAnOwner() throws {
        let defs = Definitions()
        let touches = [
            Self.touch("early", 0, "call.outbound", channel: "phone", side: "sales", owner: "005A"),  // before the MQL: no answer
            Self.touch("demo", 2 * Self.hour, "form.submitted", content: "Pricing"),
            Self.touch("auto", 3 * Self.hour, "email.sent", side: "marketing"),  // marketing email: no answer
            Self.touch("call", 30 * Self.hour, "call.outbound", channel: "phone", side: "sales", owner: "005A"),
        ]
        let j = JourneyFacts(personId: "p", createdAt: Self.at(0), touches: touches)
        let r = StageEngine(defs).derive(j, now: Self.at(40 * Self.hour))
        #expect(stages(r) == ["lead created -", "mql hand_raise demo", "sql sales_accepted call"])
        let f = try #require(r.followUp)
        #expect(f.status == .breached)  // answered 28 h after the MQL; the window is 24 h
        #expect(f.answeredBy == "call")
        #expect(f.responseHours == 28)
        #expect(f.salesTouches == 1)
        #expect(f.worked == false)
        // Without any owner the touch answers the SLA but is no sales acceptance.
        var anonymous = j
        anonymous.touches = touches.map { var t = $0; t.owner = nil; return t }
        let a = StageEngine(defs).derive(anonymous, now: Self.at(40 * Self.hour))
        #expect(a.history.map(\.stage) == [.lead, .mql])
        #expect(a.followUp?.answeredBy == "call")
        // The person's own owner counts.
        anonymous.owner = "005B"
        #expect(StageEngine(defs).derive(anonymous, now: Self.at(40 * Self.hour)).history.last?.stage == .sql)
    }

    @Test func followUpIsMetBreachedOrPendingByTheWindow() throws {
        let defs = Definitions()
        let mql = Self.touch("m", 0, "call.inbound", channel: "phone", side: "sales")
        func status(_ touches: [JourneyTouch], now: Int64) -> FollowUpStatus? {
            StageEngine(defs).derive(JourneyFacts(personId: "p", touches: [mql] + touches), now: Self.at(now)).followUp?.status
        }
        let answer = { (h: Int64) in Self.touch("a", h * Self.hour, "email.sent", side: "sales", owner: "o") }
        #expect(status([answer(23)], now: 100 * Self.hour) == .met)
        #expect(status([answer(24)], now: 100 * Self.hour) == .met)  // inside means at most the window
        #expect(status([answer(25)], now: 100 * Self.hour) == .breached)
        #expect(status([], now: 23 * Self.hour) == .pending)
        #expect(status([], now: 25 * Self.hour) == .breached)
        // The inbound call that made the MQL does not answer it.
        #expect(StageEngine(defs).derive(JourneyFacts(personId: "p", touches: [mql]), now: Self.at(Self.hour)).followUp?.answeredAt == nil)
        // Worked: the touch target of sales touches after the MQL.
        let six = (1...6).map { Self.touch("s\($0)", Int64($0) * Self.hour, "call.outbound", channel: "phone", side: "sales", owner: "o") }
        #expect(StageEngine(defs).derive(JourneyFacts(personId: "p", touches: [mql] + six), now: Self.at(Self.day)).followUp?.worked == true)
    }

    @Test func businessHoursStopTheClockOutsideThem() throws {
        let defs = try Self.definitions("""
              sla: { window: 2h, business_hours: { days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00", time_zone: UTC } }
            """)
        // Friday 16:00 → one business hour left that day, one more Monday 09:00–10:00.
        let friday16 = 4 * Self.day + 16 * Self.hour
        let clock = FollowUpClock(defs.sla)
        #expect(clock.addWindow(to: Self.at(friday16)) == Self.at(7 * Self.day + 10 * Self.hour))
        // Answered Monday 09:30: 1.5 business hours, inside the window.
        let j = JourneyFacts(personId: "p", touches: [
            Self.touch("m", friday16, "meeting.requested", channel: "meeting"),
            Self.touch("a", 7 * Self.day + 9 * Self.hour + 30 * 60_000, "call.outbound", channel: "phone", side: "sales", owner: "o"),
        ])
        let f = try #require(StageEngine(defs).derive(j, now: Self.at(8 * Self.day)).followUp)
        #expect(f.status == .met)
        #expect(f.responseHours == 1.5)
    }

    @Test func vendorStagesFeedTheSharedStagesThroughTheMapping() throws {
        let defs = try Self.definitions("  stages: { \"Sales Accepted\": sql }")
        let j = JourneyFacts(personId: "p", createdAt: Self.at(0), vendorStages: [
            VendorStage(value: "marketingqualifiedlead", at: Self.at(Self.day), recordKey: "hubspot:contacts:1"),
            VendorStage(value: "Sales Accepted", at: Self.at(2 * Self.day), recordKey: "salesforce:Lead:1"),
        ])
        let r = StageEngine(defs).derive(j, now: Self.at(3 * Self.day))
        #expect(stages(r) == ["lead created -", "mql vendor_stage -", "sql vendor_stage -"])
        #expect(r.stage == .sql)
        // A status that leaves the funnel after it is the current stage; a later deal takes over.
        var lost = j
        lost.vendorStages.append(VendorStage(value: "Closed - Not Converted", at: Self.at(3 * Self.day), recordKey: "salesforce:Lead:1"))
        #expect(StageEngine(defs).derive(lost, now: Self.at(4 * Self.day)).stage == .disqualified)
        lost.opportunities = [OpportunityMilestone(kind: .won, at: Self.at(5 * Self.day), touchpoint: "w", opportunity: "006")]
        #expect(StageEngine(defs).derive(lost, now: Self.at(6 * Self.day)).stage == .customer)
        // A subscriber becomes a lead with its first form.
        let sub = JourneyFacts(personId: "s", createdAt: Self.at(0), vendorStages: [VendorStage(value: "subscriber", at: Self.at(0), recordKey: "hubspot:contacts:2")],
                                 touches: [Self.touch("f", Self.day, "form.submitted", content: "Guide")])
        #expect(stages(StageEngine(defs).derive(sub, now: Self.at(2 * Self.day))) == ["subscriber vendor_stage -", "lead form f"])
    }

    @Test func theScoreDecaysIsCappedAndExplainsEveryPoint() throws {
        let defs = try Self.definitions("""
              mql: { fit: { titles: ["director"] } }
              score: { half_life: 7d, fit_points: 12, engagement_cap: 30, actions: { form.submitted: 10, webinar.attended: 40 } }
            """)
        let j = JourneyFacts(personId: "p", title: "Director of IT", touches: [
            Self.touch("f", 0, "form.submitted"), Self.touch("u", Self.day, "email.unsubscribed"),
        ])
        let s = Scorer(defs).score(j, at: Self.at(7 * Self.day + Self.day))
        // The form's 10 points are 8 days old (10·2^(-8/7)); the unsubscribe's −20 one half-life (−10).
        let engagement = 10 * pow(2, -8.0 / 7) - 20 * pow(2, -7.0 / 7)
        #expect(abs(s.engagement - engagement) < 0.01)
        #expect(s.fit == 12)
        #expect(s.score == max(0, (12 + engagement) * 100).rounded() / 100)
        #expect(s.facts.map(\.fact) == ["title Director of IT", "email.unsubscribed ×1", "form.submitted ×1"])
        // Caps: engagement never counts more than ±30.
        let keen = JourneyFacts(personId: "p", title: "Director", touches: [Self.touch("w", 0, "webinar.attended")])
        let k = Scorer(defs).score(keen, at: Self.at(0))
        #expect(k.engagement == 30)
        #expect(k.score == 42)
        #expect(k.facts.contains { $0.kind == "cap" && $0.points == -10 })
    }

    @Test func definitionErrorsNameTheirLineAndTheDefaultsNeedNoSection() throws {
        #expect(try Self.definitions("  {}") == Definitions())
        let config = try JourneyLakeConfig.parse(yaml: """
            store: { path: /tmp/x.sqlite }
            sources:
              - { name: s, type: files, path: x, format: csv }
            definitions:
              stages: { Working: qualified }
              mql: { fit: { titles: ["(unclosed"] }, score_treshold: 40 }
              sla: { window: soon }
            """, file: "test.yaml")
        do {
            _ = try Definitions(node: config.definitions)
            Issue.record("invalid definitions were accepted")
        } catch let e as ConfigErrors {
            let text = e.description
            #expect(text.contains("test.yaml:5"), "\(text)")
            #expect(text.contains("unknown stage 'qualified'"), "\(text)")
            #expect(text.contains("unknown key 'score_treshold'") && text.contains("did you mean 'score_threshold'?"), "\(text)")
            #expect(text.contains("'soon' is not a duration"), "\(text)")
        }
    }
}
