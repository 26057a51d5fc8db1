import Foundation
import JourneyModel

/// One CSV record as read, with where it starts and ends in the file.
struct CSVRecord {
    var fields: [String]
    /// Set when the record breaks RFC 4180 (text after a closing quote, an unclosed quote).
    var malformation: String?
    /// File offset and value of the record's first byte that is no character in the encoding.
    var invalidByte: (offset: Int64, byte: UInt8)?
    var startOffset: Int64
    var endOffset: Int64
    /// Physical line where the record starts (1-based).
    var line: Int
}

/// Streaming RFC 4180 reader: quoted fields with doubled quotes, line breaks inside quotes, CRLF or
/// LF, NUL bytes dropped, fields decoded in the file's encoding. Memory is bounded by the longest
/// record. A UTF-8 byte-order mark at the start of any line is skipped: past the first line it is
/// what concatenating exports leaves behind, never part of the first field's value.
struct CSVReader {
    private var source: ByteSource
    private let delimiter: UInt8
    private let decoder: RecordDecoder
    private(set) var line: Int
    private var scratch: [UInt8] = []
    private var lastRange: Range<Int> = 0..<0

    /// Starts at `offset` (0 or a record boundary saved earlier) with `line` as its line number.
    init(
        path: String, offset: Int64 = 0, line: Int = 1, delimiter: UInt8 = UInt8(ascii: ","), encoding: TextEncoding = .utf8
    ) throws {
        source = try ByteSource(path: path, offset: offset)
        self.delimiter = delimiter
        self.line = line
        decoder = RecordDecoder(encoding)
    }

    var offset: Int64 { source.offset }

    func close() { source.close() }

    /// The next record, or nil at end of file. Blank lines are skipped.
    mutating func next() throws -> CSVRecord? {
        while true {
            // Make sure there is at least one byte to look at.
            if source.position >= source.buffer.count {
                if !(try source.refill(keepFrom: source.position)) { return nil }
            }
            let c = source.buffer[source.position]
            if c == 10 { source.position += 1; line += 1; continue }
            if c == 13 { source.position += 1; continue }
            if c == 0xEF, decoder.encoding == .utf8, try source.startsWithByteOrderMark() { source.position += 3; continue }
            break
        }
        let startOffset = source.offset
        let startLine = line
        var fields: [String] = []
        fields.reserveCapacity(16)
        var malformation: String?
        var i = source.position
        var recordStart = source.position
        scratch.removeAll(keepingCapacity: true)

        // Parsing is restartable: if the buffer runs out mid-record, refill and parse the record again
        // from its start (records are short compared to the 1 MiB buffer, so this is rare).
        parse: while true {
            fields.removeAll(keepingCapacity: true)
            scratch.removeAll(keepingCapacity: true)
            malformation = nil
            line = startLine
            i = recordStart
            var needMore = false
            let buf = source.buffer
            let n = buf.count
            fieldLoop: while true {
                if i >= n {
                    if source.atEOF {
                        fields.append(decoder.decode(scratch))
                        break fieldLoop
                    }
                    needMore = true
                    break fieldLoop
                }
                if buf[i] == 34 {  // quoted field
                    i += 1
                    var closed = false
                    while i < n {
                        let b = buf[i]
                        if b == 34 {
                            if i + 1 < n, buf[i + 1] == 34 { scratch.append(34); i += 2; continue }
                            if i + 1 >= n, !source.atEOF { break }
                            closed = true
                            i += 1
                            break
                        }
                        if b == 10 { line += 1 }
                        if b != 0 { scratch.append(b) }
                        i += 1
                    }
                    if !closed {
                        if source.atEOF {
                            malformation = "unclosed quote: the field that starts on line \(startLine) never ends"
                            fields.append(decoder.decode(scratch))
                            break fieldLoop
                        }
                        needMore = true
                        break fieldLoop
                    }
                    // After a closing quote only a delimiter or a line end may follow.
                    var stray = false
                    while i < n, buf[i] != delimiter, buf[i] != 10, buf[i] != 13 {
                        stray = true
                        scratch.append(buf[i])
                        i += 1
                    }
                    if stray, malformation == nil { malformation = "text after a closing quote in field \(fields.count + 1)" }
                    if i >= n, !source.atEOF { needMore = true; break fieldLoop }
                } else {
                    while i < n {
                        let b = buf[i]
                        if b == delimiter || b == 10 || b == 13 { break }
                        if b != 0 { scratch.append(b) }
                        i += 1
                    }
                    if i >= n, !source.atEOF { needMore = true; break fieldLoop }
                }
                fields.append(decoder.decode(scratch))
                scratch.removeAll(keepingCapacity: true)
                if i >= n { break fieldLoop }
                let b = buf[i]
                if b == delimiter { i += 1; continue fieldLoop }
                // Line end: consume CRLF or LF (or a lone CR).
                if b == 13 {
                    i += 1
                    if i >= n, !source.atEOF { needMore = true; break fieldLoop }
                    if i < n, buf[i] == 10 { i += 1 }
                } else {
                    i += 1
                }
                line += 1
                break fieldLoop
            }
            if needMore {
                // The buffer ended mid-record: read more, keeping the record's bytes (which then
                // start at index 0), and parse it again from its start.
                if try source.refill(keepFrom: recordStart) { recordStart = 0 }
                continue parse
            }
            break parse
        }
        lastRange = recordStart..<i
        source.position = i
        var invalidByte: (offset: Int64, byte: UInt8)?
        if let bad = decoder.firstInvalidByte(in: source.buffer, recordStart..<i) {
            invalidByte = (startOffset + Int64(bad - recordStart), source.buffer[bad])
        }
        return CSVRecord(
            fields: fields, malformation: malformation, invalidByte: invalidByte, startOffset: startOffset, endOffset: source.offset,
            line: startLine)
    }

    /// Why `record` (the one `next()` returned last) is quarantined as invalid bytes.
    func invalidBytesReason(_ record: CSVRecord) -> QuarantineReason? {
        guard let bad = record.invalidByte else { return nil }
        // The line of the bad byte, not of the record's start (a quoted field may span lines).
        let before = source.buffer[lastRange.lowerBound..<(lastRange.lowerBound + Int(bad.offset - record.startOffset))]
        let line = record.line + before.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        return decoder.invalidBytesReason(offset: bad.offset, byte: bad.byte, line: line)
    }

    /// The text of the record `next()` returned last, as in the file (valid until the next call);
    /// built only for records that are quarantined, to keep the hot path allocation-free.
    func lastRawText() -> String {
        var raw = decoder.escapedText(source.buffer[lastRange])
        while raw.hasSuffix("\n") || raw.hasSuffix("\r") { raw.removeLast() }
        return raw
    }
}
