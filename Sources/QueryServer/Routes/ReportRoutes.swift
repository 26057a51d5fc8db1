import Foundation
import Hummingbird
import Insights
import JourneyModel
import Synchronization

extension API {
    /// The shared reports, with the CLI's parameters and the CLI's JSON (the same Insights code
    /// renders both): `report funnel --format json` and `GET /v1/reports/funnel` print the same.
    func addReportRoutes(_ routes: Routes) {
        routes.add(.get, "/v1/reports/funnel", .read) { request, _ in
            let period = try Self.period(request)
            let grouping = try Self.enumParameter(request, "by", default: ReportGrouping.week)
            let reader = try self.reports.reader(self.state.current.definitions)
            return Reply.text(try await self.reading { try reader.funnel(period, by: grouping).json() } + "\n")
        }
        routes.add(.get, "/v1/reports/sla", .read) { request, _ in
            let period = try Self.period(request)
            let reader = try self.reports.reader(self.state.current.definitions)
            return Reply.text(try await self.reading { try reader.sla(period).json() } + "\n")
        }
        routes.add(.get, "/v1/reports/kpis", .read) { request, _ in
            let period = try Self.period(request)
            let reader = try self.reports.reader(self.state.current.definitions)
            return Reply.text(try await self.reading { try reader.kpis(period).json() } + "\n")
        }
        routes.add(.get, "/v1/reports/attribution", .read) { request, _ in
            let period = try Self.period(request)
            let by = try Self.enumParameter(request, "by", default: AttributionDimension.channel)
            let attribution: AttributionRequest
            do {
                var order = 1
                if let text = request.parameter("markov-order") {
                    guard let n = Int(text) else { throw APIError.badParameter("markov-order", "must be 1 or 2") }
                    order = n
                }
                attribution = try AttributionRequest(
                    model: request.parameter("model") ?? "all", by: by, window: request.parameter("window") ?? "90d",
                    halfLife: request.parameter("half-life") ?? "7d", markovOrder: order)
            } catch let error as AttributionRequest.InvalidParameter {
                throw APIError.badParameter(error.parameter, error.message)
            }
            let reader = try self.reports.reader(self.state.current.definitions)
            return Reply.text(try await self.reading { AttributionJSON.render(try reader.attribution(period, attribution), by: by) } + "\n")
        }
    }

    /// `since` and `until` as the CLI reads them.
    static func period(_ request: Request) throws -> ReportPeriod {
        var period = ReportPeriod()
        for (name, endOfDay) in [("since", false), ("until", true)] {
            guard let text = request.parameter(name) else { continue }
            guard let t = ReportPeriod.parse(text, endOfDay: endOfDay) else {
                throw APIError.badParameter(name, "'\(text)' is not a date (2025-03-01) or a time")
            }
            if endOfDay { period.until = t } else { period.since = t }
        }
        return period
    }

    static func enumParameter<T: RawRepresentable & CaseIterable>(_ request: Request, _ name: String, default value: T) throws -> T
    where T.RawValue == String {
        guard let text = request.parameter(name) else { return value }
        guard let parsed = T(rawValue: text) else {
            throw APIError.badParameter(name, "'\(text)' is none of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }
}

/// One reader per set of definitions (the reports', the next actions'): made on first use, made
/// again after a reload changed the definitions.
final class DefinitionsReaders<Reader: Sendable>: Sendable {
    let path: String
    private let make: @Sendable (_ path: String, _ definitions: Definitions) throws -> Reader
    private let cached = Mutex<(Definitions, Reader)?>(nil)

    init(path: String, make: @escaping @Sendable (_ path: String, _ definitions: Definitions) throws -> Reader) {
        self.path = path
        self.make = make
    }

    func reader(_ definitions: Definitions) throws -> Reader {
        try cached.withLock { cached in
            if let (defs, reader) = cached, defs == definitions { return reader }
            let reader: Reader
            do {
                reader = try make(path, definitions)
            } catch {
                throw APIError(.serviceUnavailable, code: "store_unavailable", "\(error)")
            }
            cached = (definitions, reader)
            return reader
        }
    }
}
