import Foundation

extension String {
    /// The string without leading and trailing ASCII whitespace (space, tab, CR, LF), fast.
    ///
    /// Foundation's `trimmingCharacters(in:)` bridges through `NSString` on Linux and was the
    /// single largest cost of parsing export rows; fields almost never need it, so the common
    /// case returns `self` without allocating.
    public var trimmedASCII: String {
        let u = utf8
        guard let first = u.first, let last = u.last else { return self }
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }
        if !isSpace(first) && !isSpace(last) { return self }
        var start = u.startIndex
        var end = u.endIndex
        while start < end, isSpace(u[start]) { start = u.index(after: start) }
        while end > start, isSpace(u[u.index(before: end)]) { end = u.index(before: end) }
        return String(self[start..<end])
    }
}
