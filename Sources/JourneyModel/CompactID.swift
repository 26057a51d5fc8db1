/// A person or account id held in 9 bytes. The ids identity makes — `p_` or `a_` and 16 lowercase
/// hex digits (`IdentityPartition.personId`, `IdentitySession.accountId`) — take 18 bytes, past
/// what a Swift string keeps inline, so each would be a heap allocation of its own; here they are
/// a prefix byte and a number, and turn back into exactly the same text. Any other id is kept as
/// its text.
public enum CompactID: Sendable, Hashable {
    case hashed(prefix: UInt8, UInt64)
    case other(String)

    public init(_ id: String) {
        var utf8 = id
        self = utf8.withUTF8 { u -> CompactID in
            guard u.count == 18, u[0] == UInt8(ascii: "p") || u[0] == UInt8(ascii: "a"), u[1] == UInt8(ascii: "_") else { return .other(id) }
            var value: UInt64 = 0
            for c in u[2...] {
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt64(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt64(c - UInt8(ascii: "a") + 10)
                default: return .other(id)
                }
            }
            return .hashed(prefix: u[0], value)
        }
    }

    /// The id's text, exactly as it was.
    public var text: String {
        switch self {
        case .other(let id): return id
        case .hashed(let prefix, let value):
            return String(unsafeUninitializedCapacity: 18) { out in
                out[0] = prefix
                out[1] = UInt8(ascii: "_")
                ContentHash.writeHex64(value, into: UnsafeMutableBufferPointer(rebasing: out[2...]))
                return 18
            }
        }
    }
}
