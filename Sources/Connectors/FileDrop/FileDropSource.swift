import Foundation
public import JourneyConfig
import JourneyModel

/// A folder of export files: picks up new and changed files, resumes a file where the last
/// committed batch ended, and waits for files that are still being written.
public struct FileDropSource: IngestSource {
    public let name: String
    public let type = "files"
    public let pollInterval: Duration
    public let config: FileDropConfig

    /// Suffixes of files that are by convention still being written or not data.
    static let partialSuffixes = [".tmp", ".part", ".partial", ".crdownload", ".swp", ".lock", ".filepart"]

    public init(section: SourceSection) throws {
        name = section.name
        pollInterval = section.pollInterval
        config = try FileDropConfig(section: section)
    }

    /// A file in the folder, with what identifies its current content.
    struct Candidate {
        /// The file's identity in `file_progress`: its path, or `archive.zip!/Entry.csv`.
        var path: String
        var fileName: String
        var size: Int64
        var modifiedNanoseconds: Int64
        /// For a file inside a ZIP archive: the archive and the entry.
        var archive: (path: String, entry: String)?
        /// Where the bytes are read from (an archive entry is extracted there first).
        var readPath: String

        /// The file whose modification time says whether the candidate is still being written.
        var watchedPath: String { archive?.path ?? path }
    }

    /// The files to consider, and the archives that could not be listed (they fail alone).
    func listFiles() throws -> (files: [Candidate], problems: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileSourceError.missingFolder(path: config.directory)
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: config.directory)
        } catch {
            throw FileSourceError.unreadable(path: config.directory, reason: error.localizedDescription)
        }
        var out: [Candidate] = []
        var problems: [String] = []
        for fileName in names.sorted() {
            if fileName.hasPrefix(".") || Self.partialSuffixes.contains(where: { fileName.lowercased().hasSuffix($0) }) { continue }
            guard config.include.contains(where: { Glob.matches($0, fileName) }) else { continue }
            let path = (config.directory as NSString).appendingPathComponent(fileName)
            guard let stat = Self.stat(path) else {
                if Self.isSymbolicLink(path) { problems.append(FileSourceError.brokenLink(path: path).description) }
                continue
            }
            guard stat.isRegular else { continue }
            out.append(Candidate(path: path, fileName: fileName, size: stat.size, modifiedNanoseconds: stat.mtime, archive: nil, readPath: path))
        }
        // Vendor exports often arrive zipped (Salesforce's weekly export is ZIP archives of CSVs):
        // each matching entry is a file of its own.
        for fileName in names.sorted() where fileName.lowercased().hasSuffix(".zip") && !fileName.hasPrefix(".") {
            let path = (config.directory as NSString).appendingPathComponent(fileName)
            guard let stat = Self.stat(path) else {
                let reported = config.include.contains(where: { Glob.matches($0, fileName) })
                if !reported, Self.isSymbolicLink(path) { problems.append(FileSourceError.brokenLink(path: path).description) }
                continue
            }
            guard stat.isRegular else { continue }
            let entries: [ArchiveEntries.Entry]
            do {
                entries = try ArchiveEntries.list(path)
            } catch {
                problems.append("\(error)")
                continue
            }
            for entry in entries {
                let entryName = (entry.path as NSString).lastPathComponent
                guard !entryName.hasPrefix("."), !entry.path.hasPrefix("__MACOSX/"),
                    config.include.contains(where: { Glob.matches($0, entryName) })
                else { continue }
                out.append(
                    Candidate(
                        path: "\(path)!/\(entry.path)", fileName: entryName, size: entry.size, modifiedNanoseconds: stat.mtime,
                        archive: (path, entry.path), readPath: ArchiveEntries.stagingPath(source: name, candidate: "\(path)!/\(entry.path)")))
            }
        }
        return (out, problems)
    }

    /// A file's size, modification time and kind; a symbolic link gives those of the file it
    /// names (nil when that does not exist).
    static func stat(_ path: String) -> (size: Int64, mtime: Int64, isRegular: Bool)? {
        guard var attrs = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        // Operators link exports into the folder as often as they copy them: a link is read as
        // the file it names, and keeps its own path as the file's identity in `file_progress`.
        if (attrs[.type] as? FileAttributeType) == .typeSymbolicLink {
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard target != path, let named = try? FileManager.default.attributesOfItem(atPath: target),
                (named[.type] as? FileAttributeType) != .typeSymbolicLink
            else { return nil }
            attrs = named
        }
        let size = (attrs[.size] as? NSNumber)?.int64Value ?? 0
        let date = attrs[.modificationDate] as? Date ?? .distantPast
        let isRegular = (attrs[.type] as? FileAttributeType) == .typeRegular
        return (size, Int64((date.timeIntervalSince1970 * 1_000_000_000).rounded()), isRegular)
    }

    static func isSymbolicLink(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSymbolicLink
    }

    /// About how many records the files hold past what was read of them: their unread bytes
    /// over 128, about a Marketo bulk activity row, the shortest rows exports commonly have
    /// (an estimate too high only sets the person index aside for a smaller load than it pays for).
    static func estimatedRecords(unreadIn files: [Candidate], progress: [String: FileProgress]) -> Int {
        let unread = files.reduce(Int64(0)) { sum, file in
            guard let previous = progress[file.path], previous.size == file.size,
                previous.modifiedNanoseconds == file.modifiedNanoseconds
            else { return sum + file.size }
            return previous.completed ? sum : sum + max(0, file.size - previous.byteOffset)
        }
        return Int(unread / 128)
    }

    /// Hash of the first 64 KiB: tells an appended-to file (same head) from a replaced one.
    static func headHash(_ path: String) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        let data = (try? h.read(upToCount: 65_536)) ?? Data()
        return ContentHash.hex(data)
    }

    public func checkConnection() async throws {
        _ = try listFiles()
    }

    public func runPass(sink: any BatchSink, control: PassControl) async throws -> PassReport {
        var report = PassReport()
        let (files, problems) = try listFiles()
        report.errors += problems.map { (stream: .source, message: $0) }
        let progress = try await sink.fileProgress(source: name)
        try await sink.expectLoad(source: name, records: Self.estimatedRecords(unreadIn: files, progress: progress))
        let (_, counts) = try await withCommitPipeline(sink: sink) { pipeline, group in
            for var file in files {
                if control.shouldStop() { report.status = .stopped; break }
                let previous = progress[file.path]
                if let previous, previous.completed, previous.size == file.size, previous.modifiedNanoseconds == file.modifiedNanoseconds {
                    report.filesSkipped += 1
                    continue
                }
                // A file modified within the settle window may still be being written.
                guard let settled = try await waitUntilSettled(file, control: control) else {
                    report.waiting.append(file.fileName)
                    continue
                }
                file = settled
                if let archive = file.archive {
                    do {
                        try ArchiveEntries.extract(archive.entry, from: archive.path, to: file.readPath)
                    } catch {
                        report.errors.append((stream: .source, message: "cannot extract \(file.path): \(error)"))
                        continue
                    }
                }
                defer { if file.archive != nil { try? FileManager.default.removeItem(atPath: file.readPath) } }
                let head = Self.headHash(file.readPath)
                var start: (offset: Int64, line: Int64) = (0, 1)
                if let previous, !previous.completed, previous.size == file.size,
                    previous.modifiedNanoseconds == file.modifiedNanoseconds, previous.headHash == head
                {
                    start = (previous.byteOffset, previous.rowNumber)
                }
                do {
                    let reader = FileReader(source: self, file: file, headHash: head, control: control)
                    if try await reader.read(from: start, pipeline: &pipeline, group: &group) {
                        report.status = .stopped
                        break
                    }
                } catch let error as FileSourceError {
                    report.errors.append((stream: .source, message: error.description))
                } catch let error as FormatMismatch {
                    report.errors.append(
                        (stream: .source, message: FileSourceError.unrecognizedFile(path: file.path, format: config.format, reason: error.reason).description))
                }
            }
        }
        for (stream, c) in counts { report.counts[stream, default: StreamCounts()] += c }
        if !report.errors.isEmpty, report.status == .ok { report.status = .partial }
        return report
    }

    /// The file once it has been still for the settle time; nil when `serve` should come back later.
    private func waitUntilSettled(_ file: Candidate, control: PassControl) async throws -> Candidate? {
        let settleMs = Int64(config.settle.components.seconds * 1000) + config.settle.components.attoseconds / 1_000_000_000_000_000
        var current = file
        while true {
            let ageMs = control.clock().millisecondsSinceEpoch - current.modifiedNanoseconds / 1_000_000
            if ageMs >= settleMs { return current }
            guard control.waitForSettling, !control.shouldStop() else { return nil }
            try await Task.sleep(for: .milliseconds(max(50, settleMs - ageMs)))
            guard let s = Self.stat(current.watchedPath) else { return nil }
            if current.archive == nil { current.size = s.size }
            current.modifiedNanoseconds = s.mtime
        }
    }
}

/// Minimal shell-style globbing for `include` (`*`, `?`).
enum Glob {
    static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.lowercased()), n = Array(name.lowercased())
        var pi = 0, ni = 0, star = -1, mark = 0
        while ni < n.count {
            if pi < p.count, p[pi] == "?" || p[pi] == n[ni] {
                pi += 1; ni += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ni; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ni = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
