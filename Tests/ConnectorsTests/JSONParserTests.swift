import Foundation
import Testing

@testable import Connectors

/// The hand-written parser must read every text as Foundation's `JSONDecoder` does (the same
/// value, or both refusing it): the raw zone and the touchpoints' attributes depend on it.
struct JSONParserTests {
    static let texts: [String] = [
        #"{"Campaign Run ID": 17, "Note": "a, b"}"#,
        #"[{"name":"New Status","value":"Attended"},{"name":"Reason","value":null}]"#,
        #"{"a":{"b":[1,2.5,-3,true,false,null,"x"]},"c":""}"#,
        #"{"esc":"quote \" backslash \\ slash \/ tab \t nl \n cr \r bs \b ff \f"}"#,
        #"{"u":"\u00e9\u4e2d\ud83d\ude00 é 中 😀"}"#,
        #"{"dup":1,"dup":2}"#,
        #"{"big":9223372036854775807,"bigger":9223372036854775808,"neg":-9223372036854775808}"#,
        #"{"f":1.0,"e":1e2,"E":-2.5E-3,"z":0,"nz":-0,"frac":0.1}"#,
        "  {\n\t\"ws\" : [ 1 , 2 ] \r\n}  ",
        #""a top-level string""#, "42", "true", "null", "[]", "{}",
        // Tolerated by both.
        "[1,]", "{\"a\":1,}", "[1 , ]",
        // Refused by both.
        "", "{", "[,]", "{,}", "[1,,]", "{\"a\" 1}", "01", "1.", ".5", "+1", "-", "1e", "tru", "nul",
        "{\"a\":1} x", "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud83d alone\"", "\"\\ude00 low\"",
        "\"ctl \u{01} char\"", "{'single':1}", "[1 2]", "NaN", "Infinity", "1e400", "[-1e999]",
    ]

    @Test(arguments: texts)
    func readsAsFoundationDoes(_ text: String) {
        let foundation = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let ours = try? JSONValue(parsing: text)
        #expect(ours?.jsonText == foundation?.jsonText, "\(text)")
        #expect((ours == nil) == (foundation == nil), "\(text)")
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: deep) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONValue(parsing: fine)) != nil)
    }

    @Test func anErrorSaysWhere() {
        #expect(throws: JSONSyntaxError(offset: 7, problem: "expected ',' or '}'")) { try JSONValue(parsing: #"{"a":1 "b":2}"#) }
    }
}
