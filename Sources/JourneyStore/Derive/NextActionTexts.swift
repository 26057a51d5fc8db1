public import GRDB

/// The reason and evidence texts that `next_action_rows` refer to by number (migration 0023),
/// for one writer's transaction: each text is looked up or added once, then remembered.
public struct NextActionTexts {
    private let db: Database
    private let find: HotStatement
    private let add: HotStatement
    private var known: [String: Int64] = [:]
    /// Guardrail texts name hours and dates and so differ per prospect: past this many the
    /// memo starts again rather than growing with the store.
    private static let remembered = 10_000

    public init(db: Database) throws {
        self.db = db
        find = try HotStatement(db, sql: "SELECT text_id FROM next_action_texts WHERE text = ?")
        add = try HotStatement(db, sql: "INSERT INTO next_action_texts (text) VALUES (?)")
    }

    /// The number of `text`, which is added if no row used it before.
    public mutating func id(of text: String) throws -> Int64 {
        if let id = known[text] { return id }
        find.text(1, text)
        let id: Int64
        if let found = try find.first({ find.int64(0) }) ?? nil {
            id = found
        } else {
            add.text(1, text)
            try add.run()
            id = db.lastInsertedRowID
        }
        if known.count >= Self.remembered { known.removeAll(keepingCapacity: true) }
        known[text] = id
        return id
    }

    /// Removes the texts no row refers to any more; how many went. One pass over the rows: the
    /// full derive runs it every time, an incremental one through `collectIfDue`.
    @discardableResult
    public static func collect(_ db: Database) throws -> Int {
        try db.execute(sql: """
            DELETE FROM next_action_texts
            WHERE text_id NOT IN (SELECT reason_id FROM next_action_rows)
              AND text_id NOT IN (SELECT evidence_id FROM next_action_rows WHERE evidence_id IS NOT NULL)
            """)
        let removed = db.changesCount
        try db.execute(sql: """
            INSERT OR REPLACE INTO next_action_text_collection (id, top_id, live)
            SELECT 1, coalesce(max(text_id), 0), count(*) FROM next_action_texts
            """)
        return removed
    }

    /// Collects once the texts added since the last collection outnumber those it left (and are
    /// over 1,000): what is kept stays within about twice what the rows use, and a derive of a
    /// few persons does not pay for a pass over everyone's rows.
    public static func collectIfDue(_ db: Database) throws {
        let last = try Row.fetchOne(db, sql: "SELECT top_id, live FROM next_action_text_collection WHERE id = 1")
        let top = try Int64.fetchOne(db, sql: "SELECT max(text_id) FROM next_action_texts") ?? 0
        let (lastTop, live): (Int64, Int64) = last.map { ($0[0], $0[1]) } ?? (0, 0)
        if top - lastTop > max(live, 1_000) { try collect(db) }
    }
}
