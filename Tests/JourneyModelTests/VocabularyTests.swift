import JourneyModel
import Testing

/// The typed vocabularies round-trip through the text the store keeps, and cover the contract.
@Suite struct VocabularyTests {
    /// The action and channel names DESIGN.md promises analysts, plus the non-engagement ones.
    static let designActions = [
        "email.sent", "email.opened", "email.clicked", "email.bounced", "email.unsubscribed", "web.visit", "form.submitted",
        "content.downloaded", "webinar.registered", "webinar.attended", "call.inbound", "call.outbound", "meeting.held",
        "opportunity.created", "opportunity.stage_changed", "opportunity.won", "opportunity.lost", "email.delivered",
        "meeting.no_show", "webinar.no_show",
    ]
    static let designChannels = ["email", "web", "form", "content", "webinar", "event", "paid", "social", "phone", "meeting", "crm"]

    @Test func everyKnownActionRoundTripsAndIsChannelDotVerb() {
        for action in TouchpointAction.known {
            #expect(TouchpointAction(rawValue: action.rawValue) == action)
            #expect(action.description == action.rawValue)
            #expect(action.rawValue.wholeMatch(of: /[a-z]+\.[a-z_]+/) != nil, "\(action)")
        }
        #expect(Set(TouchpointAction.known).count == TouchpointAction.known.count)
        #expect(Set(Self.designActions).isSubset(of: TouchpointAction.known.map(\.rawValue)))
        #expect(TouchpointAction.webinarNoShow.rawValue == "webinar.no_show")
        #expect(TouchpointAction.emailDelivered != TouchpointAction.emailOpened)
    }

    @Test func everyKnownChannelRoundTrips() {
        for channel in Channel.known {
            #expect(Channel(rawValue: channel.rawValue) == channel)
        }
        #expect(Channel.known.map(\.rawValue) == Self.designChannels)
    }

    @Test func theVocabularyIsOpenForConfiguredMappings() {
        let custom = TouchpointAction(rawValue: "trial.started")
        #expect(!TouchpointAction.known.contains(custom))
        #expect(custom.rawValue == "trial.started")
        #expect(Channel(rawValue: "product").rawValue == "product")
    }

    @Test func quarantineCodesAreStableSnakeCase() {
        for code in QuarantineCode.allCases {
            #expect(code.rawValue.wholeMatch(of: /[a-z]+(_[a-z]+)*/) != nil, "\(code)")
            #expect(QuarantineCode(rawValue: code.rawValue) == code)
        }
        #expect(QuarantineCode.wrongFieldCount.rawValue == "wrong_field_count")
        #expect(QuarantineReason(.noIdentifier, "no leadId").description == "no leadId")
    }

    @Test func theSourceScopeIsStoredAsAStar() {
        #expect(StreamScope.source.storedName == "*")
        #expect(StreamScope(storedName: "*") == .source)
        #expect(StreamScope.stream("Lead").storedName == "Lead")
        #expect(StreamScope(storedName: "Lead") == .stream("Lead"))
    }
}
