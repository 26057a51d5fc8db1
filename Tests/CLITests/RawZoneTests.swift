import Foundation
import JourneyModel
import JourneyTesting
import Testing

/// The compact raw zone (migration 0019): tabular rows are stored as their values under a shared
/// header, and `raw_records` gives back the very text that was received and hashed — what
/// analysts query, what `reprocess` maps again and what tells a re-export from a change.
@Suite struct RawZoneTests {
    static let header = ["Registration ID", "Email", "Joined At", "Status", "Webinar", "Team", "Note"]

    /// Values that every JSON writer escapes a little differently: backspace and form feed
    /// (SQLite writes `\b` `\f`, we write `\u0008` `\u000c`), a literal backslash before a `b` or
    /// an `f`, quotes and a line break, other control characters, DEL, non-ASCII, text that looks
    /// like JSON or like a null.
    static let rows: [[String]] = [
        ["r1", "ana@example.com", "2025-03-12T16:00:00Z", "Attended", "Freight", "Demand Gen", #"C:\books\files and \\server\f"#],
        ["r2", "ben@example.com", "2025-03-12T16:05:00Z", "Attended", "Freight", "Demand Gen", "bell\u{07} back\u{08} feed\u{0C} tab\t del\u{7F} unit\u{1F}"],
        ["r3", "cleo@example.com", "2025-03-12T16:07:00Z", "Attended", "Freight", "Demand Gen", "\"quoted\"\nline two\r\nthree"],
        ["r4", "dan@example.com", "2025-03-12T16:09:00Z", "Registered", "Frühjahr 🚚", "Demand Gen", #"{"a": [1, 2]}"#],
        ["r5", "eve@example.com", "2025-03-12T16:11:00Z", "Registered", "null", "Demand Gen", ""],
    ]

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The payload text the raw zone must give back: the row as one JSON object in header order.
    static func payload(_ header: [String], _ row: [String]) -> String {
        var w = JSONObjectWriter()
        for (name, value) in zip(header, row) { w.add(name, value) }
        return w.finish()
    }

    static func config(_ ws: Workspace) throws -> String {
        try ReprocessTests.webinarConfig(ws, sides: "Demand Gen: marketing", channel: "webinar")
    }

    func rawRows(_ ws: Workspace) throws -> [String] {
        try ws.strings("SELECT external_id || ' ' || content_hash || ' ' || payload FROM raw_records ORDER BY external_id, payload")
    }

    @Test(.timeLimit(.minutes(30))) func tabularRowsAreKeptAsValuesAndReadBackAsTheTextThatWasHashed() async throws {
        let ws = try Workspace()
        let config = try Self.config(ws)
        try ws.write("drops/day1.csv", Self.csv(Self.header, Self.rows))
        let first = try await CLIRunner.run(["ingest", "--config", config])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 5)

        let expected = Self.rows.map { row in
            let text = Self.payload(Self.header, row)
            return "\(row[0]) \(ContentHash.hex(text)) \(text)"
        }
        #expect(try rawRows(ws) == expected)
        // Stored as values under one header row, not as objects, each in its record's row.
        #expect(try ws.count("SELECT count(*) FROM source_records WHERE columns_id IS NOT NULL AND json_type(payload) = 'array'") == 5)
        #expect(try ws.count("SELECT count(*) FROM raw_versions") == 0)
        #expect(try ws.strings("SELECT names FROM raw_columns") == [JSONObjectWriter.array(Self.header)])
        #expect(try ws.strings("SELECT json_extract(payload, '$.Note') FROM raw_records WHERE external_id = 'r1'") == [Self.rows[0][6]])
        #expect(try ws.strings(#"SELECT json_extract(payload, '$."Registration ID"') FROM raw_records ORDER BY 1"#) == ["r1", "r2", "r3", "r4", "r5"])

        // The same rows in another file are the same versions; a changed one is a new version.
        var again = Self.rows
        again[1][6] = "changed\u{08}"
        try ws.write("drops/day2.csv", Self.csv(Self.header, again))
        // The same header in another order is another header row, and its rows keep that order.
        let reordered = [Self.header[6]] + Self.header[0..<6]
        let late = ["late\u{0C}", "r6", "fay@example.com", "2025-03-12T17:00:00Z", "Attended", "Freight", "Demand Gen"]
        try ws.write("drops/day3.csv", Self.csv(reordered, [late]))
        let second = try await CLIRunner.run(["ingest", "--config", config, "--format", "json"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains(#""new": 1"#) && second.stdout.contains(#""updated": 1"#) && second.stdout.contains(#""unchanged": 4"#), "\(second.stdout)")
        #expect(try ws.count("SELECT count(*) FROM raw_columns") == 2)
        // r2's first version is history now; every version shows once.
        #expect(try ws.count("SELECT count(*) FROM source_records WHERE payload IS NOT NULL") == 6)
        #expect(try ws.strings("SELECT external_id || ' ' || payload FROM raw_versions") == ["r2 " + JSONObjectWriter.array(Self.rows[1])])
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 7)
        #expect(try ws.strings("SELECT payload FROM raw_records WHERE external_id = 'r6'") == [Self.payload(reordered, late)])
        #expect(try ws.strings("SELECT payload FROM raw_records WHERE external_id = 'r2' ORDER BY fetched_at, payload").contains(Self.payload(Self.header, again[1])))

        // Mapping the stored versions again reads them back exactly: nothing changes.
        let store = ws.root.appendingPathComponent("journey.sqlite").path
        let before = try StoreDump.dump(path: store)
        let replay = try await CLIRunner.run(["reprocess", "--config", config])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(ReprocessTests.table(replay.stdout) == ["webinars/attendance": [6, 0, 6, 0, 0, 0, 0, 0]], "\(replay.stdout)")
        #expect(try StoreDump.dump(path: store) == before)

        // A mapping that now rejects them quarantines the rows with the text they were received as.
        let narrower = try ReprocessTests.webinarConfig(ws, sides: "Field Marketing: marketing", channel: "webinar")
        let rejected = try await CLIRunner.run(["reprocess", "--config", narrower])
        #expect(rejected.status == 0, "\(rejected.stderr)")
        #expect(try ws.strings("SELECT payload FROM quarantine ORDER BY external_id") == [
            Self.payload(Self.header, Self.rows[0]), Self.payload(Self.header, again[1]), Self.payload(Self.header, Self.rows[2]),
            Self.payload(Self.header, Self.rows[3]), Self.payload(Self.header, Self.rows[4]), Self.payload(reordered, late),
        ])
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 0)
    }

    @Test(.timeLimit(.minutes(30))) func aStoreFromBeforeKeepsItsRowsAsTheyWereAndAddsCompactOnes() async throws {
        let ws = try Workspace()
        let config = try Self.config(ws)
        try ws.write("drops/day1.csv", Self.csv(Self.header, Self.rows))
        #expect(try await CLIRunner.run(["ingest", "--config", config]).status == 0)
        let store = ws.root.appendingPathComponent("journey.sqlite").path
        let written = try rawRows(ws)

        // Take the store back to 0018: raw_records a table of object texts, as an older release wrote it.
        try Workspace.execute("""
            CREATE TABLE old_raw AS SELECT * FROM raw_records;
            DROP VIEW raw_records;
            DROP TABLE raw_versions;
            DROP TABLE raw_columns;
            ALTER TABLE source_records DROP COLUMN payload;
            ALTER TABLE source_records DROP COLUMN columns_id;
            ALTER TABLE source_records DROP COLUMN fetched_at;
            ALTER TABLE source_records DROP COLUMN origin;
            DROP INDEX touchpoints_account_deals;
            CREATE INDEX touchpoints_by_account_action ON touchpoints (account_id, action) WHERE account_id IS NOT NULL;
            CREATE TABLE raw_records (
                source TEXT NOT NULL, stream TEXT NOT NULL, external_id TEXT NOT NULL, content_hash TEXT NOT NULL,
                payload TEXT NOT NULL, fetched_at TEXT NOT NULL, origin TEXT,
                PRIMARY KEY (source, stream, external_id, content_hash)
            ) WITHOUT ROWID;
            INSERT INTO raw_records SELECT * FROM old_raw;
            DROP TABLE old_raw;
            DELETE FROM grdb_migrations WHERE identifier IN ('0019_compact_raw_zone', '0020_account_deals_index', '0021_current_version_in_record');
            """, path: store)
        #expect(try ws.count("SELECT count(*) FROM raw_records WHERE json_type(payload) = 'object'") == 5)

        var again = Self.rows
        again[3][6] = "moved"
        try ws.write("drops/day2.csv", Self.csv(Self.header, again + [["r6", "fay@example.com", "2025-03-12T17:00:00Z", "Attended", "Freight", "Demand Gen", ""]]))
        let run = try await CLIRunner.run(["ingest", "--config", config, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        // The old texts still tell an unchanged row from a changed one.
        #expect(run.stdout.contains(#""new": 1"#) && run.stdout.contains(#""updated": 1"#) && run.stdout.contains(#""unchanged": 4"#), "\(run.stdout)")
        // The old texts stay where they are (r4's first version among them); r4's new version and
        // r6 are compact, in their records' rows.
        #expect(try ws.count("SELECT count(*) FROM raw_versions WHERE columns_id IS NULL") == 5)
        #expect(try ws.count("SELECT count(*) FROM raw_versions WHERE columns_id IS NOT NULL") == 0)
        #expect(try ws.strings("SELECT external_id FROM source_records WHERE columns_id IS NOT NULL ORDER BY 1") == ["r4", "r6"])
        let now = try rawRows(ws)
        #expect(written.allSatisfy(now.contains))
        #expect(now.count == 7)
        #expect(try ws.strings("SELECT payload FROM raw_records WHERE external_id = 'r6'") == [
            Self.payload(Self.header, ["r6", "fay@example.com", "2025-03-12T17:00:00Z", "Attended", "Freight", "Demand Gen", ""]),
        ])
        let replay = try await CLIRunner.run(["reprocess", "--config", config])
        #expect(ReprocessTests.table(replay.stdout) == ["webinars/attendance": [6, 0, 6, 0, 0, 0, 0, 0]], "\(replay.stdout)")
        // Reprocessing moved the old current texts into their records' rows, each still once.
        #expect(try rawRows(ws) == now)
        #expect(try ws.strings("SELECT external_id FROM raw_versions ORDER BY 1") == ["r4"])
    }

    /// Every distinct version is kept once (migration 0021): the current one in its record's
    /// row, the others in `raw_versions`, whichever way it got there — a change, an older version
    /// arriving late, a re-export, a mapping that files the records under other keys and back.
    @Test(.timeLimit(.minutes(30))) func everyVersionIsKeptOnceWhateverPathItTook() async throws {
        let ws = try Workspace()
        func config(id: String) throws -> String {
            try ReprocessTests.webinarConfig(
                ws, sides: "Demand Gen: marketing", channel: "webinar", id: id, version: "Updated", file: "journeylake-\(id).yaml")
        }
        let byId = try config(id: "Registration ID")
        let header = ["Registration ID", "Email", "Joined At", "Status", "Webinar", "Team", "Updated"]
        let v1 = ["w1", "ana@example.com", "2025-03-12T16:00:00Z", "Registered", "Freight", "Demand Gen", "2025-03-01T00:00:00Z"]
        let v2 = ["w1", "ana@example.com", "2025-03-12T16:00:00Z", "Attended", "Freight", "Demand Gen", "2025-03-12T17:00:00Z"]
        let v0 = ["w1", "ana@example.com", "2025-03-12T16:00:00Z", "Registered", "Freight", "Demand Gen", "2025-02-01T00:00:00Z"]
        let other = ["w2", "ben@example.com", "2025-03-12T16:05:00Z", "Attended", "Freight", "Demand Gen", "2025-03-12T17:00:00Z"]
        let store = ws.root.appendingPathComponent("journey.sqlite").path
        let all = [v1, v2, v0, other].map { row in "\(row[0]) \(ContentHash.hex(Self.payload(header, row)))" }.sorted()
        func kept() throws -> [String] {
            try ws.strings("SELECT external_id || ' ' || content_hash FROM raw_records ORDER BY 1")
        }
        func ingest(_ day: String, _ rows: [[String]], _ expected: String) async throws {
            try ws.write("drops/\(day).csv", Self.csv(header, rows))
            let run = try await CLIRunner.run(["ingest", "--config", byId, "--format", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains(expected), "\(day): \(run.stdout)")
        }

        try await ingest("day1", [v1, other], #""new": 2"#)
        try await ingest("day2", [v2], #""updated": 1"#)  // v1 becomes history
        try await ingest("day3", [v0], #""unchanged": 1"#)  // older than v2: kept, not current
        try await ingest("day4", [v1, v2, other], #""unchanged": 3"#)  // a re-export of what is kept
        #expect(try kept() == all)
        #expect(try ws.strings("SELECT content_hash FROM source_records WHERE external_id = 'w1'") == [ContentHash.hex(Self.payload(header, v2))])
        #expect(try ws.count("SELECT count(*) FROM raw_versions") == 2)
        #expect(try ws.strings("SELECT action FROM touchpoints ORDER BY touchpoint_id") == ["webinar.attended", "webinar.attended"])

        // Reprocess: nothing changes, and the versions stay where they are.
        let before = try StoreDump.dump(path: store)
        #expect(try await CLIRunner.run(["reprocess", "--config", byId]).status == 0)
        #expect(try StoreDump.dump(path: store) == before)

        // Filed under the email instead: the current versions move to the new keys, with when and
        // where they were first fetched; the history stays under the ids it was fetched as.
        let firstFetched = try ws.strings("SELECT fetched_at || ' ' || origin FROM raw_records ORDER BY content_hash")
        let byEmail = try config(id: "Email")
        let rekeyed = try await CLIRunner.run(["reprocess", "--config", byEmail])
        #expect(rekeyed.status == 0, "\(rekeyed.stderr)")
        #expect(try ws.strings("SELECT external_id FROM source_records WHERE deleted = 0 AND payload IS NOT NULL ORDER BY 1")
            == ["ana@example.com", "ben@example.com"])
        #expect(try ws.count("SELECT count(*) FROM raw_records") == 4)
        #expect(try ws.count("SELECT count(DISTINCT content_hash) FROM raw_records") == 4)
        #expect(try ws.strings("SELECT fetched_at || ' ' || origin FROM raw_records ORDER BY content_hash") == firstFetched)
        #expect(try ws.count("SELECT count(*) FROM touchpoints") == 2)

        // And back: the same versions, each once, the store as it was.
        let back = try await CLIRunner.run(["reprocess", "--config", byId])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try kept() == all)
        #expect(try ws.strings("SELECT fetched_at || ' ' || origin FROM raw_records ORDER BY content_hash") == firstFetched)
        #expect(try ws.strings("SELECT action FROM touchpoints ORDER BY touchpoint_id") == ["webinar.attended", "webinar.attended"])
    }
}
