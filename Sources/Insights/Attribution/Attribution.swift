/// Multi-touch attribution (issue 14): the models of `AttributionModel` over one input, pure and deterministic.
public enum Attribution {
    /// Runs `parameters.models` over `input`; rows are ordered by model (as listed in the parameters), then key.
    ///
    /// Each model gets a row for every key it reads — every key touched in a counted converting journey, for Markov
    /// also keys touched only in non-converting journeys — zero credit included. Conversions whose journey has no
    /// touch are counted too: under every model their whole credit goes to the key "(none)" (also the key of touches
    /// without campaign under `.campaign`), so each model's rows always sum to the counted conversions and their
    /// total value.
    public static func run(_ input: AttributionInput, _ parameters: AttributionParameters) -> [AttributionRow] {
        let journeys = Journeys(input, parameters)
        var rows: [AttributionRow] = []
        for model in parameters.models {
            var credit: Credit
            switch model {
            case .firstTouch: credit = firstTouch(journeys)
            case .lastTouch: credit = lastTouch(journeys)
            case .linear: credit = linear(journeys)
            case .positionBased: credit = positionBased(journeys)
            case .wShaped: credit = wShaped(journeys)
            case .timeDecay: credit = timeDecay(journeys, halfLifeMilliseconds: parameters.halfLifeMilliseconds)
            case .markov: credit = markov(journeys, order: parameters.markovOrder)
            case .shapley: credit = shapley(journeys)
            }
            credit.conversions[journeys.noneKey] += Double(journeys.touchlessCount)
            credit.value[journeys.noneKey] += journeys.touchlessValue
            // Keys are numbered in name order, so index order is key order.
            for k in journeys.keys.indices {
                let read = journeys.inConverting[k] || (model == .markov && journeys.inNonConverting[k])
                    || (k == journeys.noneKey && journeys.touchlessCount > 0)
                guard read else { continue }
                rows.append(
                    AttributionRow(
                        model: model, key: journeys.keys[k], conversions: credit.conversions[k], value: credit.value[k],
                        removalEffect: model == .markov ? (credit.removalEffect?[k] ?? nil) : nil))
            }
        }
        return rows
    }
}
