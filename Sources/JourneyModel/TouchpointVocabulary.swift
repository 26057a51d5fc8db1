import Foundation

/// The medium a touchpoint happened through; the `channel` column of `touchpoints`.
///
/// Open like `IdentifierKind`: a config column mapping may name channels of its own. There is no
/// string-literal conversion, so mappings name the constants and a typo cannot pass as a channel.
public struct Channel: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Emails sent to, received from or tracked for a person.
    public static let email = Channel(rawValue: "email")
    /// Visits and clicks on the company's web pages.
    public static let web = Channel(rawValue: "web")
    /// Web forms a person filled in.
    public static let form = Channel(rawValue: "form")
    /// Gated content (white papers, research reports) a person downloaded.
    public static let content = Channel(rawValue: "content")
    /// Online events with registration and attendance.
    public static let webinar = Channel(rawValue: "webinar")
    /// Campaigns and programs that are not a webinar (trade shows, generic campaign membership).
    public static let event = Channel(rawValue: "event")
    /// Paid advertising.
    public static let paid = Channel(rawValue: "paid")
    /// Social networks (LinkedIn messages, …).
    public static let social = Channel(rawValue: "social")
    /// Phone calls.
    public static let phone = Channel(rawValue: "phone")
    /// Meetings, in person or online.
    public static let meeting = Channel(rawValue: "meeting")
    /// Work recorded in the CRM itself: tasks, notes, opportunity changes.
    public static let crm = Channel(rawValue: "crm")

    /// Every channel the built-in mappings and DESIGN.md name.
    public static let known: [Channel] = [.email, .web, .form, .content, .webinar, .event, .paid, .social, .phone, .meeting, .crm]
}

/// What happened in a touchpoint, as `channel.verb`; the `action` column of `touchpoints`.
///
/// Open like `IdentifierKind`: a config column mapping may name actions of its own. Records that
/// are real but are not engagement (delivery receipts, filtered opens, no-shows, scheduled or
/// canceled meetings) keep actions of their own so no report counts them as engagement.
public struct TouchpointAction: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// An email went out to the person (marketing send or a sales rep's email); not engagement.
    public static let emailSent = TouchpointAction(rawValue: "email.sent")
    /// The receiving server accepted the email: a delivery receipt, not an open.
    public static let emailDelivered = TouchpointAction(rawValue: "email.delivered")
    /// The person opened the email.
    public static let emailOpened = TouchpointAction(rawValue: "email.opened")
    /// An open the vendor attributes to a bot or security scanner, not to the person.
    public static let emailOpenFiltered = TouchpointAction(rawValue: "email.open_filtered")
    /// The person clicked a link in the email.
    public static let emailClicked = TouchpointAction(rawValue: "email.clicked")
    /// A click the vendor attributes to a bot or security scanner, not to the person.
    public static let emailClickFiltered = TouchpointAction(rawValue: "email.click_filtered")
    /// The email bounced (hard or soft); the address may be bad.
    public static let emailBounced = TouchpointAction(rawValue: "email.bounced")
    /// The vendor did not send the email at all (suppressed, previously bounced).
    public static let emailDropped = TouchpointAction(rawValue: "email.dropped")
    /// The person marked the email as spam.
    public static let emailSpamReported = TouchpointAction(rawValue: "email.spam_reported")
    /// The person unsubscribed: stop emailing them.
    public static let emailUnsubscribed = TouchpointAction(rawValue: "email.unsubscribed")
    /// The person wrote an email to a sales rep (logged in the CRM).
    public static let emailReceived = TouchpointAction(rawValue: "email.received")
    /// The person visited a tracked web page.
    public static let webVisit = TouchpointAction(rawValue: "web.visit")
    /// The person clicked a link on a tracked web page.
    public static let webClicked = TouchpointAction(rawValue: "web.clicked")
    /// The person submitted a web form: a hand-raise.
    public static let formSubmitted = TouchpointAction(rawValue: "form.submitted")
    /// The person downloaded gated content.
    public static let contentDownloaded = TouchpointAction(rawValue: "content.downloaded")
    /// The person was invited to a webinar; not engagement.
    public static let webinarInvited = TouchpointAction(rawValue: "webinar.invited")
    /// The person registered for a webinar.
    public static let webinarRegistered = TouchpointAction(rawValue: "webinar.registered")
    /// The person attended a webinar (live or on demand).
    public static let webinarAttended = TouchpointAction(rawValue: "webinar.attended")
    /// The person registered but did not attend: not an attendance.
    public static let webinarNoShow = TouchpointAction(rawValue: "webinar.no_show")
    /// The person called in: a hand-raise.
    public static let callInbound = TouchpointAction(rawValue: "call.inbound")
    /// A sales rep called the person.
    public static let callOutbound = TouchpointAction(rawValue: "call.outbound")
    /// A meeting was booked but has not happened (or its outcome is not recorded): not a meeting held.
    public static let meetingScheduled = TouchpointAction(rawValue: "meeting.scheduled")
    /// A meeting with the person took place.
    public static let meetingHeld = TouchpointAction(rawValue: "meeting.held")
    /// The person did not turn up to a meeting: not a meeting held.
    public static let meetingNoShow = TouchpointAction(rawValue: "meeting.no_show")
    /// A meeting was canceled: not a meeting held.
    public static let meetingCanceled = TouchpointAction(rawValue: "meeting.canceled")
    /// A sales rep messaged the person on a social network.
    public static let socialMessage = TouchpointAction(rawValue: "social.message")
    /// A sales rep completed a CRM task about the person that was not a call, email or message.
    public static let taskCompleted = TouchpointAction(rawValue: "task.completed")
    /// A sales rep logged a note about the person; no contact with them is implied.
    public static let noteLogged = TouchpointAction(rawValue: "note.logged")
    /// The person was added to a campaign without responding: membership, not engagement.
    public static let campaignMember = TouchpointAction(rawValue: "campaign.member")
    /// A campaign was sent to the person (a campaign member status); not engagement.
    public static let campaignSent = TouchpointAction(rawValue: "campaign.sent")
    /// The person responded to a campaign (the CRM's "responded" status).
    public static let campaignResponded = TouchpointAction(rawValue: "campaign.responded")
    /// The person's status in a marketing program changed to one without an action of its own.
    public static let programStatusChanged = TouchpointAction(rawValue: "program.status_changed")
    /// An opportunity (deal) was opened for the account.
    public static let opportunityCreated = TouchpointAction(rawValue: "opportunity.created")
    /// An opportunity moved to an open stage.
    public static let opportunityStageChanged = TouchpointAction(rawValue: "opportunity.stage_changed")
    /// An opportunity closed won.
    public static let opportunityWon = TouchpointAction(rawValue: "opportunity.won")
    /// An opportunity closed lost.
    public static let opportunityLost = TouchpointAction(rawValue: "opportunity.lost")

    /// Every action the built-in mappings and DESIGN.md name.
    public static let known: [TouchpointAction] = [
        .emailSent, .emailDelivered, .emailOpened, .emailOpenFiltered, .emailClicked, .emailClickFiltered, .emailBounced,
        .emailDropped, .emailSpamReported, .emailUnsubscribed, .emailReceived, .webVisit, .webClicked, .formSubmitted,
        .contentDownloaded, .webinarInvited, .webinarRegistered, .webinarAttended, .webinarNoShow, .callInbound, .callOutbound,
        .meetingScheduled, .meetingHeld, .meetingNoShow, .meetingCanceled, .socialMessage, .taskCompleted, .noteLogged,
        .campaignMember, .campaignSent, .campaignResponded, .programStatusChanged, .opportunityCreated,
        .opportunityStageChanged, .opportunityWon, .opportunityLost,
    ]
}
