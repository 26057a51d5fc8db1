/// The stored form of a list of identifiers (`touchpoints.person_ref`): one `kind:value` per line.
///
/// Kinds never contain a colon and values never contain a line break (identifiers are trimmed),
/// so the text reads back to exactly the list it was made from.
public enum IdentifierList {
    /// The text for a list, or nil for an empty one.
    public static func encode(_ ids: [Identifier]) -> String? {
        ids.isEmpty ? nil : ids.map(\.description).joined(separator: "\n")
    }

    /// The identifiers of a stored text, in order; lines without a kind are skipped.
    public static func decode(_ text: String) -> [Identifier] {
        text.split(separator: "\n").compactMap(Identifier.init(encoded:))
    }
}

extension Identifier {
    /// Reads `kind:value` (the form `description` writes); nil when there is no kind.
    public init?(encoded text: some StringProtocol) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        self.init(kind: IdentifierKind(rawValue: String(text[..<colon])), value: String(text[text.index(after: colon)...]))
    }
}
