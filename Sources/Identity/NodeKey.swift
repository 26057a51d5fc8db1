import JourneyModel

/// A node of the identity graph: a live record, a source-declared merge, a deleted record, or an
/// identifier only touchpoints name a person by. Its `encoded` form is what `identity_separations`
/// and the merge log store, and what orders nodes (so results never depend on arrival order).
struct NodeKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    enum Kind: Sendable { case record, merge, deleted, reference }

    let kind: Kind
    /// The record key, or `kind:value` of the referenced identifier.
    let subject: String
    /// `record key`, `merge:<record key>`, `deleted:<record key>` or `ref:<kind:value>`.
    let encoded: String

    private init(_ kind: Kind, _ subject: String) {
        self.kind = kind
        self.subject = subject
        switch kind {
        case .record: encoded = subject
        case .merge: encoded = Self.mergePrefix + subject
        case .deleted: encoded = Self.deletedPrefix + subject
        case .reference: encoded = Self.referencePrefix + subject
        }
    }

    static func record(_ key: String) -> NodeKey { NodeKey(.record, key) }
    static func merge(_ key: String) -> NodeKey { NodeKey(.merge, key) }
    static func deleted(_ key: String) -> NodeKey { NodeKey(.deleted, key) }
    static func reference(_ id: Identifier) -> NodeKey { NodeKey(.reference, id.description) }

    private static let mergePrefix = "merge:", deletedPrefix = "deleted:", referencePrefix = "ref:"

    /// Reads a stored node key.
    init(encoded text: String) {
        for (prefix, kind) in [(Self.mergePrefix, Kind.merge), (Self.deletedPrefix, .deleted), (Self.referencePrefix, .reference)]
        where text.hasPrefix(prefix) {
            self.init(kind, String(text.dropFirst(prefix.count)))
            return
        }
        self.init(.record, text)
    }

    /// The source record behind the node (none for a reference).
    var recordKey: String? { kind == .reference ? nil : subject }

    var description: String { encoded }

    static func == (a: NodeKey, b: NodeKey) -> Bool { a.encoded == b.encoded }
    func hash(into hasher: inout Hasher) { hasher.combine(encoded) }
    static func < (a: NodeKey, b: NodeKey) -> Bool { a.encoded < b.encoded }
}
