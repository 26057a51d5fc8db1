import JourneyModel

extension SyncStateRow {
    /// The stored progress plus a `never_run` (or `disabled`) row for each configured source
    /// that has none yet: what `journeylake sources` and `GET /v1/sources` list.
    public static func listing(stored: [SyncStateRow], configured: [(name: String, enabled: Bool)]) -> [SyncStateRow] {
        let seen = Set(stored.map(\.source))
        return stored + configured.filter { !seen.contains($0.name) }.map {
            SyncStateRow(source: $0.name, stream: StreamScope.source.storedName, status: $0.enabled ? "never_run" : "disabled")
        }
    }
}
