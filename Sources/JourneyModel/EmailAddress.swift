import Foundation

/// Email normalization: the same mailbox written differently by two systems is one identifier.
public enum EmailAddress {
    /// Trimmed and lower-cased address, or nil when it is not a plausible `local@domain.tld`.
    ///
    /// Deliberately conservative (no plus-tag stripping, no dot removal): those rules are
    /// provider-specific and would merge different people at non-Gmail domains.
    public static func normalize(_ raw: String) -> String? {
        var s = raw.trimmedASCII.lowercased()
        for _ in 0..<2 {
            if s.hasPrefix("<"), s.hasSuffix(">") { s = String(s.dropFirst().dropLast()) }
            if s.hasPrefix("mailto:") { s.removeFirst(7) }
        }
        let utf8 = Array(s.utf8)
        guard utf8.count >= 5, utf8.count <= 254 else { return nil }
        var at = -1
        for (i, c) in utf8.enumerated() {
            if c == 64 {  // @
                if at >= 0 { return nil }
                at = i
            } else if c <= 32 || c == 34 || c == 44 || c == 59 || c == 60 || c == 62 || c == 40 || c == 41 || c == 47 || c == 58 || c == 92 {
                return nil  // whitespace, quotes, separators: not one address
            }
        }
        guard at > 0, at < utf8.count - 3 else { return nil }
        let domain = utf8[(at + 1)...]
        guard let dot = domain.lastIndex(of: 46), dot > at + 1, dot < utf8.count - 2 else { return nil }
        guard domain.first != 46 else { return nil }
        if s.contains("..") { return nil }
        return s
    }

    /// The part after `@`, lower-cased.
    public static func domain(of normalizedEmail: String) -> String? {
        guard let at = normalizedEmail.lastIndex(of: "@") else { return nil }
        return String(normalizedEmail[normalizedEmail.index(after: at)...])
    }
}

/// Website and domain normalization: `https://www.Example.com/about` is `example.com`.
public enum Domain {
    public static func normalize(_ raw: String) -> String? {
        raw.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } ? normalizePrintableASCII(raw) : normalizeAnyText(raw)
    }

    /// `normalize` for any text, through Foundation's Unicode trimming and case mapping.
    static func normalizeAnyText(_ raw: String) -> String? {
        var s = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        for scheme in ["https://", "http://"] where s.hasPrefix(scheme) { s.removeFirst(scheme.count) }
        if let cut = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == ":" }) {
            s = String(s[..<cut])
        }
        if s.hasPrefix("www.") { s.removeFirst(4) }
        while s.hasSuffix(".") { s.removeLast() }
        guard s.contains("."), !s.hasPrefix("."), !s.contains(" "), !s.contains("@"), !s.contains(".."), s.count >= 3 else { return nil }
        return s
    }

    /// The same steps over the bytes of a text of printable ASCII only (every email's domain
    /// and nearly every website), where a byte is a character: identity resolution derives a
    /// domain for each person it refreshes, and the Unicode path was a tenth of that work.
    static func normalizePrintableASCII(_ raw: String) -> String? {
        let bytes = raw.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        let dot = UInt8(ascii: "."), space = UInt8(ascii: " ")
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, bytes[start] == space { start += 1 }
        while end > start, bytes[end - 1] == space { end -= 1 }
        func hasPrefix(_ p: String) -> Bool {
            end - start >= p.utf8.count && bytes[start..<start + p.utf8.count].elementsEqual(p.utf8)
        }
        for scheme in ["https://", "http://"] where hasPrefix(scheme) { start += scheme.utf8.count }
        if let cut = bytes[start..<end].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: ":") }) {
            end = cut
        }
        if hasPrefix("www.") { start += 4 }
        while end > start, bytes[end - 1] == dot { end -= 1 }
        let s = bytes[start..<end]
        var previousDot = false, hasDot = false
        for b in s {
            if b == space || b == UInt8(ascii: "@") || (b == dot && previousDot) { return nil }
            previousDot = b == dot
            hasDot = hasDot || previousDot
        }
        guard hasDot, s.first != dot, s.count >= 3 else { return nil }
        return String(decoding: s, as: UTF8.self)
    }
}

/// Role and placeholder mailboxes (`info@`, `sales@`, `noreply@`, `test@`…): many people write
/// from them, so they never link two records into one person.
public enum SharedMailbox {
    public static let defaultLocalParts: Set<String> = [
        "info", "sales", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "test", "admin", "support", "contact",
        "hello", "office", "team", "marketing", "billing", "accounts", "enquiries", "inquiries", "mail", "webmaster", "postmaster",
        "unknown", "none", "null", "example",
    ]

    /// True when a normalized address is a shared or placeholder mailbox.
    public static func isShared(_ normalizedEmail: String, localParts: Set<String> = defaultLocalParts) -> Bool {
        guard let at = normalizedEmail.firstIndex(of: "@") else { return true }
        return localParts.contains(String(normalizedEmail[..<at]))
    }
}

/// Free-mail providers: their domains say nothing about a person's company, so they never create
/// or link an account.
public enum FreeMailDomains {
    public static let all: Set<String> = [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com", "yahoo.com",
        "yahoo.co.uk", "yahoo.de", "yahoo.fr", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net",
        "gmx.com", "web.de", "t-online.de", "mail.com", "protonmail.com", "proton.me", "pm.me", "zoho.com", "yandex.ru",
        "yandex.com", "mail.ru", "qq.com", "163.com", "126.com", "naver.com", "hey.com", "fastmail.com", "tutanota.com",
        "orange.fr", "free.fr", "laposte.net", "libero.it", "virgilio.it", "btinternet.com", "comcast.net", "verizon.net",
        "att.net", "sbcglobal.net", "rediffmail.com", "seznam.cz", "wp.pl", "o2.pl", "bluewin.ch",
    ]

    public static func contains(_ domain: String) -> Bool { all.contains(domain.lowercased()) }
}
