import Foundation
import JourneyModel

/// How a vendor writes the times that bound a read window.
enum WindowTimeFormat: Sendable {
    /// Epoch milliseconds as decimal text (HubSpot).
    case epochMilliseconds
    /// SOQL datetime literals, second precision, UTC (Salesforce).
    case soqlDateTime

    func text(_ t: Timestamp) -> String {
        switch self {
        case .epochMilliseconds: return String(t.millisecondsSinceEpoch)
        case .soqlDateTime: return String(t.iso8601.prefix(19)) + "Z"
        }
    }

    func timestamp(_ text: String) -> Timestamp? {
        switch self {
        case .epochMilliseconds: return Int64(text).map(Timestamp.init(millisecondsSinceEpoch:))
        case .soqlDateTime: return TimestampParser.utc.parse(text)
        }
    }

    /// Where the very first window starts.
    var beginning: String { text(Timestamp(millisecondsSinceEpoch: 0)) }
}

/// Incremental reads over `[since, until]` windows of a vendor's modification time, written once
/// for every connector: `until` is fixed from the vendor's own clock when a window opens (never
/// ours, which may be skewed), and the next window starts `lookback` before the last one ended,
/// so a record committed late on the vendor's side is read by the next window.
struct VendorWindow: Sendable {
    let format: WindowTimeFormat
    let lookback: Duration

    /// The window to read: the one a pass left open, or a new one from where the last ended up to
    /// the vendor's `now` (asked only when a window opens). `pageToken` starts the new window.
    func current(
        _ state: StreamState?, pageToken: String? = nil, now: () async throws -> Timestamp
    ) async throws -> StreamState {
        if let state, state.open { return state }
        return StreamState(since: state?.since ?? format.beginning, until: format.text(try await now()), pageToken: pageToken, open: true)
    }

    /// The state once `window` is read: closed, the next starting `lookback` before it ended.
    func closed(_ window: StreamState) -> StreamState {
        let until = window.until.flatMap(format.timestamp)?.millisecondsSinceEpoch ?? 0
        let lookbackMs = lookback.components.seconds * 1000 + lookback.components.attoseconds / 1_000_000_000_000_000
        return StreamState(since: format.text(Timestamp(millisecondsSinceEpoch: max(0, until - lookbackMs))), open: false)
    }
}
