import Foundation

/// What a `sync_state` row or a pass error is about: one stream of a source, or the source as a whole.
public enum StreamScope: Hashable, Sendable, CustomStringConvertible {
    /// The source as a whole: its folder, its credentials, a file that names no stream.
    case source
    /// One stream (a vendor object, an export file's stream).
    case stream(String)

    // Part of the analysts' SQL contract and of `journeylake sources` output; spelled only here.
    private static let sourceRow = "*"

    /// The value of `sync_state.stream` for this scope.
    public var storedName: String {
        switch self {
        case .source: Self.sourceRow
        case .stream(let name): name
        }
    }

    /// The scope a `sync_state.stream` value stands for.
    public init(storedName: String) {
        self = storedName == Self.sourceRow ? .source : .stream(storedName)
    }

    public var description: String { storedName }
}
