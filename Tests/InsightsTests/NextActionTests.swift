import Foundation
@testable import Insights
import JourneyConfig
import JourneyModel
import Testing

/// The next-best-action engine on hand-made journeys: every guardrail, the reasons and evidence,
/// the learned ranking, determinism.
@Suite struct NextActionTests {
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000
    /// 2025-06-02 00:00 UTC: "now" for these prospects.
    static let now = Timestamp(millisecondsSinceEpoch: 1_748_822_400_000)

    static func at(_ offset: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + offset) }

    static func touch(_ id: String, _ offset: Int64, _ action: String, side: String = "marketing", content: String? = nil, owner: String? = nil)
        -> JourneyTouch
    {
        let channel: String = switch action.split(separator: ".")[0] {
        case "call": "phone"
        case "form": "form"
        default: String(action.split(separator: ".")[0])
        }
        return JourneyTouch(id: id, at: at(offset), channel: channel, action: action, side: side, content: content, owner: owner)
    }

    static func person(
        _ id: String, created: Int64 = -60 * day, email: String? = "x@acme.example", consent: Bool? = nil, optOut: Int64? = nil,
        owner: String? = "rep1", touches: [JourneyTouch] = []
    ) -> JourneyFacts {
        JourneyFacts(
            personId: id, createdAt: at(created), owner: owner, email: email, consentEmail: consent, emailOptOutAt: optOut.map(at),
            touches: touches)
    }

    static func suggest(_ people: [JourneyFacts], _ defs: Definitions = Definitions(), at time: Timestamp = now) throws -> [String: [Suggestion]] {
        let run = try NextActionRun.compute(journeys: people.map { ($0, nil) }, definitions: defs, asOf: time, live: true)
        return Dictionary(grouping: run.suggestions(), by: \.personId)
    }

    static func actions(_ s: [Suggestion]?) -> [String] { (s ?? []).map(\.action) }

    @Test func aLeadWithoutHistoryGetsThePriorsInDefinitionOrderAndTheReasonSaysSo() throws {
        let s = try Self.suggest([Self.person("p", created: -20 * Self.day)])["p"] ?? []
        #expect(Self.actions(s) == ["webinar_invite", "content_offer", "event_invite"])
        #expect(s.map(\.rank) == [1, 2, 3])
        #expect(s[0].score == 1.1)
        #expect(s[0].reason == "invite to a webinar: too little history yet (0 with, 0 without) — assumed 1.1× from the definitions")
        let evidence = try JSONSerialization.jsonObject(with: Data(s[0].evidence.utf8)) as? [String: Any]
        #expect(evidence?["prior"] as? Bool == true)
        #expect(evidence?["goal"] as? String == "mql")
        #expect(s.allSatisfy { !$0.urgent && $0.channel == "email" && $0.side == "marketing" })
    }

    @Test func emailIsNeverSuggestedToTheUnsubscribedTheBouncedTheOptedOutOrTheAddressless() throws {
        let people = [
            Self.person("unsubscribed", touches: [Self.touch("u", -10 * Self.day, "email.unsubscribed")]),
            Self.person("spam", touches: [Self.touch("s", -10 * Self.day, "email.spam_reported")]),
            Self.person("bounced", touches: [Self.touch("b", -10 * Self.day, "email.bounced")]),
            Self.person("recovered", touches: [Self.touch("b", -10 * Self.day, "email.bounced"), Self.touch("o", -5 * Self.day, "email.opened")]),
            Self.person("optedout", consent: false, optOut: -20 * Self.day),
            Self.person("noaddress", email: nil),
        ]
        let s = try Self.suggest(people)
        for id in ["unsubscribed", "spam", "bounced", "optedout", "noaddress"] {
            #expect(Self.actions(s[id]) == ["hold"], "\(id): \(Self.actions(s[id]))")
        }
        #expect(s["unsubscribed"]?.first?.reason.contains("webinar blocked — unsubscribed 2025-05-23") == true, "\(s["unsubscribed"]?.first?.reason ?? "")")
        #expect(s["bounced"]?.first?.reason.contains("email bounced 2025-05-23") == true)
        #expect(s["optedout"]?.first?.reason.contains("opted out of email") == true)
        #expect(s["noaddress"]?.first?.reason.contains("no email address") == true)
        let blocked = try JSONSerialization.jsonObject(with: Data((s["spam"]?.first?.evidence ?? "").utf8)) as? [String: Any]
        #expect((blocked?["blocked"] as? [String: String])?["nurture_email"] == "unsubscribed 2025-05-23")
        #expect(Self.actions(s["recovered"]) == ["webinar_invite", "content_offer", "event_invite"], "an open after the bounce shows the address works")

        // Requiring an explicit opt-in: unknown consent is not enough.
        var strict = Definitions()
        strict.nextActions.requireEmailConsent = true
        let t = try Self.suggest([Self.person("unknown"), Self.person("optedin", consent: true)], strict)
        #expect(Self.actions(t["unknown"]) == ["hold"])
        #expect(t["unknown"]?.first?.reason.contains("no email consent on record") == true)
        #expect(Self.actions(t["optedin"]) == ["webinar_invite", "content_offer", "event_invite"])
    }

    @Test func cooldownsAndContactLimitsKeepActionsBack() throws {
        let invited = Self.person("invited", touches: [Self.touch("w", -3 * Self.day, "webinar.invited")])
        let s = try Self.suggest([invited])
        #expect(Self.actions(s["invited"]) == ["content_offer", "event_invite", "nurture_email"], "webinar_invite waits out its 14-day cooldown")
        // Three emails this week: the email channel is at its limit; after a week it is not.
        let mails = (1...3).map { Self.touch("e\($0)", -Int64($0) * Self.day, "email.sent") }
        let busy = try Self.suggest([Self.person("busy", touches: mails)])
        #expect(Self.actions(busy["busy"]) == ["hold"])
        #expect(busy["busy"]?.first?.reason.contains("email limit reached (3 in 7 days)") == true)
        let later = try Self.suggest([Self.person("busy", touches: mails)], at: Self.at(8 * Self.day))
        #expect(Self.actions(later["busy"]).first == "webinar_invite")
        // Re-engagement only after 60 quiet days since the last touch, never for the never-touched.
        let quiet = try Self.suggest([Self.person("quiet", created: -200 * Self.day, touches: [Self.touch("v", -90 * Self.day, "web.visit")])])
        var defs = Definitions()
        defs.nextActions.maxSuggestions = 9
        let all = try Self.suggest([
            Self.person("quiet", created: -200 * Self.day, touches: [Self.touch("v", -90 * Self.day, "web.visit")]), Self.person("cold"),
        ], defs)
        #expect(Self.actions(all["quiet"]).contains("reengagement_email"))
        #expect(!Self.actions(all["cold"]).contains("reengagement_email"))
        #expect(!Self.actions(quiet["quiet"]).isEmpty)
    }

    @Test func customersAndTheDisqualifiedGetNoneUnlessConfigured() throws {
        let customer = JourneyFacts(
            personId: "c", createdAt: Self.at(-90 * Self.day), email: "c@acme.example",
            opportunities: [OpportunityMilestone(kind: .won, at: Self.at(-10 * Self.day), touchpoint: nil, opportunity: "o1")])
        let disqualified = JourneyFacts(
            personId: "d", createdAt: Self.at(-90 * Self.day), email: "d@acme.example",
            vendorStages: [VendorStage(value: "Closed - Not Converted", at: Self.at(-5 * Self.day), recordKey: "sf:Lead:1")])
        let s = try Self.suggest([customer, disqualified])
        #expect(s["c"] == nil && s["d"] == nil)
        var defs = try StageEngineTests.definitions("""
              actions: { event_invite: { stages: [customer] } }
              next_actions: { stages: [customer] }
            """)
        defs.nextActions.maxSuggestions = 3
        #expect(Self.actions(try Self.suggest([customer], defs)["c"]) == ["event_invite"])
    }

    @Test func anOpenHandRaiseOrFollowUpPutsTheCallFirstWithItsReason() throws {
        let demo = Self.person("demo", touches: [Self.touch("f", -3 * Self.hour, "form.submitted", content: "Request a demo")])
        var s = try Self.suggest([demo])["demo"] ?? []
        #expect(s.first?.action == "sales_call" && s.first?.urgent == true && s.first?.rank == 1)
        #expect(s.first?.reason == "call now: hand-raise 3 h ago (form 'Request a demo'), no sales touch since", "\(s.first?.reason ?? "")")
        #expect(s.first?.evidence.contains("\"guardrail\":\"hand_raise\"") == true)
        // Answered: the hand-raise no longer forces anything (the MQL became an SQL).
        var answered = demo
        answered.touches.append(Self.touch("c", -1 * Self.hour, "call.outbound", side: "sales", owner: "rep1"))
        s = try Self.suggest([answered])["demo"] ?? []
        #expect(!s.contains { $0.urgent })

        // An MQL by fit and activity, never followed up: breached after 24 h, pending before.
        let download = [Self.touch("d", -30 * Self.hour, "content.downloaded", content: "Research report")]
        let late = try Self.suggest([Self.person("late", touches: download)])["late"] ?? []
        #expect(late.first?.reason == "MQL for 30 h with no sales touch — SLA is 24 h", "\(late.first?.reason ?? "")")
        #expect(late.first?.evidence.contains("follow_up_breached") == true)
        let fresh = try Self.suggest([Self.person("fresh", touches: [Self.touch("d", -5 * Self.hour, "content.downloaded")])])["fresh"] ?? []
        #expect(fresh.first?.reason == "MQL 5 h ago with no sales touch — SLA is 24 h, due 2025-06-02 19:00 UTC", "\(fresh.first?.reason ?? "")")
        #expect(fresh.first?.urgent == true)
    }

    /// Learning counts a run of equal weekly observations (a quiet prospect) in one update; the
    /// model must be the one counting every snapshot on its own gives: quiet stretches, touches
    /// every few weeks, conversions, buying groups, over a year of snapshots.
    @Test func runsOfEqualSnapshotsCountAsEverySnapshotOnItsOwn() throws {
        var defs = Definitions()
        defs.nextActions.lookbackMilliseconds = 365 * Self.day
        var g: UInt64 = 42
        func next(_ n: Int) -> Int {
            g = g &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((g >> 33) % UInt64(n))
        }
        let actions = ["content.downloaded", "webinar.invited", "email.opened", "web.visit", "form.submitted", "call.outbound", "email.clicked"]
        var journeys: [(facts: JourneyFacts, account: String?)] = []
        for i in 0..<60 {
            let created = -Int64(30 + next(330)) * Self.day
            var touches: [JourneyTouch] = []
            var t = created + Int64(next(20)) * Self.day
            while t < 0 && next(100) < 85 {
                let action = actions[next(actions.count)]
                touches.append(Self.touch("t\(i)-\(touches.count)", t, action, side: action.hasPrefix("call") ? "sales" : "marketing",
                                          content: action == "form.submitted" ? "Request a demo" : nil))
                t += Int64(1 + next(i % 3 == 0 ? 90 : 20)) * Self.day  // some prospects go quiet for months
            }
            journeys.append((Self.person(String(format: "q%03d", i), created: created, touches: touches), "acct\(i % 7)"))
        }
        let learned = try NextActionRun.compute(journeys: journeys, definitions: defs, asOf: Self.now, live: true).model
        // The same journeys, every snapshot observed on its own.
        let builder = NextActionRun.Builder(definitions: defs, asOf: Self.now, live: true, keepOutcomes: false,
                                            activity: AccountActivity(journeys: journeys, before: nil))
        var reference = LiftModel(actions: defs.nextActions.actions.map(\.name))
        var longestRun = 0
        for (facts, account) in journeys {
            let timeline = ProspectTimeline(facts: facts, insights: builder.engine.derive(facts, now: Self.now), definitions: defs, engine: builder.engine)
            var previous: NextActionRun.Observation?, run = 0
            _ = NextActionRun.observations(of: timeline, definitions: defs, account: account, activity: builder.activity, snapshots: builder.snapshots) {
                reference.observe($0.state, columns: $0.columns, converted: $0.converted)
                run = $0 == previous ? run + 1 : 1
                longestRun = max(longestRun, run)
                previous = $0
            }
        }
        #expect(longestRun >= 4, "the journeys must have quiet stretches for this to test anything")
        #expect(learned.snapshots == reference.snapshots && learned.snapshots > 500)
        let differing = Set(learned.cells.keys).union(reference.cells.keys).filter { learned.cells[$0] != reference.cells[$0] }
        #expect(differing.isEmpty, "\(differing.count) of \(reference.cells.count) states count differently")
    }

    /// One snapshot per person (created just before the last snapshot whose horizon closed):
    /// 40 leads with a fresh download got a webinar invite and 20 of them raised a hand; 60 with
    /// a fresh download got nothing and 6 did. The model learns a 5× lift and says so, with the counts.
    @Test func learnedLiftsRankTheActionsAndTheReasonShowsTheCounts() throws {
        var defs = Definitions()
        defs.nextActions.lookbackMilliseconds = 60 * Self.day
        let step = defs.nextActions.snapshotEveryMilliseconds
        let lastSnapshot = (Self.now.millisecondsSinceEpoch - defs.nextActions.horizonMilliseconds) / step * step
        let offset = lastSnapshot - Self.now.millisecondsSinceEpoch
        var people: [JourneyFacts] = []
        for i in 0..<100 {
            var touches = [Self.touch("d\(i)", offset - 2 * Self.day, "content.downloaded")]
            if i < 40 { touches.append(Self.touch("w\(i)", offset + 1 * Self.day, "webinar.invited")) }
            if i < 20 || (40..<46).contains(i) {
                touches.append(Self.touch("h\(i)", offset + 5 * Self.day, "form.submitted", content: "Request a demo"))
            }
            people.append(Self.person(String(format: "h%03d", i), created: offset - 3 * Self.day, touches: touches))
        }
        let fresh = Self.person("new", created: -3 * Self.day, touches: [Self.touch("nd", -2 * Self.day, "content.downloaded")])
        defs.mql.qualifyingActions = []
        let run = try NextActionRun.compute(journeys: (people + [fresh]).map { ($0, nil) }, definitions: defs, asOf: Self.now, live: true)
        #expect(run.model.snapshots >= 100)
        let s = run.suggestions().filter { $0.personId == "new" }
        #expect(s.first?.action == "webinar_invite", "\(s.map(\.action))")
        let reason = s.first?.reason ?? ""
        #expect(reason.hasPrefix("invite to a webinar: Leads with a recent content download"), "\(reason)")
        #expect(reason.hasSuffix("who got a webinar invite reached MQL 5× as often within 30 days: 20/40 vs 6/60 without a candidate action"), "\(reason)")
        let evidence = try #require(try JSONSerialization.jsonObject(with: Data((s.first?.evidence ?? "").utf8)) as? [String: Any])
        #expect((evidence["with"] as? [String: Int]) == ["observations": 40, "converted": 20])
        #expect((evidence["without"] as? [String: Int]) == ["observations": 60, "converted": 6])
        #expect(evidence["prior"] as? Bool == false)
        // The learned lift (smoothed toward coarser states) is weighed against the 1.1× prior by
        // its evidence: 40 observations against a prior worth 100.
        let learned = try #require(evidence["learned_lift"] as? Double)
        #expect(learned > 3 && learned < 5, "smoothed toward the coarser states: \(learned)")
        let lift = try #require(evidence["lift"] as? Double)
        let w = 40.0 / 140.0
        #expect(abs(lift - exp(w * log(learned) + (1 - w) * log(1.1))) < 0.01, "\(lift)")
        #expect(abs((s.first?.score ?? 0) - lift) < 0.001)
        // Actions without evidence fall back to their priors, below the learned one.
        #expect(s.dropFirst().allSatisfy { $0.reason.contains("too little history yet") })
    }

    @Test func theSameJourneysGiveTheSameSuggestionsInAnyOrder() throws {
        var people: [JourneyFacts] = []
        for i in 0..<30 {
            let n = Int64(i)
            let first = Self.touch("v\(i)", -(n % 9) * Self.day, i % 3 == 0 ? "content.downloaded" : "web.visit")
            let second = Self.touch("e\(i)", -(n % 5) * Self.day - Self.hour, "email.opened")
            people.append(Self.person("p\(i)", created: -(10 + n) * Self.day, touches: [first, second]))
        }
        let a = try NextActionRun.compute(journeys: people.map { ($0, "acct\($0.personId.count % 3)") }, definitions: Definitions(), asOf: Self.now, live: true)
        let b = try NextActionRun.compute(journeys: people.reversed().map { ($0, "acct\($0.personId.count % 3)") }, definitions: Definitions(), asOf: Self.now, live: true)
        #expect(a.suggestions() == b.suggestions())
        #expect(a.model == b.model)
    }

    /// The buying-group spans answer exactly what the responses say, at every moment: at least
    /// two people of the account responded in (t − 30 days, t]. Random accounts of a few people,
    /// with bursts, ties, receipts and sends; probed at every response, the window's edges and
    /// moments in between.
    @Test(arguments: 0..<40) func buyingGroupSpansAnswerAsTheResponsesDo(seed: Int) {
        var rng = SplitMix64(state: UInt64(seed))
        let window = AccountActivity.window
        let actions = ["email.opened", "web.visited", "email.sent", "email.delivered", "content.downloaded", "webinar.invited"]
        var journeys: [(facts: JourneyFacts, account: String?)] = []
        for p in 0..<Int.random(in: 1...6, using: &rng) {
            var touches: [JourneyTouch] = []
            var t = Int64.random(in: -200 ... -100, using: &rng) * Self.day
            for i in 0..<Int.random(in: 0...12, using: &rng) {
                // Mostly days apart, sometimes the same moment or weeks apart.
                let gaps: [Int64] = [0, Self.hour, Self.day, 10 * Self.day, 29 * Self.day, 31 * Self.day, 45 * Self.day]
                t += gaps.randomElement(using: &rng)!
                touches.append(Self.touch("t\(p)-\(i)", t, actions.randomElement(using: &rng)!))
            }
            journeys.append((Self.person("p\(p)", touches: touches), p % 3 == 2 ? "b" : "a"))
        }
        let activity = AccountActivity(journeys: journeys, before: nil)
        for account in ["a", "b", "c"] {
            let responses = journeys.filter { $0.account == account }.flatMap { j in
                j.facts.touches.filter { TouchKind.isResponse($0.action) }.map { (at: $0.at.millisecondsSinceEpoch, person: j.facts.personId) }
            }
            var probes = Set<Int64>()
            for r in responses {
                let edges: [Int64] = [r.at - 1, r.at, r.at + 1, r.at + window / 2, r.at + window - 1, r.at + window, r.at + window + 1]
                probes.formUnion(edges)
            }
            for t in probes {
                let inWindow = Set(responses.filter { $0.at > t - window && $0.at <= t }.map(\.person))
                #expect(activity.buyingGroup(account: account, at: t) == (inWindow.count >= 2), "account \(account) at \(t)")
            }
            let spans = activity.spans[account] ?? []
            #expect(zip(spans, spans.dropFirst()).allSatisfy { $0.end < $1.start } && spans.allSatisfy { $0.start < $0.end })
        }
    }

    /// A prepared person spilled by a learning derive reads back exactly, and the codec writes
    /// every field the types have: a field added to one of them and not to `PreparedCodec`
    /// fails here (by the counts) instead of being dropped.
    @Test func preparedPersonsReadBackFromTheSpillAsTheyWere() throws {
        let full = NextActionPass.Prepared(
            prospect: ProspectNow(
                personId: "p_1", owner: "rep 1", stage: .mql,
                state: ProspectState(stage: .mql, signal: .handRaise, band: .high, fit: true, recency: .days3to7, buyingGroup: true),
                emailBlock: "unsubscribed 2025-01-02", lastTaken: [nil, 1_748_822_400_000, -5], contacts: ["email": 3, "phone": 1],
                lastTouch: 1_748_822_399_000, salesTouched: true, openHandRaise: HandRaise(at: 7, what: "demo request ✓"),
                followUp: FollowUp(
                    mqlAt: Self.at(-Self.day), dueAt: Self.at(0), owner: "rep 2", answeredAt: Self.at(-Self.hour), answeredBy: "rep 3",
                    responseHours: 0.1 + 0.2, status: .met, salesTouches: 2, worked: true),
                holdout: true, suppressed: ["webinar_invite": "dismissed 2025-05-01", "nurture_email": "marked done"]),
            holdout: true,
            candidates: [
                NextActionPass.Candidate(at: 1_748_822_400_000, shows: .max, touch: "sf:Task:00T 1#2"),
                NextActionPass.Candidate(at: -1, shows: 1, touch: ""),
            ])
        let counts = PreparedCodec.fieldCounts
        #expect(Mirror(reflecting: full).children.count == counts.prepared)
        #expect(Mirror(reflecting: full.prospect).children.count == counts.prospect)
        #expect(Mirror(reflecting: full.prospect.state!).children.count == counts.state)
        #expect(Mirror(reflecting: full.prospect.followUp!).children.count == counts.followUp)
        #expect(Mirror(reflecting: full.prospect.openHandRaise!).children.count == counts.handRaise)
        #expect(Mirror(reflecting: full.candidates[0]).children.count == counts.candidate)
        // Every optional of the sample is set, so each one's presence is written and read.
        for child in Mirror(reflecting: full.prospect).children {
            let value = Mirror(reflecting: child.value)
            #expect(value.displayStyle != .optional || !value.children.isEmpty, "\(child.label ?? "?") is nil in the sample")
        }
        var empty = full
        empty.prospect = ProspectNow(
            personId: "p_2", owner: nil, stage: nil, state: nil, emailBlock: nil, lastTaken: [], contacts: [:], lastTouch: nil,
            salesTouched: false, openHandRaise: nil, followUp: nil, holdout: false)
        empty.candidates = []
        for value in [full, empty] {
            let bytes = PreparedCodec.encode(value)
            #expect(try bytes.withUnsafeBufferPointer { try PreparedCodec.decode($0) } == value)
            // A cut-off or padded state is refused, never read as something else.
            #expect(throws: PreparedCodec.Malformed.self) { try Array(bytes.dropLast()).withUnsafeBufferPointer { try PreparedCodec.decode($0) } }
            #expect(throws: PreparedCodec.Malformed.self) { try (bytes + [0]).withUnsafeBufferPointer { try PreparedCodec.decode($0) } }
        }
    }

    @Test func everyStateKeyReadsBackFromTheModelTable() {
        var seen: Set<Int> = []
        for stage in Stage.allCases {
            for signal in RecentSignal.allCases {
                for band in ScoreBand.allCases {
                    for recency in Recency.allCases {
                        for (fit, group) in [(true, false), (false, true)] {
                            let state = ProspectState(stage: stage, signal: signal, band: band, fit: fit, recency: recency, buyingGroup: group)
                            for (level, code) in state.codes.enumerated() {
                                #expect(StateKey.level(code) == level)
                                #expect(StateKey.code(of: StateKey.name(code)) == code, "\(StateKey.name(code))")
                                seen.insert(code)
                            }
                        }
                    }
                }
            }
        }
        #expect(StateKey.name(ProspectState(stage: .mql, signal: .content, band: .high, fit: true, recency: .days3to7, buyingGroup: true).codes[4])
            == "mql|content|high|fit|3-7d|group")
        #expect(seen.count == 1 + 8 + 8 * 6 + 8 * 6 * 3 * 2 + 8 * 6 * 3 * 6 * 2)
        #expect(StateKey.code(of: "mql|nonsense") == nil)
    }

    @Test func actionDefinitionsAreReadFromConfigWithErrorsThatNameTheirLine() throws {
        let defs = try StageEngineTests.definitions("""
              actions:
                webinar_invite: { cooldown: 21d, weight: 1.5 }
                nurture_email: { enabled: false }
                linkedin_message: { channel: social, side: sales, taken_as: [social.message by sales], stages: [mql, sql], prior_lift: 1.4 }
              next_actions: { goal: sql, horizon: 45d, holdout: 0.1, contact_limits: { email: { max: 2, per: 14d } } }
            """)
        let n = defs.nextActions
        #expect(n.action(named: "webinar_invite")?.cooldownMilliseconds == 21 * Self.day)
        #expect(n.action(named: "webinar_invite")?.weight == 1.5)
        #expect(n.action(named: "nurture_email") == nil)
        let custom = try #require(n.action(named: "linkedin_message"))
        #expect(custom.takenAs == [.touch(action: "social.message", side: .sales, quietFor: nil)] && custom.stages == [.mql, .sql])
        #expect(n.actions.last?.name == "linkedin_message")
        #expect(n.goal == .stage(.sql) && n.horizonMilliseconds == 45 * Self.day && n.holdout == 0.1)
        #expect(n.contactLimits["email"]?.max == 2 && n.contactLimits["email"]?.periodMilliseconds == 14 * Self.day)
        #expect(TakenAs("email.sent by marketing after 60d without a touch") == .touch(action: "email.sent", side: .marketing, quietFor: 60 * Self.day))
        #expect(TakenAs("email.sent by robots") == nil)

        for (yaml, message) in [
            ("actions: { tweet: { channel: social } }", "the new action 'tweet' needs channel, side and taken_as"),
            ("actions: { webinar_invite: { taken_as: [webinar] } }", "'webinar' is not a way an action shows in the data"),
            ("next_actions: { goal: revenue }", "unknown goal 'revenue'"),
            ("next_actions: { holdout: 0.9 }", "holdout is a share between 0 and 0.5"),
            ("actions: { hold: { channel: x, side: sales, taken_as: [a.b] } }", "'hold' cannot name an action"),
        ] {
            #expect(throws: (any Error).self, "\(yaml)") { _ = try StageEngineTests.definitions("  " + yaml) }
            do { _ = try StageEngineTests.definitions("  " + yaml) } catch {
                #expect("\(error)".contains(message) && "\(error)".contains("test.yaml:5"), "\(error)")
            }
        }
    }
}
