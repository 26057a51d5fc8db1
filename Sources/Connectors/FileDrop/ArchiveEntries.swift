import Foundation
import JourneyModel
import ZIPFoundation

/// ZIP archives in a drop folder: their entries are listed and extracted (streamed, bounded
/// memory) to a staging file that the ordinary readers then read.
enum ArchiveEntries {
    struct Entry {
        var path: String
        var size: Int64
    }

    static func list(_ archivePath: String) throws -> [Entry] {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .read)
        } catch {
            throw FileSourceError.unreadable(path: archivePath, reason: "not a readable ZIP archive (\(error))")
        }
        return archive.filter { $0.type == .file }.map { Entry(path: $0.path, size: Int64($0.uncompressedSize)) }
            .sorted { $0.path < $1.path }
    }

    /// A stable staging path per source and entry, so a restart extracts to the same place.
    static func stagingPath(source: String, candidate: String) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journeylake-extract/\(source)")
        return folder.appendingPathComponent(ContentHash.hex(candidate) + "-" + (candidate as NSString).lastPathComponent).path
    }

    static func extract(_ entryPath: String, from archivePath: String, to destination: String) throws {
        let archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .read)
        guard let entry = archive[entryPath] else {
            throw FileSourceError.unreadable(path: archivePath, reason: "entry \(entryPath) disappeared from the archive")
        }
        let url = URL(fileURLWithPath: destination)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: url)
        _ = try archive.extract(entry, to: url)
    }
}
