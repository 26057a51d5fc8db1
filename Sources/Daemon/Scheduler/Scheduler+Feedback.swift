import Foundation
public import Insights
import JourneyModel
public import QueryServer

extension Scheduler: SuggestionFeedbackRecording {
    /// The dashboard's done/dismissed marks go through the daemon's store writer, like
    /// `journeylake feedback`: recorded in one write transaction, then the person is derived again
    /// at once with the definitions in force, so the list the browser returns to is up to date.
    public func record(_ feedback: SuggestionFeedback, person: String, action: String) async throws {
        let ingestor = self.ingestor
        try await feedback.record(person: person, action: action, at: Timestamp(.now), store: ingestor.derive.store)
        // A failing deriver leaves the person queued for the next batch; the mark itself stands.
        await ingestor.derive.drain()
    }
}
