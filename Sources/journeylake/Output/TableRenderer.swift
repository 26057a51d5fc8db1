import Foundation
import GRDB
import JourneyModel

/// Renders rows of cells as an aligned text table, CSV (RFC 4180) or a JSON array of objects.
struct TableRenderer {
    enum Cell {
        case null
        case int(Int64)
        case double(Double)
        case text(String)

        var plain: String {
            switch self {
            case .null: return ""
            case .int(let i): return String(i)
            case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
            case .text(let s): return s
            }
        }

        init(_ value: DatabaseValue) {
            switch value.storage {
            case .null: self = .null
            case .int64(let n): self = .int(n)
            case .double(let d): self = .double(d)
            case .string(let s): self = .text(s)
            case .blob(let b): self = .text(b.base64EncodedString())
            }
        }

        /// Every column of a row, as cells.
        static func row(_ row: Row) -> [Cell] { (0..<row.count).map { Cell(row[$0] as DatabaseValue) } }

        var json: String {
            switch self {
            case .null: return "null"
            case .int(let i): return String(i)
            case .double(let d): return d.isFinite ? String(d) : "null"
            case .text(let s): return TableRenderer.jsonString(s)
            }
        }
    }

    var columns: [String]
    var rows: [[Cell]]

    func render(_ format: OutputFormat) -> String {
        switch format {
        case .table: return table()
        case .csv: return csv()
        case .json: return json()
        }
    }

    func table(maxWidth: Int = 60) -> String {
        func clip(_ s: String) -> String {
            let oneLine = s.replacingOccurrences(of: "\n", with: "⏎")
            return oneLine.count > maxWidth ? String(oneLine.prefix(maxWidth - 1)) + "…" : oneLine
        }
        let cells = rows.map { $0.map { clip($0.plain) } }
        var widths = columns.map(\.count)
        for r in cells { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ values: [String]) -> String {
            values.enumerated().map { i, v in v.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out = [line(columns), line(widths.map { String(repeating: "-", count: $0) })]
        out += cells.map(line)
        out.append("(\(rows.count) row\(rows.count == 1 ? "" : "s"))")
        return out.joined(separator: "\n")
    }

    func csv() -> String {
        func quote(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = [columns.map(quote).joined(separator: ",")]
        out += rows.map { $0.map { quote($0.plain) }.joined(separator: ",") }
        return out.joined(separator: "\n")
    }

    func json() -> String {
        if rows.isEmpty { return "[]" }
        let objects = rows.map { row in
            "  {" + zip(columns, row).map { "\(TableRenderer.jsonString($0)): \($1.json)" }.joined(separator: ", ") + "}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]"
    }

    static func jsonString(_ s: String) -> String { JSONObjectWriter.quoted(s) }
}
