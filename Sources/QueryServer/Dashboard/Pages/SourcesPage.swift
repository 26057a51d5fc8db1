import Foundation
import Hummingbird
import JourneyModel
import JourneyStore

extension Dashboard {
    /// `/ui/sources`: each source and stream's status, lag, last error (scrubbed) and counts, and
    /// the quarantine with its commonest reasons.
    func sources(_ request: Request, _ viewer: Viewer) async throws -> Response {
        let store = api.reader
        let configured = api.state.current.sources.map { ($0.name, $0.enabled) }
        let (now, streams, quarantine) = try await api.reading {
            (Timestamp(.now), SyncStateRow.listing(stored: try store.syncState(), configured: configured), try store.quarantineSummary(reasons: 3))
        }
        let html = Layout.page(title: "Sources", section: .sources, viewer: viewer) {
            HTML.el(.h1) { "Sources" }
            HTML.el(.div, .class("table-wrap")) {
                HTML.el(.table, .class("streams")) {
                    HTML.el(.caption) { "Stream * is the source as a whole; lag is the time since the last successful pass" }
                    HTML.el(.thead) {
                        HTML.el(.tr) {
                            HTML.el(.th) { "source" }; HTML.el(.th) { "stream" }; HTML.el(.th) { "status" }; HTML.el(.th) { "lag" }
                            HTML.el(.th, .class("num")) { "rows" }; HTML.el(.th, .class("num")) { "read" }
                            HTML.el(.th, .class("num")) { "quarantined" }; HTML.el(.th) { "last error" }
                        }
                    }
                    HTML.el(.tbody) {
                        for s in streams {
                            HTML.el(.tr) {
                                HTML.el(.th, Attribute("scope", "row")) { s.source }
                                HTML.el(.td) { s.stream }
                                HTML.el(.td) { Self.status(s.status) }
                                HTML.el(.td) { Self.when(s.lastSuccessAt, now: now) }
                                HTML.el(.td, .class("num")) {
                                    HTML.metric("sources.\(s.source).\(s.stream).records_total", Format.integer(Int(s.recordsTotal)), exact: String(s.recordsTotal))
                                }
                                HTML.el(.td, .class("num")) { Format.integer(Int(s.readTotal)) }
                                HTML.el(.td, .class("num")) {
                                    HTML.metric("sources.\(s.source).\(s.stream).quarantined_total", Format.integer(Int(s.quarantinedTotal)),
                                                exact: String(s.quarantinedTotal))
                                }
                                HTML.el(.td, .class("last-error")) { s.lastError.map(Scrub.error) ?? "" }
                            }
                        }
                    }
                }
            }
            HTML.el(.section, .ariaLabel("Quarantine")) {
                HTML.el(.h2) { "Quarantine" }
                HTML.el(.p, .class("hint")) {
                    "Inputs that could not be normalized are kept with their reason, never dropped; "
                    HTML.el(.code) { "journeylake reprocess" }
                    " retries them after a mapping changes."
                }
                if quarantine.isEmpty {
                    HTML.el(.p) { "Nothing quarantined." }
                } else {
                    HTML.el(.div, .class("table-wrap")) {
                        HTML.el(.table, .class("quarantine")) {
                            HTML.el(.thead) {
                                HTML.el(.tr) {
                                    HTML.el(.th) { "source" }; HTML.el(.th) { "stream" }; HTML.el(.th, .class("num")) { "inputs" }
                                    HTML.el(.th) { "commonest reasons (count, an example)" }
                                }
                            }
                            HTML.el(.tbody) {
                                for q in quarantine {
                                    HTML.el(.tr) {
                                        HTML.el(.th, Attribute("scope", "row")) { q.source }
                                        HTML.el(.td) { q.stream }
                                        HTML.el(.td, .class("num")) {
                                            HTML.metric("quarantine.\(q.source).\(q.stream)", Format.integer(q.count), exact: String(q.count))
                                        }
                                        HTML.el(.td) {
                                            HTML.el(.ul) {
                                                for r in q.reasons {
                                                    HTML.el(.li) {
                                                        HTML.el(.code) { r.code ?? "uncoded" }
                                                        " ×\(r.count): " + Scrub.error(r.example)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            HTML.el(.p, .class("api")) {
                "Same rows: "; HTML.el(.code) { "journeylake sources" }; " · "; HTML.el(.code) { "GET /v1/sources" }
            }
        }
        return DashboardReply.page(html)
    }
}
