import Foundation
import Hummingbird
import Insights
import JourneyModel
import JourneyStore

extension Dashboard {
    /// `/ui/persons`: with `q` (an email, a person id or any identifier), that person's journey;
    /// without, the persons in id order, a page at a time.
    func persons(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let store = api.reader
        if let q = FormBody(query: request)["q"] {
            if let id = try await api.reading({ try store.findPerson(matching: q) }) { return DashboardReply.redirect(.person(id)) }
            let html = Layout.page(title: "Not found", section: .persons, viewer: viewer) {
                HTML.el(.h1) { "Journeys" }
                HTML.el(.p, .class("error"), .role("alert")) {
                    "Nobody matches “\(q)”. Try an email address (any case), a person id (p_…), or a Salesforce, HubSpot or Marketo id."
                }
            }
            return DashboardReply.page(html, status: .notFound)
        }
        let cursor = try API.cursor(request)
        let page = try await api.reading { try store.persons(email: nil, limit: 50, after: cursor) }
        let html = Layout.page(title: "Journeys", section: .persons, viewer: viewer) {
            HTML.el(.h1) { "Journeys" }
            HTML.el(.p, .class("hint")) { "Find anyone by email or any identifier with the search box above, or pick from the list." }
            HTML.el(.div, .class("table-wrap")) {
                HTML.el(.table, .class("persons")) {
                    HTML.el(.thead) {
                        HTML.el(.tr) {
                            HTML.el(.th) { "person" }; HTML.el(.th) { "name" }; HTML.el(.th) { "account" }; HTML.el(.th) { "stage" }
                            HTML.el(.th, .class("num")) { "score" }; HTML.el(.th) { "owner" }
                        }
                    }
                    HTML.el(.tbody) {
                        for p in page.items {
                            HTML.el(.tr) {
                                HTML.el(.td) { HTML.link(.person(p.personId), p.primaryEmail ?? p.personId) }
                                HTML.el(.td) { Self.name(p) }
                                HTML.el(.td) { p.accountName ?? "—" }
                                HTML.el(.td) { p.lifecycleStage.map(Self.stageName) ?? "—" }
                                HTML.el(.td, .class("num")) { Format.decimal(p.score, places: 1) }
                                HTML.el(.td) { p.owner ?? "—" }
                            }
                        }
                    }
                }
            }
            if let next = page.nextCursor { HTML.el(.p) { HTML.link(Link("/ui/persons", [("cursor", next)]), "Next page") } }
        }
        return DashboardReply.page(html)
    }

    /// `/ui/persons/{id}`: who they are across systems, their stages with the rules that fired,
    /// their score with its facts, consent, the follow-up clock, the suggestions, and the timeline
    /// of every touch (500 at a time).
    func journey(_ request: Request, id: String, _ viewer: Viewer) async throws -> Response {
        let store = api.reader
        let cursor = try API.cursor(request)
        let reader = try api.nextActions.reader(api.state.current.definitions)
        guard let loaded = try await api.reading({ () -> (PersonJourney, String?, [StageHistoryEntry], ScoreExplanation?, FollowUpState?, [NextActionRow])? in
            guard let (journey, next) = try store.journey(personId: id, limit: 500, after: cursor) else { return nil }
            return (journey, next, try store.stageHistory(personId: id), try store.scoreExplanation(personId: id), try store.followUp(personId: id),
                    try reader.list(NextActionFilter(person: id)))
        }) else {
            throw DashboardError(status: .notFound, message: "No person has this id; search by email or any identifier above.")
        }
        let (journey, next, stages, score, followUp, open) = loaded
        let p = journey.person
        let html = Layout.page(
            title: p.primaryEmail ?? p.personId, section: .persons, viewer: viewer,
            notice: FormBody(query: request)["notice"].flatMap(Notice.init(rawValue:))
        ) {
            HTML.el(.h1) { Self.name(p) == "—" ? (p.primaryEmail ?? p.personId) : Self.name(p) }
            HTML.el(.dl, .class("facts person")) {
                HTML.el(.dt) { "email" }; HTML.el(.dd) { p.primaryEmail ?? "—" }
                HTML.el(.dt) { "person id" }; HTML.el(.dd) { HTML.el(.code) { p.personId } }
                if let title = p.title { HTML.el(.dt) { "title" }; HTML.el(.dd) { title } }
                HTML.el(.dt) { "account" }
                HTML.el(.dd) { p.accountName.map { $0 + (p.accountDomain.map { " (\($0))" } ?? "") } ?? "—" }
                HTML.el(.dt) { "stage" }; HTML.el(.dd) { p.lifecycleStage.map(Self.stageName) ?? "—" }
                HTML.el(.dt) { "owner" }; HTML.el(.dd) { p.owner ?? "—" }
                HTML.el(.dt) { "score" }
                HTML.el(.dd) { HTML.metric("person.score", Format.decimal(p.score, places: 1), exact: Format.exact(p.score)) }
                HTML.el(.dt) { "email consent" }
                HTML.el(.dd, .class("consent")) { p.consentEmail.map { $0 ? "yes" : "no (opted out)" } ?? "unknown (no system has said)" }
            }
            HTML.el(.div, .class("grid2")) {
                HTML.el(.section, .ariaLabel("Identifiers")) {
                    HTML.el(.h2) { "Identifiers across systems" }
                    table(["kind", "value", "source"], journey.identifiers.map { [$0.kind, $0.value, $0.source] }, class: "identifiers")
                    if journey.activeLinks > 0 {
                        HTML.el(.p, .class("hint")) {
                            "\(journey.activeLinks) link(s) made this person: "
                            HTML.el(.code) { "journeylake identity merges --person \(p.personId)" }
                        }
                    }
                }
                HTML.el(.section, .ariaLabel("Stage history")) {
                    HTML.el(.h2) { "Stage history" }
                    table(["stage", "entered", "rule", "reason"],
                          stages.map { [Self.stageName($0.stage), Format.time($0.enteredAt), $0.rule ?? "—", $0.reason ?? ""] }, class: "stages")
                }
            }
            HTML.el(.div, .class("grid2")) {
                HTML.el(.section, .ariaLabel("Score")) {
                    HTML.el(.h2) { "Score" }
                    if let score {
                        HTML.el(.p) {
                            HTML.el(.strong) { Format.decimal(score.score, places: 1) }
                            " = fit \(Format.decimal(score.fit, places: 1)) + engagement \(Format.decimal(score.engagement, places: 1))"
                            HTML.el(.span, .class("hint")) { " (computed \(Format.time(score.computedAt)))" }
                        }
                        table(["kind", "what counted", "points"], score.facts.map { [$0.kind, $0.fact, Format.decimal($0.points, places: 1)] },
                              class: "score-facts")
                    } else {
                        HTML.el(.p) { "Not scored yet." }
                    }
                }
                HTML.el(.section, .ariaLabel("Follow-up")) {
                    HTML.el(.h2) { "Follow-up SLA" }
                    if let f = followUp {
                        HTML.el(.dl, .class("facts")) {
                            HTML.el(.dt) { "status" }; HTML.el(.dd) { Self.status(f.status) }
                            HTML.el(.dt) { "MQL at" }; HTML.el(.dd) { Format.time(f.mqlAt) }
                            HTML.el(.dt) { "due" }; HTML.el(.dd) { Format.time(f.dueAt) }
                            HTML.el(.dt) { "answered" }
                            HTML.el(.dd) { f.answeredAt.map { Format.time($0) + (f.answeredBy.map { " by " + $0 } ?? "") } ?? "not yet" }
                            HTML.el(.dt) { "sales touches" }; HTML.el(.dd) { String(f.salesTouches) }
                        }
                    } else {
                        HTML.el(.p) { "No follow-up clock: not an MQL." }
                    }
                }
            }
            HTML.el(.section, .ariaLabel("Suggestions")) {
                HTML.el(.h2) { "Next actions" }
                if open.isEmpty {
                    HTML.el(.p) { "No open suggestions." }
                } else {
                    suggestions(open, viewer, back: .person(p.personId), showPerson: false)
                }
            }
            HTML.el(.section, .ariaLabel("Timeline")) {
                HTML.el(.h2) { "Timeline" + (cursor == nil ? "" : " (continued)") }
                table(["when", "side", "channel", "action", "campaign", "content", "source"],
                      journey.timeline.map { [Format.time($0.occurredAt), $0.side, $0.channel, $0.action, $0.campaign ?? "", $0.content ?? "", $0.source] },
                      class: "timeline")
                if let next { HTML.el(.p) { HTML.link(.person(p.personId, [("cursor", next)]), "Later touches") } }
                HTML.el(.p, .class("api")) {
                    "Same journey: "; HTML.el(.code) { "journeylake journey \(p.personId)" }; " · "
                    HTML.el(.code) { "GET /v1/persons/\(p.personId)/journey" }
                }
            }
        }
        return DashboardReply.page(html)
    }

    /// A plain table of text cells.
    func table(_ columns: [String], _ rows: [[String]], class name: String) -> HTML {
        HTML.el(.div, .class("table-wrap")) {
            HTML.el(.table, .class(name)) {
                HTML.el(.thead) { HTML.el(.tr) { for c in columns { HTML.el(.th) { c } } } }
                HTML.el(.tbody) {
                    for row in rows { HTML.el(.tr) { for cell in row { HTML.el(.td) { cell } } } }
                    if rows.isEmpty { HTML.el(.tr) { HTML.el(.td, Attribute("colspan", String(columns.count))) { "none" } } }
                }
            }
        }
    }

    static func name(_ p: PersonSummary) -> String {
        let name = [p.firstName, p.lastName].compactMap { $0 }.joined(separator: " ")
        return name.isEmpty ? "—" : name
    }
}
