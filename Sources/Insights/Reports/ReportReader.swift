import Foundation
import GRDB
public import JourneyModel
import JourneyStore

/// Read-only access to the shared reports of a journey store: what `journeylake report` and the
/// HTTP API serve. It owns one read-only connection; SQLite refuses every write on it.
public final class ReportReader: Sendable {
    public let path: String
    private let db: DatabaseQueue
    public let definitions: Definitions

    public init(path: String, definitions: Definitions) throws {
        db = try JourneyReader.openReadOnly(path: path)
        self.path = path
        self.definitions = definitions
    }

    public func funnel(_ period: ReportPeriod, by grouping: ReportGrouping = .week, now: Timestamp = Timestamp(.now)) throws -> FunnelReport {
        try db.read { try FunnelReport.load($0, period: period, grouping: grouping, definitions: definitions, now: now) }
    }

    public func sla(_ period: ReportPeriod, now: Timestamp = Timestamp(.now)) throws -> SLAReport {
        try db.read { try SLAReport.load($0, period: period, now: now) }
    }

    public func kpis(_ period: ReportPeriod) throws -> KPIReport {
        try db.read { try KPIReport.load($0, period: period, definitions: definitions) }
    }

    public func attributionInput(_ period: ReportPeriod) throws -> AttributionInput {
        try db.read { try AttributionData.load($0, period: period, conversions: definitions.conversions) }
    }
}
