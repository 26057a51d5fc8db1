@testable import JourneyModel
import Testing

@Suite("EmailAddress.normalize")
struct EmailAddressTests {
    @Test("trims, lower-cases and strips mailto: and angle brackets",
          arguments: [
            ("maya.chen@brightwave.io", "maya.chen@brightwave.io"),
            ("  Maya.Chen@BrightWave.IO \n", "maya.chen@brightwave.io"),
            ("\tmaya.chen@brightwave.io\r\n", "maya.chen@brightwave.io"),
            ("mailto:maya.chen@brightwave.io", "maya.chen@brightwave.io"),
            ("<Maya.Chen@brightwave.io>", "maya.chen@brightwave.io"),
            (" <maya.chen@brightwave.io> ", "maya.chen@brightwave.io"),
            ("mailto:<maya.chen@brightwave.io>", "maya.chen@brightwave.io"),
            ("a@b.co", "a@b.co"),
            ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
          ])
    func normalizes(raw: String, expected: String) {
        #expect(EmailAddress.normalize(raw) == expected)
    }

    @Test("plus tags and dots are kept: different mailboxes stay different")
    func conservative() {
        #expect(EmailAddress.normalize("maya+news@gmail.com") != EmailAddress.normalize("maya@gmail.com"))
        #expect(EmailAddress.normalize("m.aya@gmail.com") != EmailAddress.normalize("maya@gmail.com"))
    }

    @Test("implausible addresses give nil",
          arguments: [
            "", "   ", "a@b", "no-at-sign", "two@@x.com", "a@b@x.com", "a b@x.com", "x@.com", "@x.com",
            "a@x.", "a@x.c.", "a@x..com", "a..b@x.com", "a@xcom", "\"a\"@x.com", "a,b@x.com", "a;b@x.com",
            "Maya Chen <maya@x.com>", "a@x.com, b@x.com", "a@(x).com", "<>", "mailto:",
          ])
    func rejects(raw: String) {
        #expect(EmailAddress.normalize(raw) == nil, "'\(raw)'")
    }

    @Test("overlong addresses give nil")
    func tooLong() {
        let local = String(repeating: "a", count: 64)
        let ok = "\(local)@\(String(repeating: "b", count: 185)).com"  // 254 characters
        #expect(ok.count == 254)
        #expect(EmailAddress.normalize(ok) == ok)
        #expect(EmailAddress.normalize("a" + ok) == nil)
    }

    @Test("a mailto: scheme in any case, or inside angle brackets, is stripped")
    func mailtoVariants() {
        #expect(EmailAddress.normalize("MAILTO:Maya@x.com") == "maya@x.com")
        #expect(EmailAddress.normalize("<mailto:maya@x.com>") == "maya@x.com")
    }

    @Test func domainOfEmail() {
        #expect(EmailAddress.domain(of: "maya.chen@brightwave.io") == "brightwave.io")
        #expect(EmailAddress.domain(of: "nobody") == nil)
    }
}

@Suite("Domain.normalize")
struct DomainTests {
    @Test("URLs and host names reduce to the bare domain",
          arguments: [
            ("https://www.Example.com/about", "example.com"),
            ("brightwave.io", "brightwave.io"),
            ("  BrightWave.IO  ", "brightwave.io"),
            ("http://brightwave.io", "brightwave.io"),
            ("www.brightwave.io", "brightwave.io"),
            ("brightwave.io.", "brightwave.io"),
            ("https://app.brightwave.io:8443/login?next=/", "app.brightwave.io"),
            ("brightwave.io?utm_source=x", "brightwave.io"),
            ("brightwave.io#pricing", "brightwave.io"),
            ("HTTPS://WWW.EXAMPLE.CO.UK/", "example.co.uk"),
          ])
    func normalizes(raw: String, expected: String) {
        #expect(Domain.normalize(raw) == expected)
    }

    @Test("values that are not domains give nil",
          arguments: ["", "localhost", "http://localhost:8080/", "www.", "not a domain.com", "maya@brightwave.io", "..", "a."])
    func rejects(raw: String) {
        #expect(Domain.normalize(raw) == nil, "'\(raw)'")
    }

    @Test("a bare top-level domain with a leading dot is not a domain")
    func leadingDot() {
        #expect(Domain.normalize(".com") == nil)
    }

    /// The printable-ASCII path must say what the Unicode path says for every such text: texts
    /// pieced together from the parts the rules look at, in every order, plus random ones.
    @Test func theASCIIPathAgreesWithTheUnicodePath() {
        let pieces = ["https://", "http://", "HTTP://", "www.", "WWW.", ".", "..", " ", "  ", "/", "?", "#", ":", "@", "a", "Ex", "co", "uk", "-", "8443"]
        var texts: [String] = []
        func build(_ prefix: String, depth: Int) {
            texts.append(prefix)
            guard depth > 0 else { return }
            for p in pieces { build(prefix + p, depth: depth - 1) }
        }
        build("", depth: 3)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            texts.append(String((0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()))
            texts.append(String(decoding: (0..<Int.random(in: 0...10, using: &rng)).map { _ in UInt8.random(in: 0x20..<0x7F, using: &rng) }, as: UTF8.self))
        }
        for text in texts {
            #expect(Domain.normalizePrintableASCII(text) == Domain.normalizeAnyText(text), "'\(text)'")
        }
        // Other texts take the Unicode path: a tab, a non-breaking space, a capital with an accent.
        #expect(Domain.normalize("\tExample.com\n") == "example.com")
        #expect(Domain.normalize("\u{00A0}www.Exämple.com/x") == "exämple.com")
    }
}
