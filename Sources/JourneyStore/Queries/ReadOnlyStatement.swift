import Foundation

/// Which statements the read-only SQL surfaces (`journeylake query`, `POST /v1/query`) compile.
///
/// The connection is opened read-only, so SQLite already refuses to write the file, and
/// `sqlite3_stmt_readonly` is checked after compiling. Neither stops statements that change the
/// *connection*, which a later query would then run under: ATTACH (reach other files), PRAGMA
/// setters (`cache_size`, `busy_timeout`, `trusted_schema`), VACUUM INTO (writes a new file).
/// So the first keyword, after comments, must start a query; PRAGMA is allowed only for the
/// schema introspection pragmas, which have no setter.
enum ReadOnlyStatement {
    static let queryKeywords: Set<String> = ["SELECT", "WITH", "VALUES", "EXPLAIN"]
    static let introspectionPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "collation_list", "function_list", "module_list", "pragma_list", "database_list", "compile_options",
    ]

    static func isAllowed(_ sql: String) -> Bool {
        var words = Words(Substring(sql))
        guard let first = words.next()?.uppercased() else { return false }
        if queryKeywords.contains(first) { return true }
        guard first == "PRAGMA", let name = words.next()?.lowercased() else { return false }
        // `PRAGMA main.table_info(x)` names the schema first.
        let pragma = name.split(separator: ".").last.map(String.init) ?? name
        return introspectionPragmas.contains(pragma)
    }

    /// The words of an SQL text, skipping whitespace and `--` / `/* */` comments.
    struct Words: IteratorProtocol {
        var rest: Substring

        init(_ text: Substring) { rest = text }

        mutating func next() -> String? {
            while true {
                rest = rest.drop { $0.isWhitespace }
                if rest.hasPrefix("--") {
                    rest = rest.drop { $0 != "\n" }
                } else if rest.hasPrefix("/*") {
                    guard let end = rest.dropFirst(2).range(of: "*/") else { return nil }
                    rest = rest[end.upperBound...]
                } else {
                    break
                }
            }
            let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            guard !word.isEmpty else { return nil }
            rest = rest.dropFirst(word.count)
            return String(word)
        }
    }
}
