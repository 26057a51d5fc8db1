import ArgumentParser
import Foundation
import Insights
import JourneyConfig
import JourneyModel
import JourneyStore

/// `journeylake journey <email | person-id | any identifier>`: one person across systems.
struct Journey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one person's identifiers, account and full timeline across systems.",
        discussion: "The person is found by email (any case), person id, or any identifier value (a Salesforce, HubSpot or Marketo id).")

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table
    @Argument(help: "An email address, a person id (p_…) or an identifier value.") var who: String

    func run() async throws {
        let (config, reader) = try options.openReader()
        let journey = reading { try reader.journey(matching: who) }
        let defs = definitions(config)
        let suggestions = reading {
            try NextActionReader(path: config.store.path, definitions: defs).list(NextActionFilter(person: journey.person.personId))
        }
        let p = journey.person
        let person = TableRenderer(
            columns: ["person_id", "primary_email", "first_name", "last_name", "title", "lifecycle_stage", "score", "owner",
                      "consent_email", "created_at", "updated_at", "account", "account_domain"],
            rows: [[.text(p.personId), .init(p.primaryEmail), .init(p.firstName), .init(p.lastName), .init(p.title),
                    .init(p.lifecycleStage), p.score.map(QueryCell.real) ?? .null, .init(p.owner),
                    p.consentEmail.map { .integer($0 ? 1 : 0) } ?? .null, .text(p.createdAt), .text(p.updatedAt),
                    .init(p.accountName), .init(p.accountDomain)]])
        let identifiers = TableRenderer(
            columns: ["kind", "value", "source"], rows: journey.identifiers.map { [.text($0.kind), .text($0.value), .text($0.source)] })
        let timeline = TableRenderer(
            columns: ["occurred_at", "side", "channel", "action", "campaign", "content", "source"],
            rows: journey.timeline.map {
                [.text($0.occurredAt), .text($0.side), .text($0.channel), .text($0.action), .text($0.campaign ?? ""),
                 .text($0.content ?? ""), .text($0.source)]
            })
        switch format {
        case .json:
            let personJSON = RowWriter<String>.jsonObject(person.columns, person.rows[0])
            print("{\n\"person\": \(personJSON),\n\"identifiers\": \(identifiers.json()),\n\"timeline\": \(timeline.json()),\n\"next_actions\": \(NextActions.render(suggestions, .json))\n}")
        case .csv:
            print(timeline.csv())
        case .table:
            let name = [p.firstName, p.lastName].compactMap { $0 }.joined(separator: " ")
            print("\(name.isEmpty ? "(no name)" : name) <\(p.primaryEmail ?? "no email")>  \(p.personId)")
            if let title = p.title { print("title: \(title)") }
            if let account = p.accountName { print("account: \(account)\(p.accountDomain.map { " (\($0))" } ?? "")") }
            print("stage: \(p.lifecycleStage ?? "-")   score: \(p.score.map { String($0) } ?? "-")   consent_email: \(p.consentEmail.map { $0 ? "yes" : "no" } ?? "unknown")")
            print("\nidentifiers")
            print(identifiers.table())
            if journey.activeLinks > 0 {
                print("\n\(journey.activeLinks) link(s) made this person: journeylake identity merges --person \(p.personId)")
            }
            print("\ntimeline")
            print(timeline.table())
            print("\nnext actions")
            print(suggestions.isEmpty ? "(none)" : TableRenderer(
                columns: ["rank", "action", "score", "reason"],
                rows: suggestions.map { [.integer(Int64($0.rank)), .text($0.action), .real($0.score), .text($0.reason)] }
            ).render(.table))
        }
    }
}
