import ArgumentParser
import Daemon
import Foundation
import Insights
import JourneyConfig
import JourneyModel
import JourneyStore
import Logging

extension ConfigOption {
    /// The store's next-action reader under the config's definitions (no vendor credentials needed).
    func nextActionReader() throws -> NextActionReader {
        let config = try catching { try loadStructure() }
        let defs = definitions(config)
        return reading { try NextActionReader(path: config.store.path, definitions: defs) }
    }
}

/// Reads a moment given as an ISO date (its start, UTC) or date-time.
func moment(_ text: String, flag: String) -> Timestamp {
    guard let t = ReportPeriod.parse(text, endOfDay: false) else { fail(.usage("--\(flag) '\(text)' is not a date (2025-03-01) or a time")) }
    return t
}

func days(_ text: String, flag: String) -> Int64 {
    guard let d = DurationParser.parse(text), d > .zero else { fail(.usage("--\(flag) '\(text)' is not a duration (e.g. 30d)")) }
    return d.components.seconds * 1000
}

/// `journeylake next-actions`: every open prospect's ranked next best actions, with reasons.
struct NextActions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next-actions",
        abstract: "The ranked next best actions for open prospects, each with its reason and evidence.",
        discussion: """
            Prospects with an unanswered hand-raise or follow-up come first, then by their best score (lift × value × weight);
            each prospect's suggestions stay together, by rank. --as-of computes them as of a past date from the data before it
            alone, with a model learned only from the history before it.
            """)

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Only prospects this owner holds.") var owner: String?
    @Option(name: .long, help: "Only prospects in this stage (subscriber, lead, mql, sql, opportunity, recycled).") var stage: String?
    @Option(name: .long, help: "Only prospects with this action among their suggestions.") var action: String?
    @Option(name: .long, help: "At most this many rows.") var limit: Int?
    @Option(name: .customLong("as-of"), help: "Compute as of this date (2025-03-01) or time, from the data before it.") var asOf: String?
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if let stage, Stage(rawValue: stage.lowercased()) == nil {
            throw ValidationError("--stage '\(stage)' is none of: \(Stage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let reader = try options.nextActionReader()
        let filter = NextActionFilter(owner: owner, stage: stage, action: action, limit: limit)
        let rows = reading { try asOf.map { try reader.list(asOf: moment($0, flag: "as-of"), filter) } ?? reader.list(filter) }
        print(Self.render(rows, format))
    }

    static func render(_ rows: [NextActionRow], _ format: OutputFormat) -> String {
        switch format {
        case .json:
            return rows.isEmpty ? "[]" : "[\n" + rows.map { "  " + $0.json }.joined(separator: ",\n") + "\n]"
        case .csv:
            return TableRenderer(
                columns: ["person_id", "rank", "action", "channel", "side", "score", "reason", "evidence", "computed_at"],
                rows: rows.map { [.text($0.personId), .integer(Int64($0.rank)), .text($0.action), .init($0.channel), .init($0.side),
                                  .real($0.score), .text($0.reason), .text($0.evidence), .text($0.computedAt)] }
            ).render(.csv)
        case .table:
            return TableRenderer(
                columns: ["person", "owner", "stage", "rank", "action", "score", "reason"],
                rows: rows.map { [.text($0.email ?? $0.personId), .init($0.owner), .init($0.stage), .integer(Int64($0.rank)), .text($0.action),
                                  .real($0.score), .text($0.reason)] }
            ).render(.table)
        }
    }
}

/// `journeylake backtest`: would following the suggestions have helped?
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay the suggestions as of a past date against what happened in the horizon after it.",
        discussion: """
            Suggestions are computed as of --as-of from the data before it; outcomes come from (as-of, as-of + horizon].
            A prospect followed a strategy when its first candidate-action touch in the horizon was the strategy's top
            suggestion (for hold: no candidate action). Strategies: journeylake, random (an action the guardrails allow,
            seeded), most_popular (the allowed action taken most often), guardrails_only (the guardrails' call, else the
            best configured prior). lift = conversion rate of followers / of the others, with its 95% interval;
            precision_at_k = of the prospects who converted after a candidate action, the share whose action was in the
            strategy's top k; coverage = the share of prospects given an action rather than hold.
            """)

    @OptionGroup var options: ConfigOption
    @Option(name: .customLong("as-of"), help: "The date (2025-03-01) or time the suggestions are made at.") var asOf: String
    @Option(name: .long, help: "How long after it outcomes count (default 30d).") var horizon: String = "30d"
    @Option(name: .long, help: "next_stage (default), mql, sql, opportunity or customer.") var goal: String?
    @Option(name: .long, help: "The k of precision_at_k (default 3).") var k: Int = 3
    @Option(name: .long, help: "Seed of the random strategy (default 1).") var seed: UInt64 = 1
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        guard k >= 1 else { fail(.usage("--k must be 1 or more")) }
        var parsedGoal: NextActionGoal?
        if let goal {
            guard let g = NextActionGoal(goal) else { fail(.usage("--goal '\(goal)' is none of: next_stage, mql, sql, opportunity, customer")) }
            parsedGoal = g
        }
        let reader = try options.nextActionReader()
        let report = reading {
            try reader.backtest(asOf: moment(asOf, flag: "as-of"), horizonMilliseconds: days(horizon, flag: "horizon"), goal: parsedGoal, k: k, seed: seed)
        }
        switch format {
        case .json: print(report.json)
        case .csv, .table:
            func n(_ x: Double?) -> QueryCell { x.map { .real(($0 * 10_000).rounded() / 10_000) } ?? .null }
            if format == .table {
                print("as of \(report.asOf.iso8601), horizon \(report.horizonDays) days, goal \(report.goal): \(report.prospects) prospects")
            }
            print(TableRenderer(
                columns: ["strategy", "prospects", "followed", "converted_followed", "rate_followed", "not_followed", "converted_not_followed",
                          "rate_not_followed", "lift", "lift_ci_low", "lift_ci_high", "precision_at_k", "coverage"],
                rows: report.strategies.map { s in
                    [.text(s.strategy), .integer(Int64(s.prospects)), .integer(Int64(s.followed)), .integer(Int64(s.convertedFollowed)),
                     n(s.rateFollowed), .integer(Int64(s.notFollowed)), .integer(Int64(s.convertedNotFollowed)), n(s.rateNotFollowed),
                     n(s.lift), n(s.liftInterval?.low), n(s.liftInterval?.high), n(s.precisionAtK), n(s.coverage)]
                }
            ).render(format))
        }
    }
}

/// `journeylake feedback done|dismissed PERSON ACTION`: what someone did with a suggestion.
struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Mark a prospect's open suggestion done (taken) or dismissed (not suggested again for a while).",
        discussion: "The prospect's suggestions are recomputed at once. Exit 65 when the prospect has no open suggestion of that action.")

    @OptionGroup var options: ConfigOption
    @Argument(help: "done or dismissed.") var status: String
    @Argument(help: "The person id (p_…), email or identifier.") var person: String
    @Argument(help: "The suggested action (e.g. webinar_invite).") var action: String

    func run() async throws {
        bootstrapLogging(default: .warning)
        guard let feedback = SuggestionFeedback(rawValue: status.lowercased()) else { fail(.usage("'\(status)' is neither done nor dismissed")) }
        let (_, reader) = try options.openReader()
        guard let personId = reading({ try reader.findPerson(matching: person) }) else { fail(.usage("nobody matches '\(person)'")) }
        let (config, store) = try options.loadStore()
        do {
            try await feedback.record(person: personId, action: action, at: Timestamp(.now), store: store)
        } catch let e as FeedbackError {
            fail(.data(e.description))
        } catch {
            fail(.store("\(error)"))
        }
        let pipeline = DerivePipeline(store: store, derivers: derivers(config), logger: Logger(label: "journeylake.feedback"))
        let failures = await pipeline.drain()
        if let f = failures.first { fail(.store(f.description)) }
        print("\(personId) \(action): \(feedback.rawValue)")
    }
}
