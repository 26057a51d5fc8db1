/// The dashboard's pages, in menu order.
enum Section: CaseIterable, Sendable {
    case overview, nextActions, persons, attribution, sources

    var title: String {
        switch self {
        case .overview: return "Overview"
        case .nextActions: return "Next actions"
        case .persons: return "Journeys"
        case .attribution: return "Attribution"
        case .sources: return "Sources"
        }
    }

    var link: Link {
        switch self {
        case .overview: return Link("/ui/")
        case .nextActions: return Link("/ui/next-actions")
        case .persons: return Link("/ui/persons")
        case .attribution: return Link("/ui/attribution")
        case .sources: return Link("/ui/sources")
        }
    }
}

/// The frame around every page: a skip link, the menu, the person search, who is logged in with
/// which scope, and the logout button.
enum Layout {
    static func page(
        title: String, section: Section?, viewer: Viewer?, notice: Notice? = nil, @HTMLBuilder content: () -> HTML
    ) -> HTML {
        let body = HTML.el(.body) {
            HTML.link(.fragment("main"), "Skip to content", .class("skip"))
            if let viewer { header(section, viewer) }
            HTML.el(.main, .id("main"), Attribute("tabindex", "-1")) {
                if let notice {
                    HTML.el(.p, .class(notice.isError ? "notice error" : "notice"), .role(notice.isError ? "alert" : "status")) { notice.message }
                }
                content()
            }
            HTML.el(.footer) { "JourneyLake · the same numbers as " ; HTML.el(.code) { "journeylake report" }; " and the HTTP API" }
        }
        return HTML.trusted("<!doctype html>\n") + HTML.el(.html, Attribute("lang", "en")) {
            HTML.el(.head) {
                HTML.element(.meta, [Attribute("charset", "utf-8")])
                HTML.element(.meta, [.name("viewport"), Attribute("content", "width=device-width, initial-scale=1")])
                HTML.el(.title) { title + " · JourneyLake" }
                HTML.element(.link, [Attribute("rel", "stylesheet"), .href(Link("/ui/assets/app.css"))])
                HTML.el(.script, .src(Link("/ui/assets/app.js")), Attribute("defer", flag: true))
            }
            body
        }
    }

    static func header(_ current: Section?, _ viewer: Viewer) -> HTML {
        HTML.el(.header) {
            HTML.el(.nav, .ariaLabel("Dashboard")) {
                HTML.link(Link("/ui/"), "JourneyLake", .class("brand"))
                HTML.el(.ul) {
                    for section in Section.allCases {
                        HTML.el(.li) {
                            HTML.element(.a, [.href(section.link)] + (section == current ? [Attribute("aria-current", "page")] : []), .text(section.title))
                        }
                    }
                }
            }
            HTML.el(.form, Attribute("method", "get"), .action(Link("/ui/persons")), .class("search"), .role("search")) {
                HTML.el(.label, .for("q"), .class("visually-hidden")) { "Find a person by email or any identifier" }
                HTML.element(.input, [.id("q"), .name("q"), .type("search"), Attribute("placeholder", "email or any id")])
                HTML.el(.button, .type("submit")) { "Find" }
            }
            HTML.el(.form, Attribute("method", "post"), .action(Link("/ui/logout")), .class("logout")) {
                HTML.hidden("csrf", viewer.csrf)
                HTML.el(.span, .class("scope")) { "scope: " + viewer.scope.rawValue }
                HTML.el(.button, .type("submit")) { "Log out" }
            }
        }
    }
}
