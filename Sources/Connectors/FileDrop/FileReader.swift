import Foundation
import JourneyModel

/// Reads one file of a file-drop source into batches. Every row ends up as a record or a
/// quarantine entry; the batch that ends at a row boundary carries the offset to resume from.
struct FileReader {
    let source: FileDropSource
    let file: FileDropSource.Candidate
    let headHash: String
    let control: PassControl

    private var mapping: any RecordMapping { source.config.mapping }

    /// Returns true when the pass was asked to stop (after committing the current batch).
    func read(from start: (offset: Int64, line: Int64), committer: inout Committer) async throws -> Bool {
        if FormatRegistry.isJSON(format: source.config.format) {
            return try await readJSON(from: start, committer: &committer)
        }
        return try await readCSV(from: start, committer: &committer)
    }

    private func progress(stream: String?, offset: Int64, line: Int, completed: Bool) -> FileProgress {
        FileProgress(
            path: file.path, stream: stream, size: file.size, modifiedNanoseconds: file.modifiedNanoseconds, headHash: headHash,
            byteOffset: offset, rowNumber: Int64(line), completed: completed)
    }

    private func batch(_ items: [WriteBatch.Item], scope: StreamScope, progress: FileProgress) -> WriteBatch {
        WriteBatch(
            source: source.name, fetchedAt: control.clock(), items: items, fileProgress: progress,
            cursors: [scope.storedName: "\(file.fileName)@\(progress.byteOffset)\(progress.completed ? " (done)" : "")"])
    }

    /// A row the parser rejected before any mapping saw it (so it has no external id).
    private func quarantined(_ stream: String, _ code: QuarantineCode, _ detail: String, payload: String, origin: String) -> WriteBatch.Item {
        .quarantine(QuarantinedInput(stream: stream, externalId: nil, reason: QuarantineReason(code, detail), payload: payload, origin: origin))
    }

    private func mapped(_ row: SourceRow, stream: String, rawText: () -> String) -> WriteBatch.Item {
        switch mapping.map(row, stream: stream) {
        case .record(let externalId, let canonical):
            let payload = row.jsonPayload
            return .record(
                IncomingRecord(
                    stream: canonical.key.object, externalId: externalId, payload: payload, contentHash: ContentHash.hex(payload),
                    origin: row.origin, canonical: canonical))
        case .quarantine(let externalId, let reason):
            return .quarantine(
                QuarantinedInput(stream: stream, externalId: externalId, reason: reason, payload: rawText(), origin: row.origin))
        }
    }

    private func readCSV(from start: (offset: Int64, line: Int64), committer: inout Committer) async throws -> Bool {
        var headerReader = try CSVReader(path: file.readPath, delimiter: source.config.delimiter)
        guard let header = try headerReader.next() else {
            headerReader.close()
            // An empty file names no stream: its progress belongs to the source as a whole.
            try await committer.submit(batch([], scope: .source, progress: progress(stream: nil, offset: file.size, line: 1, completed: true)))
            return false
        }
        if let problem = header.malformation {
            headerReader.close()
            throw FileSourceError.unreadable(path: file.path, reason: "the header line is malformed: \(problem)")
        }
        let columns = ColumnIndex(header.fields.map { $0.trimmingCharacters(in: .whitespaces) })
        let stream: String
        do {
            stream = try mapping.stream(fileName: file.fileName, columns: columns)
        } catch {
            headerReader.close()
            throw error
        }
        var reader: CSVReader
        if start.offset > 0 {
            headerReader.close()
            reader = try CSVReader(path: file.readPath, offset: start.offset, line: Int(start.line), delimiter: source.config.delimiter)
        } else {
            reader = headerReader
        }
        defer { reader.close() }
        let nulls = mapping.nullMarkers
        var items: [WriteBatch.Item] = []
        items.reserveCapacity(control.batchSize)
        while let record = try reader.next() {
            let origin = "\(file.fileName):\(record.line)"
            if let problem = record.malformation {
                items.append(quarantined(stream, .malformedCSV, "malformed CSV: \(problem)", payload: reader.lastRawText(), origin: origin))
            } else if record.fields.count != columns.names.count {
                items.append(quarantined(
                    stream, .wrongFieldCount, "expected \(columns.names.count) fields as in the header, found \(record.fields.count)",
                    payload: reader.lastRawText(), origin: origin))
            } else {
                let row = SourceRow(columns: columns, values: record.fields, origin: origin, nullMarkers: nulls)
                items.append(mapped(row, stream: stream, rawText: { reader.lastRawText() }))
            }
            if items.count >= control.batchSize {
                try await committer.submit(
                    batch(items, scope: .stream(stream), progress: progress(stream: stream, offset: reader.offset, line: reader.line, completed: false)))
                items.removeAll(keepingCapacity: true)
                if control.shouldStop() {
                    try await committer.drain()
                    return true
                }
            }
        }
        try await committer.submit(
            batch(items, scope: .stream(stream), progress: progress(stream: stream, offset: reader.offset, line: reader.line, completed: true)))
        return false
    }

    private func readJSON(from start: (offset: Int64, line: Int64), committer: inout Committer) async throws -> Bool {
        let stream = try mapping.stream(fileName: file.fileName, columns: ColumnIndex([]))
        var layout: JSONRecordReader.Layout = .lines
        if source.config.format == "json" {
            // A `json` file holds an array of objects or, like NDJSON, one object per line.
            let head = FileHandle(forReadingAtPath: file.readPath).flatMap { try? $0.read(upToCount: 4096) } ?? Data()
            if head.first(where: { ![32, 9, 10, 13, 0xEF, 0xBB, 0xBF].contains($0) }) == 91 { layout = .array }
        }
        var reader = try JSONRecordReader(path: file.readPath, layout: layout, offset: start.offset, line: Int(start.line))
        defer { reader.close() }
        let nulls = mapping.nullMarkers
        let decoder = JSONDecoder()
        var items: [WriteBatch.Item] = []
        var lastLine = Int(start.line)
        while true {
            let chunk: JSONChunk?
            do {
                chunk = try reader.next()
            } catch let error as FileSourceError {
                if case .unreadable(_, let reason) = error { throw FileSourceError.unreadable(path: file.path, reason: reason) }
                throw error
            }
            guard let chunk else { break }
            lastLine = chunk.line
            let origin = "\(file.fileName):\(chunk.line)"
            if chunk.truncated {
                items.append(quarantined(stream, .malformedJSON, "truncated JSON at the end of the file", payload: chunk.text, origin: origin))
            } else {
                do {
                    let value = try decoder.decode(JSONValue.self, from: Data(chunk.text.utf8))
                    guard case .object(let object) = value else {
                        throw MappingError(.malformedJSON, "expected a JSON object, found \(chunk.text.prefix(20))")
                    }
                    let row = SourceRow(json: object, origin: origin, nullMarkers: nulls)
                    var item = mapped(row, stream: stream, rawText: { chunk.text })
                    if case .record(var incoming) = item {
                        // The raw zone keeps the JSON exactly as received.
                        incoming.payload = chunk.text
                        incoming.contentHash = ContentHash.hex(chunk.text)
                        item = .record(incoming)
                    }
                    items.append(item)
                } catch let e as MappingError {
                    items.append(.quarantine(QuarantinedInput(stream: stream, externalId: nil, reason: e.reason, payload: chunk.text, origin: origin)))
                } catch {
                    items.append(quarantined(stream, .malformedJSON, "invalid JSON: \(Self.describe(error))", payload: chunk.text, origin: origin))
                }
            }
            if items.count >= control.batchSize {
                try await committer.submit(
                    batch(items, scope: .stream(stream), progress: progress(stream: stream, offset: reader.offset, line: lastLine + 1, completed: false)))
                items.removeAll(keepingCapacity: true)
                if control.shouldStop() {
                    try await committer.drain()
                    return true
                }
            }
        }
        try await committer.submit(
            batch(items, scope: .stream(stream), progress: progress(stream: stream, offset: reader.offset, line: lastLine, completed: true)))
        return false
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DecodingError {
            switch e {
            case .dataCorrupted(let c): return c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription
            default: return "\(e)"
            }
        }
        return error.localizedDescription
    }
}
