import Foundation
import JourneyModel

/// One JSON record as read: its bytes and where they are in the file.
struct JSONChunk {
    /// What makes a chunk a quarantine entry before any JSON parser sees it.
    enum Defect: Equatable {
        /// The file ends inside the record.
        case truncated
        /// The chunk comes after the closing `]` of the file's array.
        case afterArrayEnd
    }

    var text: String
    var startOffset: Int64
    /// Offset where reading resumes after this record.
    var endOffset: Int64
    var line: Int
    var defect: Defect?
    /// Why the chunk holds bytes that are no character in the file's encoding, if it does.
    var invalidBytes: QuarantineReason?
}

/// Splits NDJSON (one value per line) or a top-level JSON array into records without loading the
/// file: a byte scanner tracks strings and nesting, so memory is bounded by the largest record.
///
/// Every call to `next()` consumes at least one byte or ends the file, so no input can make it
/// loop. Broken input resynchronises instead of swallowing the rest of the file: an NDJSON record
/// always ends at its line end, a closing bracket with no opener is kept in the element it
/// appears in (which then fails to parse and is quarantined), a closer that skips openers closes
/// them too, and a line break inside a string (never valid JSON) ends the string. Content after
/// the array's closing `]` is returned as chunks marked `afterArrayEnd`, one per value or line.
struct JSONRecordReader {
    enum Layout { case lines, array }
    private enum State { case beforeArray, inArray, afterArray, finished }

    private var source: ByteSource
    private let layout: Layout
    private let decoder: RecordDecoder
    /// Line of the next unread byte (1-based): where a resume from `offset` starts counting.
    private(set) var line: Int
    private var state: State

    init(path: String, layout: Layout, offset: Int64 = 0, line: Int = 1, encoding: TextEncoding = .utf8) throws {
        source = try ByteSource(path: path, offset: offset)
        self.layout = layout
        self.line = line
        decoder = RecordDecoder(encoding)
        // Resuming inside an array: the opening bracket was consumed before the saved offset
        // (progress is saved only between elements, never after the array's end: see `arrayEnded`).
        state = layout == .lines ? .inArray : (offset > 0 ? .inArray : .beforeArray)
    }

    var offset: Int64 { source.offset }
    /// Whether the array's closing `]` has been read: a resume offset saved after it would be taken
    /// for one inside the array, so the caller saves none from then on.
    var arrayEnded: Bool { state == .afterArray || (state == .finished && layout == .array) }
    func close() { source.close() }

    private mutating func peek() throws -> UInt8? {
        if source.position >= source.buffer.count {
            guard try source.refill(keepFrom: source.position) else { return nil }
        }
        return source.buffer[source.position]
    }

    /// Skips whitespace, byte-order marks (a concatenation leaves them mid-file) and, inside an
    /// array, the commas between elements.
    private mutating func skipSeparators(alsoCommas: Bool) throws {
        while let c = try peek() {
            if c == 10 { line += 1 }
            if c == 32 || c == 9 || c == 10 || c == 13 || (alsoCommas && c == 44) {
                source.position += 1
            } else if c == 0xEF, decoder.encoding == .utf8, try source.startsWithByteOrderMark() {
                source.position += 3
            } else {
                break
            }
        }
    }

    mutating func next() throws -> JSONChunk? {
        switch state {
        case .finished:
            return nil
        case .beforeArray:
            try skipSeparators(alsoCommas: false)
            guard let c = try peek() else { state = .finished; return nil }
            guard c == 91 else {
                throw FileSourceError.unreadable(path: "", reason: "expected a JSON array ('[') at the start of the file")
            }
            source.position += 1
            state = .inArray
            return try next()
        case .inArray:
            try skipSeparators(alsoCommas: layout == .array)
            guard let c = try peek() else { state = .finished; return nil }
            if layout == .array, c == 93 {
                source.position += 1
                state = .afterArray
                return try next()
            }
            return try scan(mode: layout == .lines ? .line : .element)
        case .afterArray:
            // Commas too: a scan must consume a byte, and a comma at depth 0 would end it at once.
            try skipSeparators(alsoCommas: true)
            guard try peek() != nil else { state = .finished; return nil }
            return try scan(mode: .trailing)
        }
    }

    private enum ScanMode {
        /// An NDJSON record: up to the line end.
        case line
        /// An array element: up to a comma or the array's `]` at nesting depth 0.
        case element
        /// Content after the array: up to the end of one bracketed value, a comma or a line end.
        case trailing
    }

    /// Reads one record from the current position, which holds a byte that is not a separator.
    private mutating func scan(mode: ScanMode) throws -> JSONChunk {
        let startLine = line
        let startOffset = source.offset
        var start = source.position
        var i = start
        var openers: [UInt8] = []
        var inString = false
        var escaped = false
        var lines = 0
        var atEOF = false
        scan: while true {
            if i >= source.buffer.count {
                let consumed = i - start
                if try source.refill(keepFrom: start) {
                    start = 0
                    i = consumed
                    continue scan
                }
                atEOF = true
                break scan
            }
            let c = source.buffer[i]
            if c == 10 {
                if mode == .line || (mode == .trailing && openers.isEmpty) { break scan }
                lines += 1
                inString = false
                escaped = false
                i += 1
                continue
            }
            if inString {
                if escaped { escaped = false } else if c == 92 { escaped = true } else if c == 34 { inString = false }
                i += 1
                continue
            }
            switch c {
            case 34:
                inString = true
            case 123, 91:
                openers.append(c)
            case 125, 93:
                let opener: UInt8 = c == 125 ? 123 : 91
                if openers.isEmpty {
                    // The array's own closing bracket ends the element; any other closer without an
                    // opener is stray and stays in the element, which then fails to parse.
                    if mode == .element, c == 93 { break scan }
                } else if let k = openers.lastIndex(of: opener) {
                    openers.removeSubrange(k...)
                    if mode == .trailing, openers.isEmpty {
                        i += 1
                        break scan
                    }
                }
            case 44 where openers.isEmpty && mode != .line:
                break scan
            default:
                break
            }
            i += 1
        }
        let range = start..<i
        var text = decoder.decode(source.buffer[range]).trimmingCharacters(in: .whitespacesAndNewlines)
        var invalid: QuarantineReason?
        if let bad = decoder.firstInvalidByte(in: source.buffer, range) {
            let before = source.buffer[start..<bad].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            invalid = decoder.invalidBytesReason(offset: startOffset + Int64(bad - start), byte: source.buffer[bad], line: startLine + before)
            text = decoder.escapedText(source.buffer[range]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        source.position = i
        line += lines
        var defect: JSONChunk.Defect?
        if mode == .trailing {
            defect = .afterArrayEnd
        } else if atEOF, mode == .element || !openers.isEmpty || inString {
            defect = .truncated
        }
        if atEOF { state = mode == .element ? .finished : state }
        return JSONChunk(text: text, startOffset: startOffset, endOffset: source.offset, line: startLine, defect: defect, invalidBytes: invalid)
    }
}
