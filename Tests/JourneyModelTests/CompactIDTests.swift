import JourneyModel
import Testing

/// The ids identity makes are held in 9 bytes by the reference memo and the derive queue's
/// once-per-load set; each must turn back into exactly its text, and any other id stay as it is.
@Suite struct CompactIDTests {
    @Test func anIdComesBackAsTheSameText() {
        var g = SystemRandomNumberGenerator()
        var ids = ["p_0000000000000000", "a_ffffffffffffffff", "p_00000000000000a0"]
        for _ in 0..<200 {
            let value = UInt64.random(in: .min ... .max, using: &g)
            let hex = String(value, radix: 16)
            ids.append("p_" + String(repeating: "0", count: 16 - hex.count) + hex)
            ids.append("a_" + String(repeating: "0", count: 16 - hex.count) + hex)
        }
        for id in ids {
            #expect(CompactID(id).text == id)
            guard case .hashed = CompactID(id) else { Issue.record("\(id) is not held in 9 bytes"); continue }
        }
        // Anything else is kept as it is.
        for id in ["p_ABCDEF0123456789", "p_0123456789abcde", "p_0123456789abcdef0", "x_0123456789abcdef", "p-0123456789abcdef",
                   "p_0123456789abcdeg", "p_0123456789abcdé", "", "deleted:p_0123456789abcdef", "p_0123456789abcde\u{0}"] {
            #expect(CompactID(id) == .other(id))
            #expect(CompactID(id).text == id)
        }
    }
}
