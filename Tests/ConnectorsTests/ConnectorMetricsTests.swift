import Connectors
import Daemon
import Foundation
import JourneyTesting
import Metrics
import MetricsTestKit
import Testing

/// Retries, failures and record outcomes are counted per source (swift-metrics; the daemon's
/// exporter publishes them), so an operator sees a struggling source before it fails.
@Suite struct ConnectorMetricsTests {
    static let metrics: TestMetrics = {
        let m = TestMetrics()
        MetricsSystem.bootstrap(m)
        return m
    }()

    @Test func retriesAndRecordOutcomesAreCountedPerSource() async throws {
        let metrics = Self.metrics
        let ws = try Workspace()
        try ws.write("secrets/hubspot-token", "pat-test-token\n")
        let emulator = HubSpotEmulator()
        try await emulator.seedFromFixtures()
        let server = try await ReplayServer { request in await emulator.handle(request) }
        defer { Task { await server.stop() } }
        await emulator.injectBeforeSearch(1, .status(429, body: #"{"status":"error","policyName":"TEN_SECONDLY_ROLLING"}"#, retryAfter: nil))
        // The window is used up after each page: the connector waits it out instead of hitting a 429.
        await emulator.setRateLimitHeaders([
            "X-HubSpot-RateLimit-Remaining": "0", "X-HubSpot-RateLimit-Interval-Milliseconds": "20", "X-HubSpot-RateLimit-Max": "190",
            "X-HubSpot-RateLimit-Daily-Remaining": "249000",
        ])
        let out = try await ws.ingest("""
              - name: hubspot-metrics
                type: hubspot
                base_url: \(server.baseURL.absoluteString)
                token: { file: secrets/hubspot-token }
                streams: [contacts]
                retry: { max_attempts: 3, base_delay: 10ms, max_delay: 50ms }

            """)
        #expect(out[0].report.status == .ok)
        #expect(try metrics.expectCounter("journeylake_http_retries_total", [("source", "hubspot-metrics")]).totalValue == 1)
        #expect(try metrics.expectCounter("journeylake_http_paced_total", [("source", "hubspot-metrics")]).totalValue >= 1)
        #expect(try metrics.expectCounter("journeylake_http_requests_total", [("source", "hubspot-metrics"), ("status", "429")]).totalValue == 1)
        #expect(try metrics.expectGauge("journeylake_api_quota_remaining", [("source", "hubspot-metrics")]).lastValue == 249_000)
        #expect(try metrics.expectCounter(
            "journeylake_records_total", [("source", "hubspot-metrics"), ("stream", "contacts"), ("outcome", "new")]).totalValue == 8)
    }

    @Test func quarantinesAreCountedPerReasonCode() async throws {
        let metrics = Self.metrics
        let ws = try Workspace()
        try ws.write("m/activities.csv", """
            marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes
            1,3004,2025-02-20T16:16:51Z,10,null,1,Newsletter,null
            2,,2025-02-20T16:16:52Z,10,null,1,Newsletter,null
            3,,2025-02-20T16:16:53Z,10,null,1,Newsletter,null
            4,3004,someday,10,null,1,Newsletter,null

            """)
        _ = try await ws.ingest("  - {name: quarantine-metrics, type: files, path: m, format: marketo-activities-export}\n")
        func quarantined(_ reason: String) throws -> Int64 {
            try metrics.expectCounter(
                "journeylake_quarantined_total", [("source", "quarantine-metrics"), ("stream", "activities"), ("reason", reason)]
            ).totalValue
        }
        #expect(try quarantined("no_identifier") == 2)
        #expect(try quarantined("unparseable_timestamp") == 1)
        #expect(try metrics.expectCounter(
            "journeylake_records_total", [("source", "quarantine-metrics"), ("stream", "activities"), ("outcome", "quarantined")]
        ).totalValue == 3)
    }
}
