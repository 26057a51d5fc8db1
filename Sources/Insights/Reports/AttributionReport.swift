import Foundation
import JourneyConfig
import JourneyModel

/// An attribution report as the CLI (`report attribution --model … --window …`) and the HTTP API
/// (`/v1/reports/attribution?model=…&window=…`) ask for it: one parser, one JSON form, so both
/// surfaces answer the same question with the same bytes.
public struct AttributionRequest: Sendable, Equatable {
    public var models: [AttributionModel]
    public var by: AttributionDimension
    public var window: Duration
    public var halfLife: Duration
    public var markovOrder: Int

    /// A parameter that cannot be read; `parameter` is its name without dashes (`model`, `half-life`).
    public struct InvalidParameter: Error, Sendable, Equatable, CustomStringConvertible {
        public var parameter: String
        public var message: String
        public var description: String { "\(parameter): \(message)" }
    }

    /// Reads the parameters as written (`all` or a model name, `90d`, `7d`, 1 or 2).
    public init(model: String = "all", by: AttributionDimension = .channel, window: String = "90d", halfLife: String = "7d",
                markovOrder: Int = 1) throws(InvalidParameter) {
        if model == "all" {
            models = AttributionModel.allCases
        } else if let m = AttributionModel(rawValue: model) {
            models = [m]
        } else {
            throw InvalidParameter(
                parameter: "model", message: "'\(model)' is none of: \((AttributionModel.allCases.map(\.rawValue) + ["all"]).joined(separator: ", "))")
        }
        guard (1...2).contains(markovOrder) else { throw InvalidParameter(parameter: "markov-order", message: "must be 1 or 2") }
        func duration(_ text: String, _ name: String) throws(InvalidParameter) -> Duration {
            guard let d = DurationParser.parse(text), d > .zero else {
                throw InvalidParameter(parameter: name, message: "'\(text)' is not a duration (e.g. 90d, 12h)")
            }
            return d
        }
        self.by = by
        self.window = try duration(window, "window")
        self.halfLife = try duration(halfLife, "half-life")
        self.markovOrder = markovOrder
    }

    /// The model parameters under the config's conversion actions.
    public func parameters(conversions: Set<String>) -> AttributionParameters {
        func milliseconds(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }
        return AttributionParameters(
            models: models, by: by, windowMilliseconds: milliseconds(window), halfLifeMilliseconds: milliseconds(halfLife),
            markovOrder: markovOrder, conversionActions: conversions)
    }
}

extension ReportReader {
    /// The attribution rows for `request` over `period`.
    public func attribution(_ period: ReportPeriod, _ request: AttributionRequest) throws -> [AttributionRow] {
        Attribution.run(try attributionInput(period), request.parameters(conversions: definitions.conversions))
    }
}

/// How attribution rows print: credit rounded to six decimals (sums stay exact to that precision).
public enum AttributionJSON {
    /// The rows as a JSON array of objects, the key column named after the dimension.
    public static func render(_ rows: [AttributionRow], by: AttributionDimension) -> String {
        let objects = rows.map { r -> String in
            var w = JSONObjectWriter()
            w.add("model", r.model.rawValue)
            w.add(by.rawValue, r.key)
            w.addRaw("conversions", json: number(r.conversions))
            w.addRaw("value", json: number(r.value))
            if let re = r.removalEffect { w.addRaw("removal_effect", json: number(re)) }
            return "  " + w.finish()
        }
        return objects.isEmpty ? "[]" : "[\n" + objects.joined(separator: ",\n") + "\n]"
    }

    public static func round(_ x: Double) -> Double { (x * 1_000_000).rounded() / 1_000_000 }

    /// A JSON number with at most six decimals.
    static func number(_ x: Double) -> String {
        let r = round(x)
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : String(r)
    }
}
