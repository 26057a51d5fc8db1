public import Connectors
public import Daemon
import Foundation
public import GRDB
public import JourneyConfig
public import JourneyModel
import JourneyStore
import Insights
import Synchronization
import ZIPFoundation

/// A temporary folder with a config file, drop folders and a real SQLite store, removed on deinit.
/// Test support: a temporary workspace with a real store, used only by the test targets.
public final class Workspace {
    public let root: URL
    public var storePath: String { root.appendingPathComponent("journey.sqlite").path }

    public init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("jl-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes a file under the workspace (creating folders) with an mtime in the past, so the
    /// settle window never delays a test.
    @discardableResult
    public func write(_ relative: String, _ text: String, age: TimeInterval = 3600) throws -> URL {
        try writeData(relative, Data(text.utf8), age: age)
    }

    @discardableResult
    public func writeData(_ relative: String, _ data: Data, age: TimeInterval = 3600) throws -> URL {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
        return url
    }

    public func copyFixtures(_ vendor: String, to folder: String) throws {
        let source = Fixtures.exports.appendingPathComponent(vendor)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where !name.hasSuffix(".md") {
            let data = try Data(contentsOf: source.appendingPathComponent(name))
            try writeData("\(folder)/\(name)", data)
        }
    }

    /// Loads a config (YAML for `sources:` only; the store is this workspace's) and builds its sources.
    public func sources(_ sourcesYAML: String, batchSize: Int = 1000, deriveEvery: String = "5m") throws -> (JourneyLakeConfig, [any IngestSource]) {
        let yaml = "store:\n  path: journey.sqlite\n  batch_size: \(batchSize)\n  derive_every: \(deriveEvery)\nsources:\n" + sourcesYAML
        let file = try write("journeylake.yaml", yaml)
        let config = try JourneyLakeConfig.load(path: file.path)
        return (config, try config.sources.map { try ConnectorRegistry.make($0) })
    }

    /// One ingest pass over every source, as `journeylake ingest` does it (`bulkLoadMinimum:
    /// nil` as `serve` does).
    public func ingest(
        _ sourcesYAML: String, batchSize: Int = 1000, derivers: [any Deriver] = [], shouldStop: @escaping @Sendable () -> Bool = { false },
        bulkLoadMinimum: Int? = PersonIndex.minimumLoad, deriveEvery: String = "5m"
    ) async throws -> [SourceOutcome] {
        let (config, sources) = try sources(sourcesYAML, batchSize: batchSize, deriveEvery: deriveEvery)
        let store = try JourneyStore(path: config.store.path)
        let ingestor = Ingestor(store: store, batchSize: config.store.batchSize, identity: config.identity, derivers: derivers,
            deriveEvery: config.store.deriveEvery, bulkLoadMinimum: bulkLoadMinimum)
        var out: [SourceOutcome] = []
        for s in sources { out.append(await ingestor.run(s, waitForSettling: false, shouldStop: shouldStop)) }
        return out
    }

    /// A workspace whose store holds the three vendors' sample exports (sources sf, hs, mkto).
    public static func sampleStore(derivers: [any Deriver] = []) async throws -> Workspace {
        let ws = try Workspace()
        try ws.copyFixtures("salesforce", to: "sf")
        try ws.copyFixtures("hubspot", to: "hs")
        try ws.copyFixtures("marketo", to: "mkto")
        _ = try await ws.ingest("""
              - {name: sf, type: files, path: sf, format: salesforce-data-export, settle: 0s}
              - {name: hs, type: files, path: hs, format: hubspot-export, settle: 0s}
              - {name: mkto, type: files, path: mkto, format: marketo-export, settle: 0s}

            """, derivers: derivers)
        return ws
    }

    /// Zips the files of a workspace folder into an archive (how vendors deliver exports).
    @discardableResult
    public func zip(_ folder: String, into archive: String, age: TimeInterval = 3600) throws -> URL {
        let url = root.appendingPathComponent(archive)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let zip = try Archive(url: url, accessMode: .create)
        let source = root.appendingPathComponent(folder)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path).sorted() {
            try zip.addEntry(with: name, relativeTo: source, compressionMethod: .deflate)
        }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
        return url
    }

    /// Runs passes where pass n is asked to stop after its n-th batch, until one completes: every
    /// batch or page boundary is a stopping point once. Returns the number of passes.
    public func ingestStoppingAtEveryBoundary(
        _ sourcesYAML: String, batchSize: Int = 1000, maxPasses: Int = 100, derivers: [any Deriver] = []
    ) async throws -> Int {
        var passes = 0
        while passes < maxPasses {
            passes += 1
            let calls = Mutex(0)
            let allowed = passes
            let out = try await ingest(
                sourcesYAML, batchSize: batchSize, derivers: derivers, shouldStop: { calls.withLock { $0 += 1; return $0 > allowed } })
            if out.allSatisfy({ $0.report.status != .stopped }) { break }
        }
        return passes
    }

    public func db() throws -> DatabaseQueue { try DatabaseQueue(path: storePath) }

    /// The derivers `journeylake ingest` runs under the default definitions, for in-process
    /// passes that must end with the store the CLI makes.
    public static var cliDerivers: [any Deriver] { [InsightsDeriver(definitions: Definitions())] }

    /// Changes a store behind the daemon's back (a test's stand-in for an older release's rows).
    public static func execute(_ sql: String, path: String) throws {
        try DatabaseQueue(path: path).write { try $0.execute(sql: sql) }
    }

    public func count(_ sql: String) throws -> Int {
        try db().read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    public func strings(_ sql: String) throws -> [String] {
        try db().read { try String.fetchAll($0, sql: sql) }
    }

    /// Every data-derived column of the store, for comparing two stores (wall-clock columns left out).
    public func dump(includingOrigins: Bool = true) throws -> String {
        try StoreDump.dump(path: storePath, includingOrigins: includingOrigins)
    }
}

/// A text dump of every data-derived column of a store (wall-clock columns left out).
public enum StoreDump {
    public static let queries = [
        "SELECT source, stream, external_id, content_hash, payload, origin FROM raw_records ORDER BY 1, 2, 3, 4",
        "SELECT record_key, source, stream, external_id, version_at, content_hash, deleted FROM source_records ORDER BY record_key",
        "SELECT * FROM persons ORDER BY person_id",
        "SELECT * FROM identifiers ORDER BY kind, value",
        "SELECT * FROM record_identifiers ORDER BY 1, 2, 3",
        "SELECT * FROM person_records ORDER BY record_key",
        "SELECT * FROM accounts ORDER BY account_id",
        "SELECT * FROM account_identifiers ORDER BY kind, value",
        "SELECT * FROM account_records ORDER BY record_key",
        "SELECT * FROM opportunities ORDER BY opportunity_id",
        "SELECT * FROM campaigns ORDER BY campaign_id",
        "SELECT * FROM touchpoints ORDER BY touchpoint_id",
        "SELECT * FROM lifecycle_steps ORDER BY touchpoint_id",
        "SELECT * FROM deleted_records ORDER BY record_key",
        "SELECT source, stream, external_id, reason, reason_code, payload, origin FROM quarantine ORDER BY 1, 2, 6, 4",
        "SELECT merged_person, into_person, via_kind, via_value, record_key, reason, kept_nodes, merged_nodes FROM person_merges ORDER BY 1, 2, 3, 4, 5",
        "SELECT * FROM identity_aliases ORDER BY 1, 2, 3",
        "SELECT kind, value, record_key FROM released_identifiers ORDER BY 1, 2, 3",
        "SELECT * FROM orphan_touchpoints ORDER BY 1, 2, 3",
        "SELECT kind, value, record_key, existing_record FROM identity_conflicts ORDER BY 1, 2, 3, 4",
        "SELECT person_id, primary_email, reason FROM deleted_persons ORDER BY 1",
    ]

    /// `includingOrigins: false` leaves out where rows came from (an API source's URLs carry the
    /// test server's port), for comparing stores read from different servers.
    public static func dump(path: String, includingOrigins: Bool = true) throws -> String {
        let db = try DatabaseQueue(path: path)
        return try db.read { db in
            var out = ""
            for var q in queries {
                if !includingOrigins { q = q.replacingOccurrences(of: ", origin FROM", with: " FROM") }
                out += "## \(q)\n"
                for row in try Row.fetchAll(db, sql: q) { out += row.description + "\n" }
            }
            return out
        }
    }
}

/// Paths inside the repository, found from this file so tests run from any folder.
public enum Fixtures {
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The vendor sample exports the tests load (a copy of `examples/exports`).
    public static var exports: URL {
        repositoryRoot.appendingPathComponent("Tests/IngestTests/Fixtures/exports")
    }
}

extension [SourceOutcome] {
    public func counts(_ source: String, _ stream: String) -> StreamCounts {
        first { $0.source == source }?.report.counts[stream] ?? StreamCounts()
    }
}
