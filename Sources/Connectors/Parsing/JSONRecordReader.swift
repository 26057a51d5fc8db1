import Foundation

/// One JSON record as read: its bytes and where they are in the file.
struct JSONChunk {
    var text: String
    var startOffset: Int64
    /// Offset where reading resumes after this record.
    var endOffset: Int64
    var line: Int
    /// Set when the bytes cannot be a complete record (a truncated file).
    var truncated: Bool
}

/// Splits NDJSON (one value per line) or a top-level JSON array into records without loading the
/// file: a byte scanner tracks strings and nesting, so memory is bounded by the largest record.
struct JSONRecordReader {
    enum Layout { case lines, array }

    private var source: ByteSource
    private let layout: Layout
    private var line: Int
    private var startedArray: Bool
    private var finished = false

    init(path: String, layout: Layout, offset: Int64 = 0, line: Int = 1) throws {
        source = try ByteSource(path: path, offset: offset)
        self.layout = layout
        self.line = line
        // Resuming inside an array: the opening bracket was consumed before the saved offset.
        startedArray = offset > 0
        _ = try source.refill(keepFrom: 0)
        if offset == 0, source.buffer.count >= 3, source.buffer[0] == 0xEF, source.buffer[1] == 0xBB, source.buffer[2] == 0xBF {
            source.position = 3
        }
    }

    var offset: Int64 { source.offset }
    func close() { source.close() }

    private mutating func peek() throws -> UInt8? {
        if source.position >= source.buffer.count {
            guard try source.refill(keepFrom: source.position) else { return nil }
        }
        return source.buffer[source.position]
    }

    private mutating func skipWhitespace(alsoCommas: Bool) throws {
        while let c = try peek() {
            if c == 10 { line += 1 }
            if c == 32 || c == 9 || c == 10 || c == 13 || (alsoCommas && c == 44) { source.position += 1 } else { break }
        }
    }

    mutating func next() throws -> JSONChunk? {
        if finished { return nil }
        switch layout {
        case .lines:
            try skipWhitespace(alsoCommas: false)
        case .array:
            try skipWhitespace(alsoCommas: startedArray)
            if !startedArray {
                guard let c = try peek() else { finished = true; return nil }
                guard c == 91 else {
                    throw FileSourceError.unreadable(path: "", reason: "expected a JSON array ('[') at the start of the file")
                }
                source.position += 1
                startedArray = true
                try skipWhitespace(alsoCommas: true)
            }
            if let c = try peek(), c == 93 {
                source.position += 1
                finished = true
                return nil
            }
        }
        guard try peek() != nil else { finished = true; return nil }
        let startLine = line
        let startOffset = source.offset
        var start = source.position
        var i = start
        var depth = 0
        var inString = false
        var escaped = false
        scan: while true {
            if i >= source.buffer.count {
                let consumed = i - start
                if try source.refill(keepFrom: start) {
                    start = 0
                    i = consumed
                    continue scan
                }
                // End of file inside a record.
                let text = String(decoding: source.buffer[start..<i], as: UTF8.self)
                source.position = i
                finished = true
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { return nil }
                let complete = layout == .lines && depth == 0 && !inString
                return JSONChunk(text: trimmed, startOffset: startOffset, endOffset: source.offset, line: startLine, truncated: !complete)
            }
            let c = source.buffer[i]
            if inString {
                if escaped { escaped = false } else if c == 92 { escaped = true } else if c == 34 { inString = false }
                if c == 10 { line += 1 }
                i += 1
                continue
            }
            switch c {
            case 34: inString = true
            case 123, 91: depth += 1
            case 125, 93:
                if depth == 0 && layout == .array { break scan }  // the array's closing bracket
                depth -= 1
            case 44 where depth == 0 && layout == .array: break scan
            case 10:
                if layout == .lines { break scan }
                line += 1
            default: break
            }
            i += 1
        }
        let text = String(decoding: source.buffer[start..<i], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        source.position = i
        return JSONChunk(text: text, startOffset: startOffset, endOffset: source.offset, line: startLine, truncated: false)
    }
}
