import Connectors
import Daemon
import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// The same identity data, ingested in any order and any batch split, gives the same persons:
/// the same ids, each with the same identifiers.
@Suite struct IdentityOrderTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
    }

    /// Three systems' exports of 40 people: each row has its own id, sometimes the email (in
    /// varying case), sometimes the id another system gave the person.
    static func exports(seed: UInt64) -> [String: [String]] {
        var g = Generator(state: seed)
        var files: [String: [String]] = ["a": [], "b": [], "c": []]
        for p in 0..<40 {
            let email = g.next(3) == 0 ? " Person\(p)@Example.ORG" : "person\(p)@example.org"
            for (system, other) in [("a", "b"), ("b", "c"), ("c", "a")] where g.next(4) != 0 {
                let withEmail = g.next(2) == 0
                let withOther = g.next(2) == 0 || !withEmail
                files[system]!.append("\(system)\(p),\(withEmail ? email : ""),\(withOther ? "\(other)\(p)" : "")")
            }
        }
        return files
    }

    static func source(_ system: String, other: String) -> String {
        """
          - name: sys-\(system)
            type: files
            path: \(system)
            format: csv
            mapping:
              record: person
              id: ID
              system: sys\(system)
              fields: { email: Email }
              identifiers: { \(system)_id: ID, \(other)_id: Other }

        """
    }

    func persons(_ ws: Workspace) throws -> [String] {
        try ws.strings("""
            SELECT person_id || ' ' || group_concat(kind || ':' || value, ',') FROM
              (SELECT person_id, kind, value FROM identifiers ORDER BY person_id, kind, value) GROUP BY person_id ORDER BY 1
            """)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64]) func anyOrderAndBatchSplitGivesTheSamePersons(seed: UInt64) async throws {
        let data = Self.exports(seed: 99)
        var reference: [String]?
        var g = Generator(state: seed)
        for round in 0..<3 {
            let ws = try Workspace()
            // Each system's rows shuffled and split into a random number of files.
            for (system, rows) in data {
                var shuffled = rows
                for i in shuffled.indices.reversed() { shuffled.swapAt(i, g.next(i + 1)) }
                let parts = 1 + g.next(3)
                for part in 0..<parts {
                    let slice = shuffled.enumerated().filter { $0.offset % parts == part }.map(\.element)
                    try ws.write("\(system)/part\(part).csv", (["ID,Email,Other"] + slice).joined(separator: "\n") + "\n")
                }
            }
            var systems = [("a", "b"), ("b", "c"), ("c", "a")]
            for i in systems.indices.reversed() { systems.swapAt(i, g.next(i + 1)) }
            _ = try await ws.ingest(systems.map { Self.source($0.0, other: $0.1) }.joined(), batchSize: 1 + g.next(25))
            let result = try persons(ws)
            if let reference {
                #expect(result == reference, "round \(round)")
            } else {
                reference = result
                #expect(result.count >= 10)
            }
        }
    }
}
