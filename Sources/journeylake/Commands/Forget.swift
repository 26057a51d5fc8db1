import ArgumentParser
import Daemon
import Identity
import JourneyStore
import Logging

/// `journeylake forget <email | person-id | identifier>`: GDPR erasure, audited and final.
struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget a person (GDPR erasure): every row about them goes in one transaction, audited, and never comes back.",
        discussion: """
            Removes the person, its identifiers, source records and their raw versions, touchpoints, stages, scores, SLA state, \
            next actions and their log, quarantined rows and identity log entries; writes an audit row (counts, never whom); and \
            keeps a salted hash of every identifier and record key that named the person, so later fetches, re-exports and \
            `journeylake reprocess` refuse their data (ingest counts them as read and says how many on stderr).

            The person is found by email (any case), person id, or any identifier value, as `journeylake journey` finds them. \
            An email or kind:value identifier (marketo_lead:3004) that names nobody yet is suppressed all the same.

            --anonymise keeps the touchpoints as anonymous events (time, channel, action, side, campaign, value, owner; no \
            person, account, content or attributes, a new id): channel and campaign totals keep counting them, while funnels, \
            stages, SLAs and attribution, which count persons, lose the person in both modes.

            Identifiers another live person also has (two leads with one address) stay theirs and are not suppressed, nor is \
            a shared mailbox (info@), which names nobody; a bare value several persons have is refused (give kind:value). Deleted content is \
            overwritten with zeros and the WAL truncated. List past requests with `journeylake forget --list`.
            Exit status: 0 done; 64 nothing matched and the text is not an identifier, or a bare value names several persons \
            (give kind:value); 74 the store failed (nothing changed).
            """)

    @OptionGroup var options: ConfigOption
    @Argument(help: "An email address, a person id (p_…), an identifier value, or kind:value.") var who: String?
    @Flag(name: [.customLong("anonymise"), .customLong("anonymize")], help: "Keep the person's touchpoints as anonymous events.")
    var anonymise = false
    @Option(name: .long, help: "Why (a request or ticket number), kept in the audit log. Do not put the person's data here.")
    var reason: String?
    @Flag(name: .long, help: "List the audit log of past requests instead of forgetting anyone.") var list = false
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table

    static let columns = [
        "forget_id", "forgotten_at", "mode", "persons", "identifiers", "records", "raw_versions", "touchpoints_removed",
        "touchpoints_anonymised", "derived_rows", "quarantine_rows", "identity_log_rows", "reason",
    ]

    func validate() throws {
        if list, who != nil { throw ValidationError("give a person to forget or --list, not both") }
        if !list, who == nil { throw ValidationError("give the person to forget (an email, a person id or an identifier), or --list") }
        if list, anonymise || reason != nil { throw ValidationError("--anonymise and --reason apply to a request, not to --list") }
    }

    func run() async throws {
        guard let who else {
            let (_, reader) = try options.openReader()
            print(TableRenderer(columns: Self.columns, rows: reading { try reader.forgetLog() }.map(Self.cells)).render(format))
            return
        }
        bootstrapLogging(default: .warning)
        let (identity, derive) = try options.loadIdentityMaintenance(
            whileWaiting: "a running `journeylake serve` forgets through POST /v1/forget without stopping")
        let done: ForgetRecord
        do {
            done = try await identity.forget(who, mode: anonymise ? .anonymise : .delete, reason: reason)
        } catch let e as ForgetError {
            fail(.usage(e.description))
        } catch {
            fail(.store("\(error)"))
        }
        await derive.drain()
        print(TableRenderer(columns: Self.columns, rows: [Self.cells(done)]).render(format))
        if done.persons == 0 {
            printErr(done.identifiers == 0
                ? "journeylake: nobody matches, and the identifier names no one person (a shared mailbox, or one other persons' records have): nothing was removed or suppressed"
                : "journeylake: nobody in the store matches; the identifier is suppressed, so their data will not be loaded")
        }
        if !done.mentionsLeft.isEmpty {
            printErr("""
                journeylake: \(done.mentionsLeft.count) raw version(s) of other records still mention the person's email \
                (not removed: they are those records' data): \(done.mentionsLeft.prefix(10).joined(separator: ", "))\
                \(done.mentionsLeft.count > 10 ? ", …" : "")
                """)
        }
    }

    static func cells(_ r: ForgetRecord) -> [TableRenderer.Cell] {
        [.integer(r.forgetId), .text(r.forgottenAt), .text(r.mode)]
            + [r.persons, r.identifiers, r.records, r.rawVersions, r.touchpointsRemoved, r.touchpointsAnonymised, r.derivedRows,
               r.quarantineRows, r.identityLogRows].map { .integer(Int64($0)) }
            + [.init(r.reason)]
    }
}
