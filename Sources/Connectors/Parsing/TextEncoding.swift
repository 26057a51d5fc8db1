import Foundation
import JourneyModel

/// The character encoding of a file source's files (`encoding:`, UTF-8 unless configured).
///
/// The readers scan bytes for delimiters, quotes, brackets and line ends, which are ASCII in every
/// encoding here, so each record is decoded on its own. UTF-16 is not offered: its delimiters are
/// not single ASCII bytes, so it needs transcoding before reading (not built yet).
public enum TextEncoding: Sendable, Equatable {
    case utf8
    case windows1252
    case windows1250
    case iso8859_1
    case iso8859_2
    case iso8859_15

    /// Config names, lowercased, with the usual aliases.
    static let names: [(name: String, encoding: TextEncoding)] = [
        ("utf-8", .utf8), ("utf8", .utf8),
        ("windows-1252", .windows1252), ("cp1252", .windows1252),
        ("windows-1250", .windows1250), ("cp1250", .windows1250),
        ("iso-8859-1", .iso8859_1), ("latin1", .iso8859_1), ("latin-1", .iso8859_1),
        ("iso-8859-2", .iso8859_2), ("latin2", .iso8859_2), ("latin-2", .iso8859_2),
        ("iso-8859-15", .iso8859_15), ("latin9", .iso8859_15), ("latin-9", .iso8859_15),
    ]

    /// The encoding a config name stands for (case-insensitive), or nil for an unknown name.
    public init?(name: String) {
        guard let match = Self.names.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match.encoding
    }

    /// The canonical names, for error messages.
    public static let canonicalNames = [
        "utf-8", "windows-1252", "windows-1250", "iso-8859-1", "iso-8859-2", "iso-8859-15",
    ]

    public var name: String {
        switch self {
        case .utf8: return "utf-8"
        case .windows1252: return "windows-1252"
        case .windows1250: return "windows-1250"
        case .iso8859_1: return "iso-8859-1"
        case .iso8859_2: return "iso-8859-2"
        case .iso8859_15: return "iso-8859-15"
        }
    }

    /// Upper half of a single-byte code page; nil for UTF-8.
    var codePage: [UInt16]? {
        switch self {
        case .windows1252: return CodePageTables.windows1252
        case .windows1250: return CodePageTables.windows1250
        case .iso8859_2: return CodePageTables.iso8859_2
        case .iso8859_15: return CodePageTables.iso8859_15
        case .iso8859_1: return Self.latin1
        case .utf8: return nil
        }
    }

    private static let latin1: [UInt16] = (0x80...0xFF).map { UInt16($0) }
}

/// Decodes the bytes of one record in a file's encoding and finds bytes that are no character in it.
struct RecordDecoder: Sendable {
    /// The encoding the bytes are in.
    let encoding: TextEncoding
    private let codePage: [UInt16]?

    init(_ encoding: TextEncoding) {
        self.encoding = encoding
        codePage = encoding.codePage
    }

    /// Length of the character that starts at `i` (1 for ASCII), or nil when the byte at `i` does
    /// not start a valid character. A record never ends inside a valid character: its delimiters
    /// are ASCII, which no multi-byte UTF-8 sequence contains.
    @inline(__always)
    private func characterLength<C: RandomAccessCollection<UInt8>>(_ bytes: C, at i: C.Index) -> Int? where C.Index == Int {
        let b0 = bytes[i]
        if b0 < 0x80 { return 1 }
        if let codePage { return codePage[Int(b0) - 0x80] == 0 ? nil : 1 }
        func continuation(_ k: Int) -> UInt8? {
            guard i + k < bytes.endIndex else { return nil }
            let b = bytes[i + k]
            return b & 0xC0 == 0x80 ? b : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            return continuation(1) == nil ? nil : 2
        case 0xE0...0xEF:
            guard let b1 = continuation(1), continuation(2) != nil else { return nil }
            if b0 == 0xE0, b1 < 0xA0 { return nil }  // overlong
            if b0 == 0xED, b1 >= 0xA0 { return nil }  // a surrogate
            return 3
        case 0xF0...0xF4:
            guard let b1 = continuation(1), continuation(2) != nil, continuation(3) != nil else { return nil }
            if b0 == 0xF0, b1 < 0x90 { return nil }  // overlong
            if b0 == 0xF4, b1 >= 0x90 { return nil }  // beyond U+10FFFF
            return 4
        default:
            return nil
        }
    }

    /// Index of the first byte in `range` that is not (the start of) a character, or nil.
    func firstInvalidByte(in bytes: [UInt8], _ range: Range<Int>) -> Int? {
        var i = range.lowerBound
        let slice = bytes[range]
        while i < range.upperBound {
            if bytes[i] < 0x80 { i += 1; continue }
            guard let n = characterLength(slice, at: i) else { return i }
            i += n
        }
        return nil
    }

    /// The text of `bytes` (validated before, or lossy: U+FFFD for an invalid byte).
    func decode<C: RandomAccessCollection<UInt8>>(_ bytes: C) -> String where C.Index == Int {
        guard let codePage else { return String(decoding: bytes, as: UTF8.self) }
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        for b in bytes {
            let value = b < 0x80 ? UInt32(b) : UInt32(codePage[Int(b) - 0x80])
            scalars.append(value == 0 ? "\u{FFFD}" : Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// The text of `bytes` with each byte that is no character written as `\xHH`: what a
    /// quarantine entry keeps, so the bad bytes stay visible instead of becoming U+FFFD.
    func escapedText(_ bytes: ArraySlice<UInt8>) -> String {
        var out = ""
        var runStart = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if let n = characterLength(bytes, at: i) {
                i += n
                continue
            }
            out += decode(bytes[runStart..<i])
            out += String(format: "\\x%02X", bytes[i])
            i += 1
            runStart = i
        }
        out += decode(bytes[runStart..<i])
        return out
    }

    /// Why a record holding a byte that is no character in the encoding is quarantined.
    func invalidBytesReason(offset: Int64, byte: UInt8, line: Int) -> QuarantineReason {
        let hint = encoding == .utf8 ? "; if the file is not UTF-8, set `encoding:` on the source" : ""
        return QuarantineReason(
            .invalidEncoding, "byte 0x\(String(format: "%02X", byte)) at byte offset \(offset) (line \(line)) is not valid \(encoding.name)\(hint)")
    }
}
