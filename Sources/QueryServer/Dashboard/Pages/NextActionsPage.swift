import Foundation
import Hummingbird
import Insights
import JourneyModel
import JourneyStore

extension Dashboard {
    /// `/ui/next-actions`: the ranked suggestions of `journeylake next-actions` (same filters, same
    /// order), grouped by owner, each with its reason, evidence, a link to the journey, and (for
    /// write scope) done/dismissed buttons.
    func nextActions(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let form = FormBody(query: request)
        let owner = form["owner"], stage = form["stage"]?.lowercased(), action = form["action"]
        if let stage, Stage(rawValue: stage) == nil {
            throw DashboardError(status: .badRequest, message: "stage '\(stage)' is none of: \(Stage.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let limit = try request.limit(default: 100, max: 1000)
        let reader = try api.nextActions.reader(api.state.current.definitions)
        let store = api.reader
        let (rows, facets) = try await api.reading {
            (try reader.list(NextActionFilter(owner: owner, stage: stage, action: action, limit: limit)), try store.nextActionFacets())
        }
        let query: [(String, String?)] = [("owner", owner), ("stage", stage), ("action", action)]
        let here = Link("/ui/next-actions", query + [("limit", limit == 100 ? nil : String(limit))])
        var owners: [(String?, [NextActionRow])] = []
        for row in rows {
            if let i = owners.firstIndex(where: { $0.0 == row.owner }) { owners[i].1.append(row) } else { owners.append((row.owner, [row])) }
        }
        let html = Layout.page(
            title: "Next actions", section: .nextActions, viewer: viewer, notice: form["notice"].flatMap(Notice.init(rawValue:))
        ) {
            HTML.el(.h1) { "Next actions" }
            HTML.el(.form, Attribute("method", "get"), .action(Link("/ui/next-actions")), .class("filters"), .ariaLabel("Filters")) {
                select("owner", "Owner", facets.owners, owner)
                select("stage", "Stage", facets.stages, stage)
                select("action", "Action", facets.actions, action)
                HTML.el(.button, .type("submit")) { "Filter" }
                if owner != nil || stage != nil || action != nil { HTML.link(Link("/ui/next-actions"), "Clear filters") }
            }
            HTML.el(.p, .class("hint")) {
                "Prospects with an unanswered hand-raise or follow-up first, then by their best score; each prospect's suggestions together, by rank. "
                HTML.metric("next_actions.rows", Format.integer(rows.count), exact: String(rows.count))
                " suggestions shown."
            }
            if rows.isEmpty { HTML.el(.p) { "No suggestions match." } }
            for (owner, rows) in owners {
                HTML.el(.section, .class("owner"), .ariaLabel("Owner " + (owner ?? "none"))) {
                    HTML.el(.h2) { owner.map { "Owner: \($0)" } ?? "No owner" }
                    suggestions(rows, viewer, back: here, showPerson: true)
                }
            }
            if rows.count == limit, limit < 1000 {
                HTML.el(.p) { HTML.link(Link("/ui/next-actions", query + [("limit", String(min(1000, limit * 2)))]), "Show more") }
            }
            HTML.el(.p, .class("api")) {
                "Same rows: "
                HTML.el(.code) { "journeylake next-actions" + [("owner", owner), ("stage", stage), ("action", action)].compactMap { k, v in v.map { " --\(k) '\($0)'" } }.joined() + " --limit \(limit)" }
            }
        }
        return DashboardReply.page(html)
    }

    /// A labelled choice of the values present, "any" first.
    func select(_ name: String, _ label: String, _ values: [String], _ chosen: String?) -> HTML {
        HTML.el(.label) {
            label
            HTML.el(.select, .name(name)) {
                HTML.el(.option, .value(""), .selected(chosen == nil)) { "any" }
                for value in (chosen.map { values.contains($0) ? values : values + [$0] } ?? values) {
                    HTML.el(.option, .value(value), .selected(value == chosen)) { value }
                }
            }
        }
    }

    /// Suggestions as a table; `back` is where a done/dismissed mark returns to.
    func suggestions(_ rows: [NextActionRow], _ viewer: Viewer, back: Link, showPerson: Bool) -> HTML {
        let marks = viewer.mayGiveFeedback && api.feedback != nil
        return HTML.el(.div, .class("table-wrap")) {
            HTML.el(.table, .class("suggestions")) {
                HTML.el(.thead) {
                    HTML.el(.tr) {
                        if showPerson { HTML.el(.th) { "person" }; HTML.el(.th) { "stage" } }
                        HTML.el(.th, .class("num")) { "rank" }; HTML.el(.th) { "suggestion" }; HTML.el(.th, .class("num")) { "score" }
                        HTML.el(.th) { "reason and evidence" }
                        if marks { HTML.el(.th) { "mark" } }
                    }
                }
                HTML.el(.tbody) {
                    for (i, row) in rows.enumerated() {
                        // A prospect's suggestions follow each other: the person is named on the first.
                        let first = i == 0 || rows[i - 1].personId != row.personId
                        HTML.el(.tr, .class(first ? "suggestion first" : "suggestion"), Attribute("data-person", row.personId),
                                Attribute("data-action", row.action)) {
                            if showPerson {
                                HTML.el(.td) { if first { HTML.link(.person(row.personId), row.email ?? row.personId) } }
                                HTML.el(.td) { if first { row.stage.map(Self.stageName) ?? "—" } }
                            }
                            HTML.el(.td, .class("num")) { String(row.rank) }
                            HTML.el(.td) {
                                HTML.el(.strong) { row.action }
                                if let channel = row.channel { HTML.el(.div, .class("hint")) { channel + (row.side.map { " · " + $0 } ?? "") } }
                            }
                            HTML.el(.td, .class("num")) { HTML.metric("score", Format.decimal(row.score, places: 2), exact: String(row.score)) }
                            HTML.el(.td, .class("reason")) {
                                HTML.el(.div) { row.reason }
                                evidence(row.evidence)
                            }
                            if marks {
                                HTML.el(.td) {
                                    HTML.el(.div, .class("marks")) {
                                        for status in SuggestionFeedback.allCases {
                                            HTML.el(.form, Attribute("method", "post"), .action(Link("/ui/next-actions/feedback"))) {
                                                HTML.hidden("csrf", viewer.csrf)
                                                HTML.hidden("person", row.personId)
                                                HTML.hidden("action", row.action)
                                                HTML.hidden("status", status.rawValue)
                                                HTML.hidden("back", back.text)
                                                HTML.el(.button, .type("submit"), .class(status == .done ? "mark-done" : "mark-dismissed secondary"),
                                                        .ariaLabel("Mark \(row.action) for \(row.email ?? row.personId) \(status.rawValue)")) {
                                                    status == .done ? "Done" : "Dismiss"
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The evidence object as a list of its facts (nested objects one level deep, `a.b`).
    func evidence(_ json: String) -> HTML {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any], !object.isEmpty else { return HTML() }
        var facts: [(String, String)] = []
        for key in object.keys.sorted() {
            if let inner = object[key] as? [String: Any] {
                for innerKey in inner.keys.sorted() { facts.append(("\(key).\(innerKey)", Self.jsonText(inner[innerKey]))) }
            } else {
                facts.append((key, Self.jsonText(object[key])))
            }
        }
        return HTML.el(.details) {
            HTML.el(.summary) { "evidence" }
            HTML.el(.dl, .class("facts")) {
                for (key, value) in facts { HTML.el(.dt) { key }; HTML.el(.dd) { value } }
            }
        }
    }

    static func jsonText(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "null"
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        case let v?:
            guard JSONSerialization.isValidJSONObject(v), let data = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys]) else {
                return "\(v)"
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// `POST /ui/next-actions/feedback`: done or dismissed, through the daemon's store writer;
    /// back to the list (or journey) it came from with what happened.
    func feedback(_ request: Request, _ form: FormBody, _ viewer: Viewer) async throws -> Response {
        guard viewer.mayGiveFeedback else { throw DashboardError.needsWrite }
        guard let recorder = api.feedback else {
            throw DashboardError(status: .serviceUnavailable, message: "This server has no store writer to record marks with; run it as `journeylake serve`.")
        }
        guard let status = form["status"].flatMap(SuggestionFeedback.init(rawValue:)), let person = form["person"], !person.isEmpty,
              let action = form["action"], !action.isEmpty
        else { throw DashboardError(status: .badRequest, message: "The form lacked the person, the action or done/dismissed.") }
        let back = Link(returnTo: form["back"]) ?? Link("/ui/next-actions")
        do {
            try await recorder.record(status, person: person, action: action)
        } catch is FeedbackError {
            return DashboardReply.redirect(back.adding("notice", Notice.noOpenSuggestion.rawValue))
        }
        return DashboardReply.redirect(back.adding("notice", (status == .done ? Notice.markedDone : .markedDismissed).rawValue))
    }
}
