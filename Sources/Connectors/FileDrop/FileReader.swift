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
    func read(
        from start: (offset: Int64, line: Int64), pipeline: inout CommitPipeline, group: inout CommitPipeline.Group
    ) async throws -> Bool {
        if FormatRegistry.isJSON(format: source.config.format) {
            return try await readJSON(from: start, pipeline: &pipeline, group: &group)
        }
        return try await readCSV(from: start, pipeline: &pipeline, group: &group)
    }

    /// Where an input starts: what identifies its quarantine entry (see `QuarantinedInput.position`).
    private func position(_ offset: Int64) -> String { "\(file.path)@\(offset)" }

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

    /// Commits what the builder holds, ending at `progress`; true when the pass must stop there.
    private func submit(
        _ items: inout BatchBuilder, stream: String?, progress: FileProgress, pipeline: inout CommitPipeline, group: inout CommitPipeline.Group
    ) async throws -> Bool {
        try await pipeline.submit(batch(items.take(), scope: stream.map { .stream($0) } ?? .source, progress: progress), in: &group)
        guard !progress.completed, control.shouldStop() else { return false }
        try await pipeline.drain(&group)
        return true
    }

    private func readCSV(
        from start: (offset: Int64, line: Int64), pipeline: inout CommitPipeline, group: inout CommitPipeline.Group
    ) async throws -> Bool {
        let encoding = source.config.encoding
        var headerReader = try CSVReader(path: file.readPath, delimiter: source.config.delimiter, encoding: encoding)
        guard let header = try headerReader.next() else {
            headerReader.close()
            // An empty file names no stream: its progress belongs to the source as a whole.
            var none = BatchBuilder(mapping: mapping, capacity: 0)
            return try await submit(
                &none, stream: nil, progress: progress(stream: nil, offset: file.size, line: 1, completed: true), pipeline: &pipeline, group: &group)
        }
        if let problem = header.malformation {
            headerReader.close()
            throw FileSourceError.unreadable(path: file.path, reason: "the header line is malformed: \(problem)")
        }
        if let problem = headerReader.invalidBytesReason(header) {
            headerReader.close()
            throw FileSourceError.unreadable(path: file.path, reason: "the header line: \(problem.detail)")
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
            reader = try CSVReader(
                path: file.readPath, offset: start.offset, line: Int(start.line), delimiter: source.config.delimiter, encoding: encoding)
        } else {
            reader = headerReader
        }
        defer { reader.close() }
        let nulls = mapping.nullMarkers
        var items = BatchBuilder(mapping: mapping, capacity: control.batchSize)
        while let record = try reader.next() {
            let origin = "\(file.fileName):\(record.line)"
            let position = position(record.startOffset)
            if let problem = record.malformation {
                items.quarantine(
                    stream: stream, reason: QuarantineReason(.malformedCSV, "malformed CSV: \(problem)"), payload: reader.lastRawText(), origin: origin,
                    position: position)
            } else if let invalid = reader.invalidBytesReason(record) {
                items.quarantine(stream: stream, reason: invalid, payload: reader.lastRawText(), origin: origin, position: position)
            } else if record.fields.count != columns.names.count {
                items.quarantine(
                    stream: stream,
                    reason: QuarantineReason(.wrongFieldCount, "expected \(columns.names.count) fields as in the header, found \(record.fields.count)"),
                    payload: reader.lastRawText(), origin: origin, position: position)
            } else {
                let row = SourceRow(columns: columns, values: record.fields, origin: origin, nullMarkers: nulls)
                // A row its mapping rejects is kept with its column names, so `reprocess` can map it
                // again without the file; rows the reader could not split keep their raw text.
                items.add(row, stream: stream, position: position, rawText: { row.jsonPayload })
            }
            if items.count >= control.batchSize {
                let at = progress(stream: stream, offset: reader.offset, line: reader.line, completed: false)
                if try await submit(&items, stream: stream, progress: at, pipeline: &pipeline, group: &group) { return true }
            }
        }
        let end = progress(stream: stream, offset: reader.offset, line: reader.line, completed: true)
        return try await submit(&items, stream: stream, progress: end, pipeline: &pipeline, group: &group)
    }

    private func readJSON(
        from start: (offset: Int64, line: Int64), pipeline: inout CommitPipeline, group: inout CommitPipeline.Group
    ) async throws -> Bool {
        let stream = try mapping.stream(fileName: file.fileName, columns: ColumnIndex([]))
        var layout: JSONRecordReader.Layout = .lines
        if source.config.format == "json" {
            // A `json` file holds an array of objects or, like NDJSON, one object per line.
            let head = FileHandle(forReadingAtPath: file.readPath).flatMap { try? $0.read(upToCount: 4096) } ?? Data()
            if head.first(where: { ![32, 9, 10, 13, 0xEF, 0xBB, 0xBF].contains($0) }) == 91 { layout = .array }
        }
        var reader = try JSONRecordReader(
            path: file.readPath, layout: layout, offset: start.offset, line: Int(start.line), encoding: source.config.encoding)
        defer { reader.close() }
        let nulls = mapping.nullMarkers
        var items = BatchBuilder(mapping: mapping, capacity: control.batchSize)
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
            let position = position(chunk.startOffset)
            func quarantine(_ reason: QuarantineReason) {
                items.quarantine(stream: stream, reason: reason, payload: chunk.text, origin: origin, position: position)
            }
            switch chunk.defect {
            case .afterArrayEnd:
                quarantine(
                    QuarantineReason(
                        .malformedJSON, "content after the JSON array's closing ']' (byte offset \(chunk.startOffset), line \(chunk.line))"))
            case .truncated:
                quarantine(QuarantineReason(.malformedJSON, "truncated JSON at the end of the file"))
            case nil:
                if let invalid = chunk.invalidBytes {
                    quarantine(invalid)
                    break
                }
                do {
                    let value = try JSONValue(parsing: chunk.text)
                    guard case .object(let object) = value else {
                        throw MappingError(.malformedJSON, "expected a JSON object, found \(chunk.text.prefix(20))")
                    }
                    let row = SourceRow(json: object, origin: origin, nullMarkers: nulls)
                    // The raw zone keeps the JSON exactly as received.
                    items.add(row, stream: stream, payload: chunk.text, position: position, rawText: { chunk.text })
                } catch let e as MappingError {
                    quarantine(e.reason)
                } catch {
                    quarantine(
                        QuarantineReason(.malformedJSON, "invalid JSON at byte offset \(chunk.startOffset): \(Self.describe(error))"))
                }
            }
            // No resume point after the array's end: a resume would take it for one inside the array.
            // The resume line is the reader's own: the record's line end (or the array's comma) is
            // still unread at `offset`, and counting it again would shift every later line by one.
            if items.count >= control.batchSize, !reader.arrayEnded {
                let at = progress(stream: stream, offset: reader.offset, line: reader.line, completed: false)
                if try await submit(&items, stream: stream, progress: at, pipeline: &pipeline, group: &group) { return true }
            }
        }
        let end = progress(stream: stream, offset: reader.offset, line: lastLine, completed: true)
        return try await submit(&items, stream: stream, progress: end, pipeline: &pipeline, group: &group)
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? JSONSyntaxError { return "\(e.problem) (at byte \(e.offset) of the record)" }
        if let e = error as? DecodingError {
            switch e {
            case .dataCorrupted(let c): return c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription
            default: return "\(e)"
            }
        }
        return error.localizedDescription
    }
}
