import Crypto
public import GRDB
public import JourneyModel

/// The identifiers of forgotten persons (`journeylake forget`), as salted SHA-256 hashes: what
/// ingest checks each record against so that a forgotten person never comes back, while the store
/// keeps no identifier of theirs.
public struct SuppressionList {
    /// The store's salt (`suppression_salt`, made once per store by migration 0022).
    public let salt: String
    /// SHA-256 with the salt and separator already fed in: each hash continues a copy.
    private let salted: SHA256
    private let lookup: HotStatement
    /// Every stored hash, when the list is short enough to hold (it is read once per batch): most
    /// records match none, and a set answers that without a statement step per hash.
    private let known: KnownHashes?
    /// Above this many entries the list is looked up in SQLite only.
    static let heldInMemory = 20_000

    /// The store's list, or nil while nobody has been forgotten (then nothing is checked).
    public static func load(_ db: Database) throws -> SuppressionList? {
        guard let salt = try String.fetchOne(
            db, sql: "SELECT salt FROM suppression_salt WHERE EXISTS (SELECT 1 FROM suppressed_identifiers)")
        else { return nil }
        return try SuppressionList(db, salt: salt)
    }

    /// The list for writing to it; the salt must exist (it does in every migrated store).
    public static func forWriting(_ db: Database) throws -> SuppressionList {
        guard let salt = try String.fetchOne(db, sql: "SELECT salt FROM suppression_salt") else {
            throw DatabaseError(message: "suppression_salt is empty; the store was not migrated by migration 0022")
        }
        return try SuppressionList(db, salt: salt)
    }

    private init(_ db: Database, salt: String) throws {
        self.salt = salt
        var salted = SHA256()
        salted.update(data: Array((salt + "\u{0}").utf8))
        self.salted = salted
        lookup = try HotStatement(db, sql: "SELECT forget_id FROM suppressed_identifiers WHERE hash = ?")
        let held = try String.fetchAll(
            db, sql: "SELECT hash FROM suppressed_identifiers LIMIT ?", arguments: [Self.heldInMemory + 1])
        known = held.count <= Self.heldInMemory ? KnownHashes(Set(held)) : nil
    }

    /// The stored form of an identifier: SHA-256 over the salt and `kind:value`, as hex.
    public func hash(_ id: Identifier) -> String { hash(subject: id.description) }

    /// The stored form of a source record's key (`system:object:id`), kept beside the identifiers
    /// so a later version of a forgotten record is refused even if it names the person differently.
    public func hash(recordKey: String) -> String { hash(subject: "record " + recordKey) }

    // Ingest hashes every record's key and identifiers once anyone has been forgotten: no String
    // per byte (formatting the digest that way was most of a 20 % slower activities ingest).
    private func hash(subject: String) -> String {
        var hasher = salted
        var text = subject
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in hasher.finalize() {
            hex.append(Self.hexDigits[Int(byte >> 4)])
            hex.append(Self.hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    public func contains(_ id: Identifier) throws -> Bool { try request(forgetting: hash(id)) != nil }

    public func contains(recordKey: String) throws -> Bool { try request(forgetting: hash(recordKey: recordKey)) != nil }

    /// The `forget_log` request that suppressed the identifier, if one did.
    public func request(forgetting id: Identifier) throws -> Int64? { try request(forgetting: hash(id)) }

    public func request(forgettingRecord key: String) throws -> Int64? { try request(forgetting: hash(recordKey: key)) }

    private func request(forgetting hash: String) throws -> Int64? {
        if let known, !known.hashes.contains(hash) { return nil }
        lookup.text(1, hash)
        defer { lookup.reset() }
        return try lookup.step() ? lookup.int64(0) : nil
    }

    /// Adds what a refused record of a forgotten person revealed: its key and its identifiers (the
    /// linking ones: the caller leaves shared mailboxes out), but not one a live record of someone
    /// else claims (two leads with one address: it stays theirs). A person
    /// already holding a revealed identifier (made from touchpoints that came first) is queued in
    /// `forget_pending`, to be forgotten after the pass.
    public func reveal(_ identifiers: [Identifier], recordKey: String, request: Int64, db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO suppressed_identifiers (hash, kind, forget_id) VALUES (?, ?, ?)")
        let keyHash = hash(recordKey: recordKey)
        try insert.execute(arguments: [keyHash, "record", request])
        known?.hashes.insert(keyHash)
        for id in Set(identifiers) where try !contains(id) {
            let claimed = try Bool.fetchOne(
                db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM record_identifiers r JOIN person_records p ON p.record_key = r.record_key
                                   WHERE r.kind = ? AND r.value = ?)
                    """),
                arguments: [id.kind.rawValue, id.value]) ?? true
            if claimed { continue }
            let idHash = hash(id)
            try insert.execute(arguments: [idHash, id.kind.rawValue, request])
            // Later records of the same batch are checked against it too.
            known?.hashes.insert(idHash)
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO forget_pending (person_id, forget_id)
                SELECT person_id, ? FROM identifiers WHERE kind = ? AND value = ?
                """).execute(arguments: [request, id.kind.rawValue, id.value])
        }
    }

    /// Whether a text (a quarantined row, which no mapping has read) holds a forgotten email
    /// address anywhere: every `local@domain` run in it is normalized and checked.
    public func mentionsSuppressedEmail(_ text: String) throws -> Bool {
        for candidate in Self.emailCandidates(in: text) {
            if let id = Identifier.normalized(kind: .email, raw: candidate), try contains(id) { return true }
        }
        return false
    }

    /// The specials RFC 5322 allows unquoted in a local part, but the apostrophe and braces, which
    /// surround addresses in exports far more often than they are in them.
    private static let localSpecials = Set("!#$%&*+-/=?^_`|~.".utf8)

    /// The runs of email characters around each `@` in `text`.
    static func emailCandidates(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        var out: [String] = []
        func isLocal(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c >= 0x80 || localSpecials.contains(c)
        }
        func isDomain(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c >= 0x80 || c == 0x2D || c == 0x2E
        }
        for (at, c) in bytes.enumerated() where c == 0x40 {
            var start = at
            while start > 0, isLocal(bytes[start - 1]) { start -= 1 }
            var end = at + 1
            while end < bytes.count, isDomain(bytes[end]) { end += 1 }
            guard start < at, end > at + 1 else { continue }
            out.append(String(decoding: bytes[start..<end], as: UTF8.self))
        }
        return out
    }
}

/// The stored hashes a batch holds; a class, so what the batch reveals joins it for its later records.
private final class KnownHashes {
    var hashes: Set<String>
    init(_ hashes: Set<String>) { self.hashes = hashes }
}
