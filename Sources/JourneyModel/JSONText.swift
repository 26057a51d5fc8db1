import Foundation

/// Writes JSON text without Foundation's encoder: raw-zone payloads are built per input row, and
/// this keeps the hot path allocation-light and the key order as received.
public struct JSONObjectWriter {
    private var out: [UInt8] = [123]
    private var first = true

    public init() { out.reserveCapacity(256) }

    public mutating func add(_ key: String, _ value: String?) {
        if !first { out.append(44) }
        first = false
        JSONObjectWriter.appendString(key, to: &out)
        out.append(58)
        if let value { JSONObjectWriter.appendString(value, to: &out) } else { out.append(contentsOf: [110, 117, 108, 108]) }
    }

    /// Adds a value that is already JSON text (a number, a nested object).
    public mutating func addRaw(_ key: String, json: String) {
        if !first { out.append(44) }
        first = false
        JSONObjectWriter.appendString(key, to: &out)
        out.append(58)
        out.append(contentsOf: json.utf8)
    }

    public mutating func finish() -> String {
        out.append(125)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` as a JSON string. Its bytes go over in runs: a run of bytes that need no
    /// escape (nearly every value) is one copy, not an append per byte — per byte, this was the
    /// function a backfill's reading thread spent most samples in (a raw-zone payload per row).
    /// The text is the same byte for byte as ever: the raw zone's content hashes are taken of it.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        func hex(_ d: UInt8) -> UInt8 { d < 10 ? 48 + d : 87 + d }
        var s = s
        s.withUTF8 { bytes in
            out.append(34)
            var run = 0
            for i in bytes.indices {
                let c = bytes[i]
                guard c == 34 || c == 92 || c < 32 else { continue }
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                run = i + 1
                switch c {
                case 34: out.append(92); out.append(34)
                case 92: out.append(92); out.append(92)
                case 10: out.append(92); out.append(110)
                case 13: out.append(92); out.append(114)
                case 9: out.append(92); out.append(116)
                default: out.append(contentsOf: [92, 117, 48, 48, hex(c >> 4), hex(c & 15)])
                }
            }
            if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
            out.append(34)
        }
    }

    /// A JSON array of strings, in the sequence's order: the key lists SQL reads with `json_each`.
    public static func array(_ strings: some Sequence<String>) -> String {
        var out: [UInt8] = [91]
        for s in strings {
            if out.count > 1 { out.append(44) }
            appendString(s, to: &out)
        }
        out.append(93)
        return String(decoding: out, as: UTF8.self)
    }

    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
