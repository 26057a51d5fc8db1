import Foundation
import JourneyModel
import Testing

@Suite("JSONObjectWriter")
struct JSONObjectWriterTests {
    private func decode(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test("an empty writer is an empty object")
    func empty() throws {
        var w = JSONObjectWriter()
        let text = w.finish()
        #expect(text == "{}")
        #expect(try decode(text).isEmpty)
    }

    @Test("a key list is a JSON array of the strings in order, empty when there are none")
    func keyList() throws {
        let strings = ["b", "say \"hi\"", #"C:\path"#, "tab\there", "\u{1}", "日本語 🎉", ""]
        let text = JSONObjectWriter.array(strings)
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] == strings)
        #expect(JSONObjectWriter.array([String]()) == "[]")
    }

    @Test("strings round-trip through JSONSerialization",
          arguments: [
            "plain", "", "say \"hi\"", #"C:\path\to"#, "line1\nline2", "cr\rlf\r\n", "tab\there",
            "\u{0}nul", "bell\u{7}", "\u{1}\u{1f}\u{8}\u{c}\u{b}", "del\u{7f}", "ünïcödé", "日本語", "emoji 🎉👩‍👩‍👧",
            "\u{2028}\u{2029}", "</script>", "mixed \"\\\n\t\u{1b}[0m 🎉",
          ])
    func escaping(value: String) throws {
        var w = JSONObjectWriter()
        w.add("k", value)
        w.add(value, "as key")
        let text = w.finish()
        let decoded = try decode(text)
        #expect(decoded["k"] as? String == value)
        #expect(decoded[value] as? String == "as key")
        // No raw control character may appear in the output.
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 }, "\(text.debugDescription)")
    }

    @Test("exact escapes for the common cases")
    func exactText() {
        #expect(JSONObjectWriter.quoted("a\"b\\c\nd\re\tf\u{1}g") == #""a\"b\\c\nd\re\tf\u0001g""#)
        #expect(JSONObjectWriter.quoted("\u{1f}") == #""\u001f""#)
        #expect(JSONObjectWriter.quoted("é") == "\"é\"")
    }

    @Test("keys keep insertion order; nil is null; raw values are embedded")
    func orderNullAndRaw() throws {
        var w = JSONObjectWriter()
        w.add("z", "1")
        w.add("a", nil)
        w.addRaw("n", json: "42.5")
        w.addRaw("o", json: #"{"x":[1,2]}"#)
        let text = w.finish()
        #expect(text == #"{"z":"1","a":null,"n":42.5,"o":{"x":[1,2]}}"#)
        let decoded = try decode(text)
        #expect(decoded["z"] as? String == "1")
        #expect(decoded["a"] is NSNull)
        #expect((decoded["n"] as? NSNumber)?.doubleValue == 42.5)
        let nested = try #require(decoded["o"] as? [String: Any])
        #expect((nested["x"] as? [Any])?.count == 2)
    }

    @Test("every byte below 0x20 decodes back")
    func allControlCharacters() throws {
        let all = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        var w = JSONObjectWriter()
        w.add("c", all)
        #expect(try decode(w.finish())["c"] as? String == all)
    }

    /// The raw zone's content hashes are taken of this text, so it must stay the same byte for
    /// byte: the writer against the escape-per-byte definition it replaced, over random strings
    /// mixing plain runs, every escaped byte and multi-byte characters.
    @Test("the same bytes as escaping byte by byte")
    func sameBytesAsByteByByte() {
        // JSON's two-character escapes, and \u00XX for the other control bytes.
        let short: [UInt8: String] = [34: #"\""#, 92: #"\\"#, 10: #"\n"#, 13: #"\r"#, 9: #"\t"#]
        func reference(_ s: String) -> [UInt8] {
            let body = s.utf8.flatMap { c -> [UInt8] in
                if let e = short[c] { return Array(e.utf8) }
                if c < 32 { return Array(("\\u00" + (c < 16 ? "0" : "") + String(c, radix: 16)).utf8) }
                return [c]
            }
            return [34] + body + [34]
        }
        let pieces = ["plain text ", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "日本", "🎉", "a", ""]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let s = (0..<Int.random(in: 0...12, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
            var out: [UInt8] = [7]  // appends after what is there
            JSONObjectWriter.appendString(s, to: &out)
            #expect(out == [7] + reference(s), "\(s.debugDescription)")
        }
    }
}
