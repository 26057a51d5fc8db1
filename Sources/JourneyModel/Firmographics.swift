import Foundation

/// Countries as ISO 3166-1 alpha-2 codes, whatever a system wrote ("United States", "USA", "us",
/// "Deutschland", "DEU"), so a definition that says `countries: [US, DE]` matches every spelling.
public enum Country {
    /// The alpha-2 code a country text names, or nil when it names none we know (the text is then
    /// kept as written: an unknown country is still information).
    public static func code(for raw: String) -> String? {
        let key = Self.key(raw)
        guard !key.isEmpty else { return nil }
        return Self.table[key]
    }

    /// The value to store: the alpha-2 code when the text names a known country, else the text
    /// trimmed; nil for empty text.
    public static func normalize(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        return code(for: trimmed) ?? trimmed
    }

    /// Letters and digits only, lowercased, diacritics folded: "Côte d'Ivoire" → "cotedivoire".
    static func key(_ raw: String) -> String {
        let folded = raw.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        return String(folded.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init)).lowercased()
    }

    /// Names in the languages CRM exports are most often written in, the codes themselves, and
    /// the alpha-3 codes and short forms people type. Built once; Foundation's region names
    /// (ICU) supply the names.
    static let table: [String: String] = {
        var out: [String: String] = [:]
        let regions = Locale.Region.isoRegions.map(\.identifier).filter { $0.count == 2 && $0.allSatisfy(\.isLetter) }
        for language in ["en_US", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "sv_SE", "da_DK", "pl_PL"] {
            let locale = Locale(identifier: language)
            for code in regions {
                if let name = locale.localizedString(forRegionCode: code) {
                    let k = key(name)
                    if !k.isEmpty, out[k] == nil { out[k] = code }
                }
            }
        }
        for code in regions { out[code.lowercased()] = code }
        for (alias, code) in aliases { out[key(alias)] = code }
        return out
    }()

    static let aliases: [String: String] = [
        "USA": "US", "U.S.": "US", "U.S.A.": "US", "United States of America": "US", "America": "US",
        "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB", "Scotland": "GB", "Wales": "GB",
        "Northern Ireland": "GB", "GBR": "GB", "UAE": "AE", "Holland": "NL", "Czech Republic": "CZ", "Korea": "KR",
        "Republic of Korea": "KR", "South Korea": "KR", "Russia": "RU", "Russian Federation": "RU", "Vietnam": "VN",
        "Ivory Coast": "CI", "Burma": "MM", "Swaziland": "SZ", "Macedonia": "MK", "Turkey": "TR", "Türkiye": "TR",
        "DEU": "DE", "FRA": "FR", "ESP": "ES", "ITA": "IT", "NLD": "NL", "BEL": "BE", "CHE": "CH", "AUT": "AT", "SWE": "SE",
        "NOR": "NO", "DNK": "DK", "FIN": "FI", "IRL": "IE", "PRT": "PT", "POL": "PL", "CAN": "CA", "MEX": "MX", "BRA": "BR",
        "ARG": "AR", "AUS": "AU", "NZL": "NZ", "JPN": "JP", "CHN": "CN", "IND": "IN", "SGP": "SG", "ZAF": "ZA", "ISR": "IL",
        "KOR": "KR", "HKG": "HK", "TWN": "TW", "ARE": "AE", "SAU": "SA",
    ]
}

/// Standard Industrial Classification codes: the leading digits of what a system wrote
/// ("7372", "7372 - Prepackaged Software"), matched by prefix ("73" is every business service).
public enum SICCode {
    /// The leading 2–4 digits, or nil when the text does not start with a SIC code.
    public static func normalize(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let digits = raw.trimmingCharacters(in: .whitespaces).prefix { $0.isASCII && $0.isNumber }
        guard (2...4).contains(digits.count) else { return nil }
        return String(digits)
    }

    /// Whether a code falls under any of the given codes or prefixes.
    public static func matches(_ code: String, anyOf prefixes: [String]) -> Bool {
        prefixes.contains { code.hasPrefix($0) }
    }
}
