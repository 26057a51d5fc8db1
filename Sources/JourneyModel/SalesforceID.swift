import Foundation

/// Salesforce record ids: 15-character (case-sensitive) and 18-character (checksummed) forms.
public enum SalesforceID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".utf8)

    /// The 18-character form of a 15- or 18-character id, or nil when it is neither.
    ///
    /// An 18-character id is returned with its first 15 characters as given (they are the
    /// case-sensitive part) and the checksum recomputed, so upper-cased or lower-cased suffixes
    /// from spreadsheets still match.
    public static func normalize(_ raw: String) -> String? {
        let s = raw.trimmedASCII
        let bytes = Array(s.utf8)
        guard bytes.count == 15 || bytes.count == 18 else { return nil }
        let base = bytes[0..<15]
        guard base.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }) else {
            return nil
        }
        var out = Array(base)
        let given = bytes.count == 18 ? Array(bytes[15..<18]) : []
        for chunk in 0..<3 {
            var bits = 0
            for i in 0..<5 {
                let c = base[base.startIndex + chunk * 5 + i]
                if c >= 65 && c <= 90 { bits |= 1 << i }
            }
            out.append(alphabet[bits])
        }
        // The suffix is derived from the first 15 characters, so a wrong one is repaired; but it
        // must at least be checksum characters, or the value is not an id at all.
        if !given.isEmpty {
            let upper = given.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
            guard upper.allSatisfy({ alphabet.contains($0) }) else { return nil }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The object a key prefix names (`00Q` → `Lead`), for files whose object is not in their name.
    public static func objectName(forKeyPrefix id: String) -> String? {
        switch id.prefix(3) {
        case "001": return "Account"
        case "003": return "Contact"
        case "00Q": return "Lead"
        case "006": return "Opportunity"
        case "008": return "OpportunityHistory"
        case "00T": return "Task"
        case "00U": return "Event"
        case "701": return "Campaign"
        case "00v": return "CampaignMember"
        case "00K": return "OpportunityContactRole"
        default: return nil
        }
    }
}
