public import GRDB
import GRDBSQLite

/// A prepared statement for hot paths (the per-record ingest, the per-person derive), bound and
/// read through SQLite's C API.
///
/// GRDB's `StatementArguments` box every value in an existential and its rows decode through
/// generic metadata; at hundreds of thousands of rows per second that cost more than SQLite
/// itself. The statement stays owned by GRDB (prepared, finalized and cached there); only
/// binding, stepping and reading columns happen here. Bind, then `run()` a write, or `step()`
/// through a query's rows and `reset()` when done (`rows` does both).
///
/// Its SQL may also run through GRDB elsewhere (`cachedStatement` hands both the same statement):
/// GRDB resets a statement before using it, not after, so binding here first resets a statement
/// GRDB left stepped to its end (see `bind`).
public struct HotStatement {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer?
    private let texts: BoundTexts
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        texts = BoundTexts(statement)
    }

    public func text(_ index: Int32, _ value: String?) {
        guard let value else { return bind(index) { sqlite3_bind_null(handle, index) } }
        var v = value
        v.withUTF8 { buf in
            let bytes = texts.keep(buf)
            // A nil destructor is SQLITE_STATIC: SQLite reads the kept bytes in place.
            bind(index) { sqlite3_bind_text(handle, index, bytes, Int32(buf.count), nil) }
        }
    }

    public func int(_ index: Int32, _ value: Int64?) {
        guard let value else { return bind(index) { sqlite3_bind_null(handle, index) } }
        bind(index) { sqlite3_bind_int64(handle, index, value) }
    }

    public func double(_ index: Int32, _ value: Double?) {
        guard let value else { return bind(index) { sqlite3_bind_null(handle, index) } }
        bind(index) { sqlite3_bind_double(handle, index, value) }
    }

    public func bool(_ index: Int32, _ value: Bool?) { int(index, value.map { $0 ? 1 : 0 }) }

    public func blob(_ index: Int32, _ bytes: [UInt8]) {
        // An empty array has no base address, and a null pointer would bind NULL, not an empty blob.
        guard !bytes.isEmpty else { return bind(index) { sqlite3_bind_zeroblob(handle, index, 0) } }
        bytes.withUnsafeBytes { buf in
            bind(index) { sqlite3_bind_blob(handle, index, buf.baseAddress, Int32(buf.count), Self.transient) }
        }
    }

    /// Runs one `sqlite3_bind_*` call. SQLite refuses bindings (`SQLITE_MISUSE`, leaving the
    /// parameter as it was) on a statement stepped to its end and not reset since — which is how
    /// GRDB leaves a statement it ran — and a refused binding would run the statement with the
    /// parameter NULL, silently: so the statement is reset (bindings made so far stay) and bound
    /// again. Any other refusal is a wrong index or type here, a programming error.
    private func bind(_ index: Int32, _ call: () -> Int32) {
        var code = call()
        if code == SQLITE_MISUSE {
            sqlite3_reset(handle)
            code = call()
        }
        precondition(code == SQLITE_OK, "binding parameter \(index) of \(String(cString: sqlite3_sql(handle))) failed: SQLite code \(code)")
    }

    /// Runs the statement once; the number of rows it changed.
    @discardableResult
    public func run() throws -> Int {
        defer { reset() }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
        return Int(sqlite3_changes(connection))
    }

    /// Advances to the next row of a query: false when there is none.
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw error(code)
    }

    /// Readies the statement for new bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        texts.release()
    }

    /// Calls `body` for each row of the query with the bindings made, then resets.
    public func rows(_ body: () throws -> Void) throws {
        defer { reset() }
        while try step() { try body() }
    }

    /// The first row's `body`, or nil without a row; resets.
    public func first<T>(_ body: () throws -> T) throws -> T? {
        defer { reset() }
        return try step() ? try body() : nil
    }

    // Columns of the current row (0-based).

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    public func string(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }

    public func int64(_ column: Int32) -> Int64? { isNull(column) ? nil : sqlite3_column_int64(handle, column) }

    public func double(_ column: Int32) -> Double? { isNull(column) ? nil : sqlite3_column_double(handle, column) }

    /// The column's UTF-8 bytes, valid until the next step or reset (for parsing without a String).
    public func withUTF8<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        guard let p = sqlite3_column_text(handle, column) else { return nil }
        return try body(UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(handle, column))))
    }

    /// The column's bytes as a blob, valid until the next step or reset.
    public func withBytes<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let p = sqlite3_column_blob(handle, column) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: count))
    }

    private func error(_ code: Int32) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(code)"
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: String(cString: sqlite3_sql(handle)))
    }
}

/// The bytes of the texts bound to one statement, held until it is reset. SQLite reads a text
/// bound `SQLITE_TRANSIENT` from a copy it allocates, and frees that copy at the next binding or
/// `sqlite3_clear_bindings`: two allocator calls per value, each through SQLite's allocator
/// lock (Debian's SQLite has no lookaside), 9 % of a backfill writer's samples. Bound
/// `SQLITE_STATIC` from here, a text is one copy into a block reused from one run to the next.
///
/// SQLite reads a static binding in place until the statement is reset — a running statement's
/// registers point into it too — so the bytes are kept until `release`, which `reset` calls
/// after resetting. A statement dropped while still bound is reset and its bindings cleared
/// first, so nothing is left pointing at freed bytes.
final class BoundTexts {
    private let statement: Statement
    /// The block texts are copied into, kept from one run to the next.
    private var block: UnsafeMutableRawPointer?
    private var capacity = 0
    private var used = 0
    /// Blocks filled before `block` since the last release.
    private var full: [UnsafeMutableRawPointer] = []
    private var bound = false

    private static let blockSize = 4_096
    /// A block grown past this for one long text (a large payload) is not kept after release.
    private static let keptSize = 65_536

    init(_ statement: Statement) { self.statement = statement }

    /// A copy of `bytes` that stays in place until `release`.
    func keep(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar> {
        bound = true
        if block == nil || used + bytes.count > capacity {
            if let block { full.append(block) }
            capacity = max(Self.blockSize, bytes.count)
            block = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
            used = 0
        }
        let start = block! + used
        if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
        used += bytes.count
        return UnsafePointer(start.assumingMemoryBound(to: CChar.self))
    }

    /// Called once the statement no longer refers to the bytes (reset, bindings cleared).
    func release() {
        guard bound else { return }
        bound = false
        for b in full { b.deallocate() }
        full.removeAll(keepingCapacity: true)
        used = 0
        if capacity > Self.keptSize {
            block?.deallocate()
            block = nil
            capacity = 0
        }
    }

    deinit {
        if bound {
            sqlite3_reset(statement.sqliteStatement)
            sqlite3_clear_bindings(statement.sqliteStatement)
        }
        for b in full { b.deallocate() }
        block?.deallocate()
    }
}
