import ArgumentParser
import Foundation
import GRDB
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
        let (config, db) = try options.loadReadOnlyStore()
        let candidates = [
            Identifier.normalized(kind: .email, raw: who)?.value, SalesforceID.normalize(who), who.trimmingCharacters(in: .whitespaces),
        ].compactMap { $0 }
        let found: (person: Row, identifiers: [Row], timeline: [Row], links: Int)? = try db.read { db in
            var personId = try String.fetchOne(db, sql: "SELECT person_id FROM persons WHERE person_id = ?", arguments: [who])
            for value in candidates where personId == nil {
                personId = try String.fetchOne(db, sql: "SELECT person_id FROM identifiers WHERE value = ? ORDER BY kind LIMIT 1", arguments: [value])
            }
            guard let personId else { return nil }
            let person = try Row.fetchOne(db, sql: """
                SELECT p.person_id, p.primary_email, p.first_name, p.last_name, p.title, p.lifecycle_stage, p.score, p.owner,
                       p.consent_email, p.created_at, p.updated_at, a.name AS account, a.domain AS account_domain
                FROM persons p LEFT JOIN accounts a USING (account_id) WHERE p.person_id = ?
                """, arguments: [personId])!
            let identifiers = try Row.fetchAll(db, sql: "SELECT kind, value, source FROM identifiers WHERE person_id = ? ORDER BY kind, value",
                                               arguments: [personId])
            let timeline = try Row.fetchAll(db, sql: """
                SELECT occurred_at, side, channel, action, coalesce(campaign, '') AS campaign, coalesce(content, '') AS content, source
                FROM touchpoints WHERE person_id = ? ORDER BY occurred_at, touchpoint_id
                """, arguments: [personId])
            // Links that made this person, so a wrong one can be found and undone.
            let links = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM person_merges WHERE undone_at IS NULL
                  AND record_key IN (SELECT record_key FROM person_records WHERE person_id = ?)
                """, arguments: [personId]) ?? 0
            return (person, identifiers, timeline, links)
        }
        guard let found else { fail(.usage("no person found for '\(who)' in \(config.store.path)")) }
        let cells = TableRenderer.Cell.row
        let person = TableRenderer(columns: Array(found.person.columnNames), rows: [cells(found.person)])
        let identifiers = TableRenderer(columns: ["kind", "value", "source"], rows: found.identifiers.map(cells))
        let timeline = TableRenderer(
            columns: ["occurred_at", "side", "channel", "action", "campaign", "content", "source"], rows: found.timeline.map(cells))
        switch format {
        case .json:
            let personJSON = String(person.json().dropFirst(4).dropLast(2))  // the one object of the array
            print("{\n\"person\": \(personJSON),\n\"identifiers\": \(identifiers.json()),\n\"timeline\": \(timeline.json())\n}")
        case .csv:
            print(timeline.csv())
        case .table:
            let p = found.person
            let name = [p["first_name"] as String?, p["last_name"] as String?].compactMap { $0 }.joined(separator: " ")
            print("\(name.isEmpty ? "(no name)" : name) <\(p["primary_email"] as String? ?? "no email")>  \(p["person_id"] as String)")
            if let title: String = p["title"] { print("title: \(title)") }
            if let account: String = p["account"] { print("account: \(account)\((p["account_domain"] as String?).map { " (\($0))" } ?? "")") }
            print("stage: \(p["lifecycle_stage"] as String? ?? "-")   score: \((p["score"] as Double?).map { String($0) } ?? "-")   consent_email: \((p["consent_email"] as Int?).map { $0 == 1 ? "yes" : "no" } ?? "unknown")")
            print("\nidentifiers")
            print(identifiers.table())
            if found.links > 0 {
                print("\n\(found.links) link(s) made this person: journeylake identity merges --person \(p["person_id"] as String)")
            }
            print("\ntimeline")
            print(timeline.table())
        }
    }
}
