import Foundation

/// Whether a store path can be opened for writing, checked without creating or opening anything,
/// so `config check` can fail where `ingest` would.
public enum StoreLocation {
    /// Why the store at `path` could not be written; nil when it can.
    public static func problem(writing path: String) -> String? {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return "\(path) is a folder, not a store file" }
            if access(path, R_OK | W_OK) != 0 { return "\(path) exists but this user may not read and write it" }
        }
        // SQLite creates `-wal` and `-shm` files beside the store, so its folder must be writable
        // too; a missing folder is created, so the nearest folder that exists must be.
        var folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var missing: [String] = []
        while !fm.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            missing.append(folder.lastPathComponent)
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        guard isDirectory.boolValue else {
            return "\(folder.path) is a file, so the store's folder cannot be created under it"
        }
        if access(folder.path, W_OK | X_OK) != 0 {
            return missing.isEmpty
                ? "the folder \(folder.path) is not writable by this user (SQLite writes its -wal and -shm files there)"
                : "the folder \(folder.path) is not writable by this user, so \(missing.reversed().joined(separator: "/")) cannot be created in it"
        }
        return nil
    }
}
