import JourneyModel
import Logging

extension StreamCounts {
    /// A stream's counts as the pass and batch log lines carry them. `suppressed` appears only
    /// when a forgotten person's records were refused, so the usual lines stay as operators'
    /// filters know them.
    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "read": "\(read)", "new": "\(new)", "updated": "\(updated)", "unchanged": "\(unchanged)", "deleted": "\(deleted)",
            "quarantined": "\(quarantined)",
        ]
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        return metadata
    }
}
