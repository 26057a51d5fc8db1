import Foundation

/// Buffered sequential reads of a file from a byte offset; memory stays at the buffer size
/// whatever the file size.
struct ByteSource {
    private let handle: FileHandle
    private(set) var buffer: [UInt8] = []
    /// Index in `buffer` of the next unread byte.
    var position = 0
    /// File offset of `buffer[0]`.
    private(set) var bufferStart: Int64
    private(set) var atEOF = false
    let chunkSize: Int

    init(path: String, offset: Int64, chunkSize: Int = 1 << 20) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileSourceError.unreadable(path: path, reason: "cannot open for reading (permissions?)")
        }
        self.handle = handle
        self.chunkSize = chunkSize
        bufferStart = offset
        if offset > 0 { try handle.seek(toOffset: UInt64(offset)) }
    }

    /// File offset of the next unread byte.
    var offset: Int64 { bufferStart + Int64(position) }

    /// Reads another chunk, keeping unread bytes from `keepFrom` on. Returns false at end of file.
    mutating func refill(keepFrom: Int) throws -> Bool {
        if atEOF { return false }
        let data = try handle.read(upToCount: chunkSize) ?? Data()
        if data.isEmpty {
            atEOF = true
            return false
        }
        if keepFrom > 0 {
            buffer.removeSubrange(0..<keepFrom)
            bufferStart += Int64(keepFrom)
            position -= keepFrom
        }
        buffer.append(contentsOf: data)
        return true
    }

    /// Whether the unread bytes start with a UTF-8 byte-order mark (reading more if needed).
    mutating func startsWithByteOrderMark() throws -> Bool {
        while buffer.count - position < 3 {
            if !(try refill(keepFrom: position)) { break }
        }
        return buffer.count - position >= 3 && buffer[position] == 0xEF && buffer[position + 1] == 0xBB && buffer[position + 2] == 0xBF
    }

    func close() { try? handle.close() }
}

/// Why a file could not be read at all (as opposed to a bad row in it).
public enum FileSourceError: Error, CustomStringConvertible, Sendable {
    case missingFolder(path: String)
    case unreadable(path: String, reason: String)
    case unrecognizedFile(path: String, format: String, reason: String)
    case brokenLink(path: String)

    public var description: String {
        switch self {
        case .missingFolder(let path):
            return "folder \(path) does not exist or is not a folder; create it or fix `path` in the config"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .unrecognizedFile(let path, let format, let reason):
            return "\(path) is not a \(format) file: \(reason)"
        case .brokenLink(let path):
            return "\(path) is a symbolic link to a file that does not exist; link it again or remove it"
        }
    }
}
