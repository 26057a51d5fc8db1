import Foundation
import JourneyModel
import JourneyStore

/// A small report held in memory (a journey, the sources, the merge log), rendered whole.
struct TableRenderer {
    typealias Cell = QueryCell

    var columns: [String]
    var rows: [[Cell]]

    /// The report as text, without the final newline (callers `print` it).
    func render(_ format: OutputFormat) -> String {
        var writer = RowWriter(format: format, out: "")
        writer.columns(columns)
        for row in rows { writer.row(row) }
        writer.finish()
        return String(writer.out.dropLast())
    }

    func table() -> String { render(.table) }
    func csv() -> String { render(.csv) }
    func json() -> String { render(.json) }
}

/// Writes rows in one report format as they arrive, so a query result of any size streams:
/// csv and json hold one row at a time; a table holds the first `tableSampleRows` to size its
/// columns, then streams.
struct RowWriter<Out: TextOutputStream>: QueryResultSink {
    /// Rows a table sizes its columns from; a later, wider value pushes its line out of alignment
    /// rather than being cut.
    static var tableSampleRows: Int { 1000 }
    /// Widest a table cell gets; longer values end in `…` (csv and json are never cut).
    static var tableCellWidth: Int { 60 }

    let format: OutputFormat
    var out: Out
    private var names: [String] = []
    private var count = 0
    private var sample: [[String]] = []
    private var widths: [Int]?

    init(format: OutputFormat, out: Out) {
        self.format = format
        self.out = out
    }

    mutating func columns(_ names: [String]) {
        self.names = names
        if format == .csv { out.write(Self.csvLine(names) + "\n") }
    }

    mutating func row(_ cells: [QueryCell]) {
        switch format {
        case .csv:
            out.write(Self.csvLine(cells.map(\.plain)) + "\n")
        case .json:
            out.write((count == 0 ? "[\n  " : ",\n  ") + Self.jsonObject(names, cells))
        case .table:
            let clipped = cells.map { Self.clip($0.plain) }
            if widths != nil {
                out.write(line(clipped) + "\n")
            } else {
                sample.append(clipped)
                if sample.count == Self.tableSampleRows { writeTableHead() }
            }
        }
        count += 1
    }

    /// Ends the output: closes the json array, or writes the table's row count.
    mutating func finish() {
        switch format {
        case .csv: break
        case .json: out.write(count == 0 ? "[]\n" : "\n]\n")
        case .table:
            if widths == nil { writeTableHead() }
            out.write("(\(count) row\(count == 1 ? "" : "s"))\n")
        }
    }

    /// One row as a json object (`{"column": value, …}`), as `--format json` prints each.
    static func jsonObject(_ names: [String], _ cells: [QueryCell]) -> String { QueryCell.jsonObject(names, cells) }

    private mutating func writeTableHead() {
        var widths = names.map(\.count)
        for r in sample { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        self.widths = widths
        out.write(line(names) + "\n" + line(widths.map { String(repeating: "-", count: $0) }) + "\n")
        for r in sample { out.write(line(r) + "\n") }
        sample = []
    }

    private func line(_ values: [String]) -> String {
        let widths = widths ?? []
        return values.enumerated().map { i, v in
            let width = i < widths.count ? widths[i] : 0
            let length = v.count
            return length < width ? v + String(repeating: " ", count: width - length) : v
        }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }

    private static func clip(_ s: String) -> String {
        let oneLine = s.replacingOccurrences(of: "\n", with: "⏎")
        return oneLine.count > tableCellWidth ? String(oneLine.prefix(tableCellWidth - 1)) + "…" : oneLine
    }

    private static func csvLine(_ values: [String]) -> String { QueryCell.csvLine(values) }
}

/// Standard output with a 64 KiB buffer: a streamed result is written in large chunks, not one
/// system call per row. Call `flush()` before exiting.
struct StandardOutput: TextOutputStream {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        do { try FileHandle.standardOutput.write(contentsOf: buffer) } catch {
            fail(.store("cannot write to standard output: \(error.localizedDescription)"))
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
