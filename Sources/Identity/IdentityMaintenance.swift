import Foundation
import GRDB
public import JourneyModel
public import JourneyStore

/// What `identity rebuild` changed.
public struct IdentityRebuildReport: Sendable, Equatable {
    public var personsBefore: Int
    public var personsAfter: Int
    /// Source records now owned by a different person than before.
    public var recordsMoved: Int
    /// Touchpoints now owned by a different person than before.
    public var touchpointsMoved: Int
    public var linksMade: Int
    public var conflicts: Int
}

/// What `identity unmerge` did: the merge undone and where each side's records are now.
public struct UnmergeReport: Sendable, Equatable {
    public var mergeId: Int64
    public var via: String
    /// Person id → its records, for every person the two sides' records now belong to.
    public var persons: [String: [String]]
}

/// Why an identity maintenance command could not run, and what to do instead.
public enum IdentityError: Error, CustomStringConvertible, Sendable, Equatable {
    case noSuchMerge(Int64)
    case alreadyUndone(Int64, at: String)
    case noSides(Int64)
    case notUndone(Int64)

    public var description: String {
        switch self {
        case .noSuchMerge(let id):
            return "no merge #\(id) in the merge log (list them with `journeylake identity merges`)"
        case .alreadyUndone(let id, let at):
            return "merge #\(id) was already undone at \(at)"
        case .notUndone(let id):
            return "merge #\(id) is not undone (or was relinked already); nothing to relink"
        case .noSides(let id):
            return "merge #\(id) was logged before merges recorded both sides and cannot be undone; run `journeylake identity rebuild` first"
        }
    }
}

/// Identity maintenance on a store: rebuild, unmerge, relink. Each runs in one write transaction
/// through the same resolver the batches use.
public struct IdentityMaintenance: Sendable {
    public let store: JourneyStore
    /// How records are linked into persons and accounts.
    public let rules: IdentityRules

    /// Whether the persons a change reaches are queued for the derivers (as batches do).
    public let queueDerive: Bool

    public init(store: JourneyStore, rules: IdentityRules = .default, queueDerive: Bool = false) {
        self.store = store
        self.rules = rules
        self.queueDerive = queueDerive
    }

    /// Re-resolves every person from the live records, source merges, deleted records and
    /// separations — what incremental resolution must always agree with. Run after changing the
    /// identity rules (shared mailboxes, source priorities) to apply them to existing data.
    ///
    /// The graph is resolved a few thousand records at a time, each step taking the whole
    /// components its records reach (components never share a record, identifier or person, so
    /// the result is the one a single pass over everything gives). What is left to visit, who
    /// owned what before and which identifiers touchpoints name live in SQLite's temp store, so
    /// memory stays bounded by the largest step, not the store (1M identifiers peaked at ~2 GB
    /// when the graph was loaded whole).
    public func rebuild(at time: Timestamp = Timestamp(Date()), step: Int = 4_000) throws -> IdentityRebuildReport {
        try store.pool.write { db in
            try db.execute(sql: """
                CREATE TEMP TABLE rebuild_records AS SELECT record_key AS id, person_id FROM person_records;
                CREATE TEMP TABLE rebuild_touchpoints AS SELECT touchpoint_id AS id, person_id FROM touchpoints;
                CREATE TEMP TABLE rebuild_references AS
                  SELECT DISTINCT person_id, person_ref FROM touchpoints NOT INDEXED WHERE person_id IS NOT NULL AND person_ref IS NOT NULL;
                CREATE INDEX temp.rebuild_references_by_person ON rebuild_references (person_id);
                CREATE TEMP TABLE rebuild_pending (is_person INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (is_person, key)) WITHOUT ROWID;
                INSERT OR IGNORE INTO rebuild_pending SELECT 0, record_key FROM person_records;
                INSERT OR IGNORE INTO rebuild_pending SELECT 0, record_key FROM identity_aliases;
                INSERT OR IGNORE INTO rebuild_pending SELECT 0, record_key FROM released_identifiers;
                INSERT OR IGNORE INTO rebuild_pending SELECT 1, person_id FROM persons;
                """)
            defer {
                try? db.execute(sql: "DROP TABLE temp.rebuild_records; DROP TABLE temp.rebuild_touchpoints; DROP TABLE temp.rebuild_references; DROP TABLE temp.rebuild_pending")
            }
            let before = try Int.fetchOne(db, sql: "SELECT count(*) FROM persons") ?? 0
            let next = try db.makeStatement(sql: "SELECT is_person, key FROM rebuild_pending ORDER BY is_person, key LIMIT ?")
            let done = try db.makeStatement(sql: "DELETE FROM rebuild_pending WHERE is_person = ? AND key = ?")
            var links = 0, conflicts = 0
            while case let seeds = try Row.fetchAll(next, arguments: [max(step, 1)]), !seeds.isEmpty {
                var changes = IdentityChanges()
                for row in seeds {
                    if (row[0] as Int) == 1 { changes.persons.insert(row[1]) } else { changes.records.insert(row[1]) }
                }
                let resolver = IdentityResolver(db: db, rules: rules, now: time.iso8601, source: Self.source)
                // Which identifiers each person's touchpoints name: read once, in table order, not per person.
                let region = try resolver.region(from: changes, references: "temp.rebuild_references")
                let outcome = try resolver.resolve(region, changes: .init())
                let reached = region.records.union(region.aliasRecords).union(region.deletedRecords).union(changes.records)
                for key in reached { try done.execute(arguments: [0, key]) }
                for person in region.persons.union(changes.persons) { try done.execute(arguments: [1, person]) }
                // Attributes come from the records as they stand now, for everyone the step resolved.
                let session = IdentitySession(db: db, rules: rules, source: Self.source, now: time.iso8601)
                session.touchedPersons = outcome.survivors
                session.receivedTouchpoints = outcome.receivedTouchpoints
                try session.refreshPersons()
                if queueDerive {
                    // Only what the rebuild changed: persons whose records, identifiers or touchpoints
                    // moved, or whose attributes the rules now give differently. A rebuild that
                    // moves nothing derives nothing (it derived the whole store before).
                    try DeriveQueue.enqueue(
                        persons: outcome.persons.union(session.refreshed).subtracting(outcome.removed), removedPersons: outcome.removed,
                        db: db, at: time.iso8601)
                }
                links += outcome.links
                conflicts += outcome.conflicts
            }
            func moved(_ table: String, _ key: String, _ before: String) throws -> Int {
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM \(table) t JOIN temp.\(before) b ON b.id = t.\(key) WHERE t.person_id IS NOT b.person_id
                    """) ?? 0
            }
            return IdentityRebuildReport(
                personsBefore: before, personsAfter: try Int.fetchOne(db, sql: "SELECT count(*) FROM persons") ?? 0,
                recordsMoved: try moved("person_records", "record_key", "rebuild_records"),
                touchpointsMoved: try moved("touchpoints", "touchpoint_id", "rebuild_touchpoints"),
                linksMade: links, conflicts: conflicts)
        }
    }

    /// Undoes a logged merge: its two sides are kept apart from now on (the next sync does not
    /// link them again), and the persons, identifiers and touchpoints they reach are re-resolved.
    public func unmerge(_ mergeId: Int64, at time: Timestamp = Timestamp(Date())) throws -> UnmergeReport {
        try store.pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT via_kind, via_value, kept_nodes, merged_nodes, undone_at FROM person_merges WHERE merge_id = ?",
                arguments: [mergeId])
            else { throw IdentityError.noSuchMerge(mergeId) }
            if let at: String = row[4] { throw IdentityError.alreadyUndone(mergeId, at: at) }
            guard let keptText: String = row[2], let mergedText: String = row[3] else { throw IdentityError.noSides(mergeId) }
            let kept = try JSONDecoder().decode([String].self, from: Data(keptText.utf8))
            let merged = try JSONDecoder().decode([String].self, from: Data(mergedText.utf8))
            for (side, nodes) in [(0, kept), (1, merged)] {
                for node in nodes {
                    try db.execute(sql: "INSERT OR IGNORE INTO identity_separations (separation_id, side, node) VALUES (?, ?, ?)",
                                   arguments: [mergeId, side, node])
                }
            }
            try db.execute(sql: "UPDATE person_merges SET undone_at = ? WHERE merge_id = ?", arguments: [time.iso8601, mergeId])
            let persons = try reresolve(db, nodes: kept + merged, at: time)
            return UnmergeReport(mergeId: mergeId, via: "\(row[0] as String):\(row[1] as String)", persons: persons)
        }
    }

    /// Takes an unmerge back: the separation goes, and the records it kept apart are re-resolved
    /// (they become one person again if their data still links them, logged as a new merge; the
    /// undone one stays in the log as history).
    public func relink(_ mergeId: Int64, at time: Timestamp = Timestamp(Date())) throws -> UnmergeReport {
        try store.pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT via_kind, via_value FROM person_merges WHERE merge_id = ?", arguments: [mergeId])
            else { throw IdentityError.noSuchMerge(mergeId) }
            let nodes = try String.fetchAll(db, sql: "SELECT node FROM identity_separations WHERE separation_id = ?", arguments: [mergeId])
            guard !nodes.isEmpty else { throw IdentityError.notUndone(mergeId) }
            try db.execute(sql: "DELETE FROM identity_separations WHERE separation_id = ?", arguments: [mergeId])
            let persons = try reresolve(db, nodes: nodes, at: time)
            return UnmergeReport(mergeId: mergeId, via: "\(row[0] as String):\(row[1] as String)", persons: persons)
        }
    }

    /// Re-resolves the region around a separation's nodes; returns person id → its records there.
    private func reresolve(_ db: Database, nodes: [String], at time: Timestamp) throws -> [String: [String]] {
        let keys = nodes.map { NodeKey(encoded: $0) }.map { $0.recordKey ?? $0.encoded }
        var changes = IdentityChanges()
        changes.records = Set(keys)
        let outcome = try IdentitySession(db: db, rules: rules, source: Self.source, now: time.iso8601).finish(changes)
        if queueDerive {
            try DeriveQueue.enqueue(persons: outcome.persons, removedPersons: outcome.removedPersons, accounts: outcome.accounts,
                                   removedAccounts: outcome.removedAccounts, db: db, at: time.iso8601)
        }
        var persons: [String: [String]] = [:]
        for key in keys {
            if let p = try String.fetchOne(db, sql: "SELECT person_id FROM person_records WHERE record_key = ?", arguments: [key]) {
                persons[p, default: []].append(key)
            }
        }
        return persons.mapValues { $0.sorted() }
    }

    /// Credited as the source of identifiers that maintenance links without a claimant.
    static let source = "identity"
}
