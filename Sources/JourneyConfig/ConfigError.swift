/// An invalid configuration: what is wrong, where (file, line, key) and what to do about it.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Dotted key path such as `sources[1].format`; empty for the document itself.
    public var key: String
    public var message: String
    public var hint: String?

    public init(file: String, line: Int?, column: Int?, key: String, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        var text = "\(place): "
        if !key.isEmpty { text += "\(key): " }
        text += message
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Several config errors found in one pass, so an operator fixes them all at once.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public init(_ errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
