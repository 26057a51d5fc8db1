import ArgumentParser
import Foundation
import Insights
import JourneyConfig
import JourneyModel
import JourneyStore

/// Options every report takes.
struct ReportOptions: ParsableArguments {
    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "From this date (2025-03-01) or time, inclusive.") var since: String?
    @Option(name: .long, help: "Up to this date (the whole day) or time, exclusive.") var until: String?
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func period() -> ReportPeriod {
        var p = ReportPeriod()
        if let since {
            guard let t = ReportPeriod.parse(since, endOfDay: false) else { fail(.usage("--since '\(since)' is not a date (2025-03-01) or a time")) }
            p.since = t
        }
        if let until {
            guard let t = ReportPeriod.parse(until, endOfDay: true) else { fail(.usage("--until '\(until)' is not a date (2025-03-01) or a time")) }
            p.until = t
        }
        return p
    }

    /// The store's report reader under the config's definitions (no vendor credentials needed).
    func reader() throws -> ReportReader {
        let config = try catching { try options.loadStructure() }
        let defs = definitions(config)
        return reading { try ReportReader(path: config.store.path, definitions: defs) }
    }
}

/// `journeylake report …`: the numbers both teams agreed on.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The shared reports: funnel, follow-up SLA, KPIs and attribution, under the config's definitions.",
        subcommands: [Funnel.self, SLA.self, KPIs.self, Attribution.self, Suggestions.self])

    struct Funnel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entries per stage, conversion to the next, median time in stage, cohorts and leaks.",
            discussion: "Counts every stage a person ever entered, by its first entry (\"any stages\"); the view `funnel_entries` holds the same rows.")
        @OptionGroup var report: ReportOptions
        @Option(name: .long, help: "Cohorts by week (default), month, owner, channel or campaign (of the first touch).") var by: ReportGrouping = .week

        func run() async throws {
            let reader = try report.reader()
            let r = reading { try reader.funnel(report.period(), by: by) }
            switch report.format {
            case .json: print(try r.json())
            case .csv, .table:
                print(TableRenderer(
                    columns: ["stage", "entries", "advanced", "conversion", "median_days_in_stage"],
                    rows: r.stages.map { [.text($0.stage), .integer(Int64($0.entries)), $0.advanced.map { .integer(Int64($0)) } ?? .null,
                                          $0.conversion.map(QueryCell.real) ?? .null, $0.medianDaysInStage.map(QueryCell.real) ?? .null] }
                ).render(report.format))
                guard report.format == .table else { return }
                let later = Stage.funnel.filter { $0 > .lead }.map(\.rawValue)
                print()
                print(TableRenderer(
                    columns: ["cohort (\(r.cohortBy))", "leads"] + later,
                    rows: r.cohorts.map { c in [.text(c.cohort), .integer(Int64(c.leads))] + later.map { .integer(Int64(c.reached[$0] ?? 0)) } }
                ).render(.table))
                print()
                let stalled = r.stalled.filter { $0.persons > 0 }.map { "\($0.stage) \($0.persons)" }.joined(separator: ", ")
                print("leaks: stalled \(stalled.isEmpty ? "none" : stalled); MQLs never followed up \(r.neverFollowedUp)")
            }
        }
    }

    struct SLA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sla", abstract: "Follow-up SLA: MQLs, responded, met, breached, pending, compliance, response times, by owner.",
            discussion: "compliance = met / (met + breached); response times are over the responded MQLs. The view `sla_follow_ups` holds one row per MQL.")
        @OptionGroup var report: ReportOptions

        func run() async throws {
            let reader = try report.reader()
            let r = reading { try reader.sla(report.period()) }
            if report.format == .json {
                print(try r.json())
                return
            }
            func cells(_ n: SLAReport.Numbers, _ label: String) -> [QueryCell] {
                [.text(label), .integer(Int64(n.mqls)), .integer(Int64(n.responded)), .integer(Int64(n.met)), .integer(Int64(n.breached)),
                 .integer(Int64(n.pending)), n.compliance.map(QueryCell.real) ?? .null, n.medianResponseHours.map(QueryCell.real) ?? .null,
                 n.p90ResponseHours.map(QueryCell.real) ?? .null, .integer(Int64(n.worked))]
            }
            print(TableRenderer(
                columns: ["owner", "mqls", "responded", "met", "breached", "pending", "compliance", "median_response_hours",
                          "p90_response_hours", "worked"],
                rows: [cells(r.total, "(all)")] + r.byOwner.map { cells($0, $0.owner ?? "(none)") }
            ).render(report.format))
        }
    }

    struct KPIs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kpis", abstract: "MQLs, SQLs, MQL→SQL rate, opportunities, pipeline, won revenue, sourced pipeline, touches per converted lead.")
        @OptionGroup var report: ReportOptions

        func run() async throws {
            let reader = try report.reader()
            let r = reading { try reader.kpis(report.period()) }
            if report.format == .json {
                print(try r.json())
                return
            }
            let pairs: [(String, QueryCell)] = [
                ("mqls", .integer(Int64(r.mqls))), ("sqls", .integer(Int64(r.sqls))), ("mql_to_sql_rate", r.mqlToSQLRate.map(QueryCell.real) ?? .null),
                ("opportunities", .integer(Int64(r.opportunities))), ("pipeline_created", .real(r.pipelineCreated)),
                ("won_revenue", .real(r.wonRevenue)), ("marketing_sourced_pipeline", .real(r.marketingSourcedPipeline)),
                ("sales_sourced_pipeline", .real(r.salesSourcedPipeline)), ("unsourced_pipeline", .real(r.unsourcedPipeline)),
                ("touches_per_converted_lead", r.touchesPerConvertedLead.map(QueryCell.real) ?? .null),
            ]
            print(TableRenderer(columns: ["kpi", "value"], rows: pairs.map { [.text($0.0), $0.1] }).render(report.format))
        }
    }
}

extension Report {
    struct Attribution: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Credit for conversions (default: opportunity.won) by channel or campaign under one model or all.",
            discussion: """
                A journey is a person's touches strictly before a conversion, inside --window, after any earlier conversion;
                receipts, no-shows, deal events and conversions are not touches, and one event recorded by two systems counts
                once. Every model's credit sums to the number of conversions and their value. Markov is solved exactly
                (absorbing chain, no simulation); Shapley exactly over the observed channel sets (Zhao et al. 2018).
                """)
        @OptionGroup var report: ReportOptions
        @Option(name: .long, help: "first_touch, last_touch, linear, position_based, w_shaped, time_decay, markov, shapley or all.")
        var model: String = "all"
        @Option(name: .long, help: "Credit by channel (default) or campaign.") var by: AttributionDimension = .channel
        @Option(name: .long, help: "How far back a touch counts before its conversion (default 90d).") var window: String = "90d"
        @Option(name: .customLong("half-life"), help: "Time decay's half-life (default 7d).") var halfLife: String = "7d"
        @Option(name: .customLong("markov-order"), help: "Markov order 1 or 2 (default 1).") var markovOrder: Int = 1

        func run() async throws {
            let request: AttributionRequest
            do {
                request = try AttributionRequest(model: model, by: by, window: window, halfLife: halfLife, markovOrder: markovOrder)
            } catch {
                fail(.usage("--\(error.parameter) \(error.message)"))
            }
            let reader = try report.reader()
            let rows = reading { try reader.attribution(report.period(), request) }
            switch report.format {
            case .json:
                print(AttributionJSON.render(rows, by: by))
            case .csv, .table:
                let round = AttributionJSON.round
                print(TableRenderer(
                    columns: ["model", by.rawValue, "conversions", "value", "removal_effect"],
                    rows: rows.map { [.text($0.model.rawValue), .text($0.key), .real(round($0.conversions)), .real(round($0.value)),
                                      $0.removalEffect.map { .real(round($0)) } ?? .null] }
                ).render(report.format))
            }
        }
    }
}

extension ReportGrouping: ExpressibleByArgument {}
extension AttributionDimension: ExpressibleByArgument {}

extension Report {
    /// `journeylake report suggestions`: how the next best actions fared.
    struct Suggestions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Next-best-action feedback: how often suggestions were taken, and how prospects converted when they were and were not; the holdout against the rest.",
            discussion: """
                From next_action_log, for suggestions made in the period. A suggestion converted when its prospect reached the
                stage it was made for within the horizon after it. treated/holdout count each prospect once, by their first
                suggestion; holdout_lift = treated rate / holdout rate (definitions.next_actions.holdout sets the holdout share).
                """)
        @OptionGroup var report: ReportOptions

        func run() async throws {
            let reader = try report.options.nextActionReader()
            let r = reading { try reader.feedback(report.period()) }
            if report.format == .json {
                print(r.json)
                return
            }
            func n(_ x: Double?) -> QueryCell { x.map { .real(($0 * 10_000).rounded() / 10_000) } ?? .null }
            print(TableRenderer(
                columns: ["action", "suggested", "taken", "converted_taken", "converted_not_taken"],
                rows: r.byAction.map { [.text($0.action), .integer(Int64($0.suggested)), .integer(Int64($0.taken)),
                                        .integer(Int64($0.convertedTaken)), .integer(Int64($0.convertedNotTaken))] }
            ).render(report.format))
            guard report.format == .table else { return }
            print()
            print(TableRenderer(
                columns: ["measure", "value"],
                rows: [("suggestions", QueryCell.integer(Int64(r.suggestions))), ("taken", .integer(Int64(r.taken + r.done))),
                       ("take_rate", n(r.takeRate)), ("rate_taken", n(r.rateTaken)), ("rate_not_taken", n(r.rateNotTaken)),
                       ("treated_rate", n(r.treated.rate)), ("holdout_rate", n(r.holdout.rate))].map { [.text($0.0), $0.1] }
            ).render(.table))
        }
    }
}
