import Insights
import JourneyModel
import Testing

@Suite struct AttributionInputTests {
    @Test func modelsHaveTheirCLINames() {
        #expect(AttributionModel.allCases.map(\.rawValue) == [
            "first_touch", "last_touch", "linear", "position_based", "w_shaped", "time_decay", "markov", "shapley",
        ])
    }
}
