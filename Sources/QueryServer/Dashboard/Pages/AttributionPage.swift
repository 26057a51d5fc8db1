import Foundation
import Hummingbird
import Insights
import JourneyModel

extension Dashboard {
    /// `/ui/attribution`: credit by channel or campaign, the chosen model as a chart and every
    /// model side by side, for a period and a lookback window (the API's and CLI's parameters).
    func attribution(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let form = FormBody(query: request)
        let period = try API.period(request)
        let by = try API.enumParameter(request, "by", default: AttributionDimension.channel)
        let chosen = try API.enumParameter(request, "model", default: AttributionModel.linear)
        let measure = form["measure"] == "value" ? "value" : "conversions"
        let window = form["window"] ?? "90d", halfLife = form["half-life"] ?? "7d"
        let markovOrder = form["markov-order"] == "2" ? 2 : 1
        let attribution: AttributionRequest
        do {
            attribution = try AttributionRequest(model: "all", by: by, window: window, halfLife: halfLife, markovOrder: markovOrder)
        } catch {
            throw DashboardError(status: .badRequest, message: "\(error.parameter): \(error.message)")
        }
        let reader = try api.reports.reader(api.state.current.definitions)
        let rows = try await api.reading { try reader.attribution(period, attribution) }
        func credit(_ row: AttributionRow) -> Double { AttributionJSON.round(measure == "value" ? row.value : row.conversions) }
        let chart = rows.filter { $0.model == chosen }.sorted { credit($0) != credit($1) ? credit($0) > credit($1) : $0.key < $1.key }
        var keys = chart.map(\.key)
        for row in rows where !keys.contains(row.key) { keys.append(row.key) }
        let models = AttributionModel.allCases
        var cell: [AttributionModel: [String: Double]] = [:]
        for row in rows { cell[row.model, default: [:]][row.key] = credit(row) }
        let since = form["since"], until = form["until"]
        let query: [(String, String?)] = [
            ("model", "all"), ("by", by.rawValue), ("window", window), ("half-life", halfLife),
            ("markov-order", markovOrder == 2 ? "2" : nil), ("since", since), ("until", until),
        ]
        let html = Layout.page(title: "Attribution", section: .attribution, viewer: viewer) {
            HTML.el(.h1) { "Attribution" }
            HTML.el(.form, Attribute("method", "get"), .action(Link("/ui/attribution")), .class("filters"), .ariaLabel("Attribution parameters")) {
                choice("model", "Model (chart)", models.map(\.rawValue), chosen.rawValue)
                choice("by", "Credit by", AttributionDimension.allCases.map(\.rawValue), by.rawValue)
                choice("measure", "Measure", ["conversions", "value"], measure)
                choice("window", "Lookback window", ["30d", "60d", "90d", "180d", "365d"], window)
                choice("half-life", "Time-decay half-life", ["3d", "7d", "14d", "30d"], halfLife)
                dateInput("since", "From (inclusive)", since)
                dateInput("until", "Up to (whole day)", until)
                HTML.el(.button, .type("submit")) { "Apply" }
            }
            HTML.el(.section, .ariaLabel("Chart")) {
                HTML.el(.h2) { "\(chosen.rawValue): \(measure) credited by \(by.rawValue)" }
                if chart.isEmpty {
                    HTML.el(.p) { "No conversions in this period." }
                } else {
                    Chart.bars(
                        chart.map { Chart.Bar(label: $0.key, value: credit($0), shown: Format.decimal(credit($0), places: 2)) },
                        title: "\(chosen.rawValue) attribution by \(by.rawValue)",
                        description: chart.map { "\($0.key) \(Format.decimal(credit($0), places: 2))" }.joined(separator: ", "),
                        id: "attribution-chart", class: "attribution")
                }
            }
            HTML.el(.section, .ariaLabel("Models side by side")) {
                HTML.el(.h2) { "Models side by side" }
                HTML.el(.div, .class("table-wrap")) {
                    HTML.el(.table, .class("attribution-table")) {
                        HTML.el(.caption) { "\(measure.capitalized) credited to each \(by.rawValue); each model's column sums to the conversions (or their value)" }
                        HTML.el(.thead) {
                            HTML.el(.tr) {
                                HTML.el(.th) { by.rawValue }
                                for m in models { HTML.el(.th, .class(m == chosen ? "num chosen" : "num")) { m.rawValue } }
                            }
                        }
                        HTML.el(.tbody) {
                            for key in keys {
                                HTML.el(.tr) {
                                    HTML.el(.th, Attribute("scope", "row")) { key }
                                    for m in models {
                                        HTML.el(.td, .class("num")) {
                                            if let x = cell[m]?[key] {
                                                HTML.metric("attribution.\(m.rawValue).\(key)", Format.decimal(x, places: 2), exact: String(x))
                                            } else {
                                                "—"
                                            }
                                        }
                                    }
                                }
                            }
                            HTML.el(.tr, .class("total")) {
                                HTML.el(.th, Attribute("scope", "row")) { "total" }
                                for m in models { HTML.el(.td, .class("num")) { Format.decimal((cell[m] ?? [:]).values.reduce(0, +), places: 2) } }
                            }
                        }
                    }
                }
            }
            HTML.el(.p, .class("api")) {
                "Same numbers: "
                HTML.el(.code) { "GET /v1/reports/attribution" + Link.query(query) }
                " · "
                HTML.el(.code) {
                    "journeylake report attribution" + query.compactMap { k, v in v.map { " --\(k) \($0)" } }.joined()
                }
            }
        }
        return DashboardReply.page(html)
    }

    func choice(_ name: String, _ label: String, _ values: [String], _ chosen: String) -> HTML {
        HTML.el(.label) {
            label
            HTML.el(.select, .name(name)) {
                for value in values.contains(chosen) ? values : values + [chosen] {
                    HTML.el(.option, .value(value), .selected(value == chosen)) { value }
                }
            }
        }
    }

    func dateInput(_ name: String, _ label: String, _ value: String?) -> HTML {
        HTML.el(.label) {
            label
            HTML.element(.input, [.type("date"), .name(name)] + (value.map { [.value($0)] } ?? []))
        }
    }
}
