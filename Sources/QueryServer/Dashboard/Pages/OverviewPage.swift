import Foundation
import Hummingbird
import Insights
import JourneyModel
import JourneyStore

/// A report week: Monday 00:00 UTC to the next Monday (ISO weeks, as the reports' cohorts).
struct ReportWeek: Sendable, Equatable {
    let monday: Timestamp

    static let day: Int64 = 86_400_000

    /// The week holding `text` (any date or time of it); the current week when nil.
    init(_ text: String?, now: Timestamp = Timestamp(.now)) throws {
        var t = now
        if let text {
            guard let parsed = ReportPeriod.parse(text, endOfDay: false) else {
                throw DashboardError(status: .badRequest, message: "week '\(text)' is not a date (2025-03-10).")
            }
            t = parsed
        }
        monday = TimestampParser.utc.parse(ReportGrouping.bucket(t, .week) + "T00:00:00Z")!
    }

    private init(monday: Timestamp) { self.monday = monday }

    func shifted(weeks: Int) -> ReportWeek {
        ReportWeek(monday: Timestamp(millisecondsSinceEpoch: monday.millisecondsSinceEpoch + Int64(weeks) * 7 * Self.day))
    }

    var period: ReportPeriod { ReportPeriod(since: monday, until: shifted(weeks: 1).monday) }

    /// The 13 weeks ending with this one: the funnel's and the SLA's period.
    var quarter: ReportPeriod { ReportPeriod(since: shifted(weeks: -12).monday, until: shifted(weeks: 1).monday) }

    var mondayText: String { String(monday.iso8601.prefix(10)) }
    var sundayText: String { String(Timestamp(millisecondsSinceEpoch: monday.millisecondsSinceEpoch + 6 * Self.day).iso8601.prefix(10)) }
}

extension Dashboard {
    /// `/ui/`: this week's KPIs against last week's, the funnel of the last 13 weeks with the
    /// conversion between stages, the follow-up SLA, the leaks, and each source's last sync.
    func overview(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let week = try ReportWeek(FormBody(query: request)["week"])
        let quarterStart = week.shifted(weeks: -12)
        let reader = try api.reports.reader(api.state.current.definitions)
        let store = api.reader
        let configured = api.state.current.sources.map { ($0.name, $0.enabled) }
        let (now, this, last, funnel, sla, sync) = try await api.reading {
            let now = Timestamp(.now)
            return (now, try reader.kpis(week.period), try reader.kpis(week.shifted(weeks: -1).period), try reader.funnel(week.quarter, now: now),
                    try reader.sla(week.quarter, now: now), SyncStateRow.listing(stored: try store.syncState(), configured: configured))
        }
        let weekQuery = "since=\(week.mondayText)&until=\(week.sundayText)"
        let quarterQuery = "since=\(quarterStart.mondayText)&until=\(week.sundayText)"
        let html = Layout.page(title: "Overview", section: .overview, viewer: viewer) {
            HTML.el(.h1) { "Overview" }
            HTML.el(.nav, .class("pager"), .ariaLabel("Weeks")) {
                HTML.link(Link("/ui/", [("week", week.shifted(weeks: -1).mondayText)]), "← previous week")
                HTML.el(.strong) { "Week of \(week.mondayText) to \(week.sundayText) (UTC)" }
                HTML.link(Link("/ui/", [("week", week.shifted(weeks: 1).mondayText)]), "next week →")
                HTML.link(Link("/ui/"), "this week")
            }
            HTML.el(.section, .ariaLabel("KPIs")) {
                HTML.el(.h2) { "This week against last week" }
                HTML.el(.div, .class("kpis")) {
                    kpi("MQLs", "mqls", Double(this.mqls), Double(last.mqls)) { $0.map { Format.integer(Int($0)) } ?? "—" }
                    kpi("SQLs", "sqls", Double(this.sqls), Double(last.sqls)) { $0.map { Format.integer(Int($0)) } ?? "—" }
                    kpi("MQL → SQL rate", "mql_to_sql_rate", this.mqlToSQLRate, last.mqlToSQLRate) { Format.percent($0) }
                    kpi("Pipeline created", "pipeline_created", this.pipelineCreated, last.pipelineCreated) { $0.map(Format.amount) ?? "—" }
                    kpi("Won revenue", "won_revenue", this.wonRevenue, last.wonRevenue) { $0.map(Format.amount) ?? "—" }
                }
                apiNote("kpis", weekQuery)
            }
            HTML.el(.div, .class("grid2")) {
                HTML.el(.section, .ariaLabel("Funnel")) {
                    HTML.el(.h2) { "Funnel, 13 weeks to \(week.sundayText)" }
                    funnelChart(funnel)
                    leaks(funnel)
                    apiNote("funnel", quarterQuery)
                }
                HTML.el(.section, .ariaLabel("Follow-up SLA")) {
                    HTML.el(.h2) { "Follow-up SLA, same 13 weeks" }
                    slaSummary(sla)
                    apiNote("sla", quarterQuery)
                }
            }
            HTML.el(.section, .ariaLabel("Last sync per source")) {
                HTML.el(.h2) { "Last sync per source" }
                lastSync(sync.filter { $0.stream == StreamScope.source.storedName }, now: now)
                HTML.el(.p, .class("hint")) { HTML.link(Link("/ui/sources"), "Every stream, its errors and its quarantine") }
            }
        }
        return DashboardReply.page(html)
    }

    func kpi(_ label: String, _ key: String, _ this: Double?, _ last: Double?, _ shown: (Double?) -> String) -> HTML {
        var trend = ""
        if let this, let last, this != last { trend = this > last ? "up" : "down" }
        return HTML.el(.div, .class("kpi")) {
            HTML.el(.div, .class("label")) { label }
            HTML.el(.div, .class("value")) { HTML.metric("kpis.this.\(key)", shown(this), exact: Format.exact(this)) }
            HTML.el(.div, .class("was")) {
                if !trend.isEmpty { HTML.el(.span, .class(trend), Attribute("aria-hidden", "true")) { trend == "up" ? "▲ " : "▼ " } }
                "last week "
                HTML.metric("kpis.last.\(key)", shown(last), exact: Format.exact(last))
            }
        }
    }

    func funnelChart(_ funnel: FunnelReport) -> HTML {
        let stages = funnel.stages
        let bars = stages.enumerated().map { i, s in
            Chart.Bar(
                label: Self.stageName(s.stage), value: Double(s.entries), shown: Format.integer(s.entries),
                note: i + 1 < stages.count ? "\(Format.percent(s.conversion)) advanced to \(Self.stageName(stages[i + 1].stage))" : nil)
        }
        let described = stages.map { "\(Self.stageName($0.stage)) \($0.entries)" }.joined(separator: ", ")
        return Chart.bars(bars, title: "Funnel: entries per stage", description: described, id: "funnel-chart", class: "funnel")
            + HTML.el(.div, .class("table-wrap")) {
                HTML.el(.table, .class("funnel-table")) {
                    HTML.el(.caption) { "Persons who entered each stage in the period, and the share that reached the next since" }
                    HTML.el(.thead) {
                        HTML.el(.tr) {
                            HTML.el(.th) { "stage" }; HTML.el(.th, .class("num")) { "entries" }; HTML.el(.th, .class("num")) { "advanced" }
                            HTML.el(.th, .class("num")) { "conversion" }; HTML.el(.th, .class("num")) { "median days in stage" }
                        }
                    }
                    HTML.el(.tbody) {
                        for s in stages {
                            HTML.el(.tr) {
                                HTML.el(.th, Attribute("scope", "row")) { Self.stageName(s.stage) }
                                HTML.el(.td, .class("num")) { HTML.metric("funnel.\(s.stage).entries", Format.integer(s.entries), exact: String(s.entries)) }
                                HTML.el(.td, .class("num")) { s.advanced.map(Format.integer) ?? "—" }
                                HTML.el(.td, .class("num")) {
                                    HTML.metric("funnel.\(s.stage).conversion", Format.percent(s.conversion), exact: Format.exact(s.conversion))
                                }
                                HTML.el(.td, .class("num")) { Format.decimal(s.medianDaysInStage, places: 1) }
                            }
                        }
                    }
                }
            }
    }

    func leaks(_ funnel: FunnelReport) -> HTML {
        HTML.el(.h3) { "Leaks" } + HTML.el(.ul, .class("leaks")) {
            for s in funnel.stalled where s.persons > 0 {
                HTML.el(.li) {
                    HTML.metric("funnel.stalled.\(s.stage)", Format.integer(s.persons), exact: String(s.persons))
                    " stalled in \(Self.stageName(s.stage)) (no stage change and no touch lately)"
                }
            }
            if funnel.stalled.allSatisfy({ $0.persons == 0 }) { HTML.el(.li) { "Nobody stalled." } }
            HTML.el(.li) {
                HTML.metric("funnel.never_followed_up", Format.integer(funnel.neverFollowedUp), exact: String(funnel.neverFollowedUp))
                " MQLs never followed up (the SLA window passed without a sales touch)"
            }
        }
    }

    func slaSummary(_ sla: SLAReport) -> HTML {
        let t = sla.total
        return HTML.el(.div, .class("kpis")) {
            HTML.el(.div, .class("kpi")) {
                HTML.el(.div, .class("label")) { "Compliance (met ÷ met + breached)" }
                HTML.el(.div, .class("value")) { HTML.metric("sla.compliance", Format.percent(t.compliance), exact: Format.exact(t.compliance)) }
            }
            HTML.el(.div, .class("kpi")) {
                HTML.el(.div, .class("label")) { "Breached" }
                HTML.el(.div, .class("value")) { HTML.metric("sla.breached", Format.integer(t.breached), exact: String(t.breached)) }
                HTML.el(.div, .class("was")) {
                    "of "; HTML.metric("sla.mqls", Format.integer(t.mqls), exact: String(t.mqls)); " MQLs; met "
                    HTML.metric("sla.met", Format.integer(t.met), exact: String(t.met)); ", pending "
                    HTML.metric("sla.pending", Format.integer(t.pending), exact: String(t.pending))
                }
            }
            HTML.el(.div, .class("kpi")) {
                HTML.el(.div, .class("label")) { "Median response" }
                HTML.el(.div, .class("value")) {
                    HTML.metric("sla.median_response_hours", Format.decimal(t.medianResponseHours, places: 1), exact: Format.exact(t.medianResponseHours))
                    " h"
                }
            }
        } + HTML.el(.div, .class("table-wrap")) {
            HTML.el(.table) {
                HTML.el(.caption) { "By owner (met and pending: journeylake report sla)" }
                HTML.el(.thead) {
                    HTML.el(.tr) {
                        HTML.el(.th) { "owner" }; HTML.el(.th, .class("num")) { "MQLs" }; HTML.el(.th, .class("num")) { "breached" }
                        HTML.el(.th, .class("num")) { "compliance" }
                    }
                }
                HTML.el(.tbody) {
                    for o in sla.byOwner {
                        HTML.el(.tr) {
                            HTML.el(.th, Attribute("scope", "row")) { o.owner ?? "(none)" }
                            HTML.el(.td, .class("num")) { Format.integer(o.mqls) }; HTML.el(.td, .class("num")) { Format.integer(o.breached) }
                            HTML.el(.td, .class("num")) { Format.percent(o.compliance) }
                        }
                    }
                }
            }
        }
    }

    func lastSync(_ rows: [SyncStateRow], now: Timestamp) -> HTML {
        HTML.el(.div, .class("table-wrap")) {
            HTML.el(.table, .class("last-sync")) {
                HTML.el(.thead) {
                    HTML.el(.tr) { HTML.el(.th) { "source" }; HTML.el(.th) { "status" }; HTML.el(.th) { "last success" }; HTML.el(.th) { "last error" } }
                }
                HTML.el(.tbody) {
                    for row in rows {
                        HTML.el(.tr) {
                            HTML.el(.th, Attribute("scope", "row")) { row.source }
                            HTML.el(.td) { Self.status(row.status) }
                            HTML.el(.td) { Self.when(row.lastSuccessAt, now: now) }
                            HTML.el(.td) { row.lastError.map(Scrub.error) ?? "" }
                        }
                    }
                }
            }
        }
    }

    /// Where the same numbers come from elsewhere: the API route and the CLI command.
    func apiNote(_ report: String, _ query: String) -> HTML {
        let flags = query.split(separator: "&").map { "--" + $0.replacingOccurrences(of: "=", with: " ") }.joined(separator: " ")
        return HTML.el(.p, .class("api")) {
            "Same numbers: "
            HTML.el(.code) { "GET /v1/reports/\(report)?\(query)" }
            " · "
            HTML.el(.code) { "journeylake report \(report) \(flags)" }
        }
    }

    static func stageName(_ stage: String) -> String {
        ["mql": "MQL", "sql": "SQL"][stage] ?? stage.prefix(1).uppercased() + stage.dropFirst()
    }

    static func status(_ status: String) -> HTML {
        let tone = ["ok": "good", "met": "good", "failed": "bad", "partial": "bad", "breached": "bad"][status].map { " " + $0 } ?? ""
        return HTML.el(.span, .class("badge" + tone)) { status }
    }

    static func when(_ iso: String?, now: Timestamp) -> HTML {
        guard let iso else { return .text("never") }
        return HTML.el(.time, Attribute("datetime", iso)) { Format.time(iso) } + .text(Format.age(iso, now: now).map { " (\($0) ago)" } ?? "")
    }
}
