import JourneyModel
import Testing

@Suite("ContentHash")
struct ContentHashTests {
    private func isLowerHex32(_ s: String) -> Bool {
        s.utf8.count == 32 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    @Test("values are pinned: a change would re-version every stored raw row")
    func pinnedValues() {
        #expect(ContentHash.hex("") == "cbf29ce48422232508422225cbf29ce4")
        #expect(ContentHash.hex("maya.chen@brightwave.io") == "cf6bd783ec9fe54465e5f7ee1261c6d2")
        #expect(ContentHash.hex(#"{"Id":"00Q5g00000Hx2KaEAJ","Email":"maya.chen@brightwave.io"}"#) == "8be1632d40dbb8c226ee42ebf55306d5")
    }

    @Test("32 lower-case hex characters")
    func shape() {
        for s in ["", "a", "maya.chen@brightwave.io", String(repeating: "x", count: 10_000), "ümlaut 🎉"] {
            #expect(isLowerHex32(ContentHash.hex(s)), "\(s.prefix(20))")
        }
    }

    @Test("the String and byte-sequence forms agree")
    func stringEqualsBytes() {
        let s = "Ünïcödé, \"quoted\", 🎉"
        #expect(ContentHash.hex(s) == ContentHash.hex(Array(s.utf8)))
        #expect(ContentHash.hex(s) == ContentHash.hex(s.utf8))
    }

    @Test("different inputs give different hashes")
    func differs() {
        let inputs = ["", "a", "b", "ab", "ba", "a ", " a", "A", "maya.chen@brightwave.io", "maya.chen@brightwave.iO",
                      "\u{0}", "\u{0}\u{0}", "1", "01"]
        let hashes = Set(inputs.map(ContentHash.hex))
        #expect(hashes.count == inputs.count)
        var many = Set<String>()
        for i in 0..<5000 { many.insert(ContentHash.hex("row-\(i)")) }
        #expect(many.count == 5000)
    }

    @Test("repeated calls agree")
    func deterministic() {
        #expect(ContentHash.hex("same") == ContentHash.hex("same"))
    }
}
