import Foundation

/// A stable 128-bit content hash (two independent 64-bit FNV-1a lanes) as 32 hex characters.
///
/// Stable across processes and machines (unlike `Hasher`), which the raw zone's UNIQUE constraint
/// and the crash-equivalence guarantee rely on. Not a cryptographic hash: it only tells versions apart.
public enum ContentHash {
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x84_2222_5cbf_29ce_4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15
            b ^= b >> 29
        }
        return hex64(a) + hex64(b)
    }

    public static func hex(_ string: String) -> String {
        var s = string
        return s.withUTF8 { hex($0) }
    }

    static func hex64(_ v: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { out in
            writeHex64(v, into: out)
            return 16
        }
    }

    /// Writes `v` as 16 lowercase hex digits, the form `hex` gives, into the first 16 bytes of `out`.
    public static func writeHex64(_ v: UInt64, into out: UnsafeMutableBufferPointer<UInt8>) {
        var x = v
        for i in stride(from: 15, through: 0, by: -1) {
            let digit = UInt8(x & 0xF)
            out[i] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            x >>= 4
        }
    }
}
