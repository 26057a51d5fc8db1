import Foundation
import GRDB
import JourneyModel
import JourneyStore

/// Prepared persons kept in SQLite's temp store while a full derive learns the next-action
/// model, read back in the same order once it is complete: memory stays flat however many
/// persons the store holds. (Reading the store a second time instead made the derive of 1M
/// touches take 44 s; the spill's encoding and decoding are about a sixth of that derive.)
struct PreparedSpill {
    private let db: Database
    private let insert: HotStatement
    private let encoder = JSONEncoder()

    init(db: Database) throws {
        self.db = db
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.prepared_suggestions;
            CREATE TEMP TABLE prepared_suggestions (seq INTEGER PRIMARY KEY, state TEXT NOT NULL, candidates TEXT NOT NULL);
            """)
        insert = try HotStatement(db, sql: "INSERT INTO temp.prepared_suggestions (state, candidates) VALUES (?, ?)")
    }

    func add(_ prepared: NextActionPass.Prepared) throws {
        // The candidate touches are most of a person's state: written as plain text, not through
        // JSONEncoder's keyed containers (a third of a learning derive's time at 1M touches).
        var state = prepared
        state.candidates = []
        insert.text(1, String(decoding: try encoder.encode(state), as: UTF8.self))
        insert.text(2, CandidateText.encode(prepared.candidates))
        try insert.run()
    }

    /// Every prepared person in the order added; the table goes afterwards.
    func forEach(_ body: (NextActionPass.Prepared) throws -> Void) throws {
        let decoder = JSONDecoder()
        let rows = try HotStatement(db, sql: "SELECT state, candidates FROM temp.prepared_suggestions ORDER BY seq")
        try rows.rows {
            var prepared = try decoder.decode(NextActionPass.Prepared.self, from: Data((rows.string(0) ?? "").utf8))
            prepared.candidates = try rows.withUTF8(1) { try CandidateText.decode($0) } ?? []
            try body(prepared)
        }
        try db.execute(sql: "DROP TABLE temp.prepared_suggestions")
    }

    /// Candidates as text: per candidate "<at> <shows> <bytes of touch> <touch>", so a touch id
    /// holding any character reads back as it was.
    enum CandidateText {
        struct Malformed: Error, CustomStringConvertible {
            var description: String { "a prepared suggestion state in the temp store is malformed (a bug: the derive rolls back)" }
        }

        static func encode(_ candidates: [NextActionPass.Candidate]) -> String {
            var out = ""
            for c in candidates { out += "\(c.at) \(c.shows) \(c.touch.utf8.count) \(c.touch)" }
            return out
        }

        static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws -> [NextActionPass.Candidate] {
            var out: [NextActionPass.Candidate] = []
            var i = 0
            func number() throws -> Int64 {
                var negative = false
                if i < bytes.count, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
                var value: Int64 = 0, digits = 0
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                    value = value &* 10 &+ Int64(bytes[i] - UInt8(ascii: "0"))
                    i += 1
                    digits += 1
                }
                guard digits > 0, i < bytes.count, bytes[i] == UInt8(ascii: " ") else { throw Malformed() }
                i += 1
                return negative ? -value : value
            }
            while i < bytes.count {
                let at = try number()
                // `shows` is a UInt64 bit set: read as its bit pattern.
                var shows: UInt64 = 0, digits = 0
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                    shows = shows &* 10 &+ UInt64(bytes[i] - UInt8(ascii: "0"))
                    i += 1
                    digits += 1
                }
                guard digits > 0, i < bytes.count, bytes[i] == UInt8(ascii: " ") else { throw Malformed() }
                i += 1
                let length = Int(try number())
                guard length >= 0, i + length <= bytes.count else { throw Malformed() }
                let touch = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<(i + length)]), as: UTF8.self)
                i += length
                out.append(NextActionPass.Candidate(at: at, shows: shows, touch: touch))
            }
            return out
        }
    }
}
