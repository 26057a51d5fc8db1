import ArgumentParser
import Foundation
import JourneyConfig
import JourneyStore

/// `journeylake query`: read-only SQL over the journey store.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a read-only SQL query against the journey store.",
        discussion: """
            Statements that would write are refused (exit 65); the store is opened read-only as well. A statement that \
            runs longer than --timeout is stopped (exit 65). Rows are printed as SQLite produces them: csv and json \
            stream in constant memory however many rows there are; table sizes its columns from the first \
            \(RowWriter<StandardOutput>.tableSampleRows) rows and then streams (a wider value after them pushes its line \
            out of alignment; use csv or json for exact values).
            """)

    @OptionGroup var options: ConfigOption
    @Option(name: .long, help: "Output format: table, csv or json.") var format: OutputFormat = .table
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Stop the statement once SQLite has spent this long executing it: 500ms, 30s, 5m, 1h; 0 for no limit. Time spent writing rows out does not count.",
            valueName: "duration"))
    var timeout: TimeLimit = TimeLimit(QueryLimits.defaultTime)
    // `.allUnrecognized` because SQL may begin with a `--` comment, which would otherwise be taken
    // for an option; a mistyped option then arrives here as a second argument and is reported.
    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp("One SELECT (or WITH … SELECT) statement; - reads it from stdin.", valueName: "sql"))
    var statement: [String] = []

    func validate() throws {
        guard statement.count == 1 else {
            throw ValidationError(
                statement.isEmpty
                    ? "give one SQL statement (or - to read it from stdin)"
                    : "give one SQL statement, quoted as one argument; got \(statement.count) arguments (a mistyped option?)")
        }
    }

    func run() async throws {
        let sql = statement[0] == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : statement[0]
        let (_, reader) = try options.openReader()
        var writer = RowWriter(format: format, out: StandardOutput())
        do {
            _ = try reader.query(sql, limits: QueryLimits(time: timeout.duration), into: &writer)
        } catch {
            writer.out.flush()  // the rows before the failure, then the reason
            fail(CLIError(reading: error))
        }
        writer.finish()
        writer.out.flush()
    }
}

/// A `--timeout` value: an operator-style duration (`90s`, `5m`, `500ms`), 0 for none.
struct TimeLimit: ExpressibleByArgument, CustomStringConvertible {
    var duration: Duration?

    init(_ duration: Duration?) { self.duration = duration }

    init?(argument: String) {
        guard let parsed = DurationParser.parse(argument) else { return nil }
        duration = parsed == .zero ? nil : parsed
    }

    var description: String { duration.map(QueryLimits.describe) ?? "0" }
}
