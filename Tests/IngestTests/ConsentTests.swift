import Connectors
import Daemon
import Foundation
import JourneyTesting
import Testing

/// Consent is conservative: an opt-out in any system wins until an explicit opt-in after it.
@Suite struct ConsentTests {
    static let yaml = """
          - {name: mkto, type: files, path: mkto, format: marketo-leads-export, settle: 0s}
          - {name: hs, type: files, path: hs, format: hubspot-contacts-export, settle: 0s}

        """

    func consent(_ ws: Workspace) throws -> [String] {
        try ws.strings("SELECT coalesce(consent_email, 'unknown') FROM persons")
    }

    @Test func anOptOutAnywhereWinsUntilALaterExplicitOptIn() async throws {
        let ws = try Workspace()
        try ws.write("mkto/leads-1.csv", "id,email,unsubscribed,updatedAt\n3004,maya.chen@brightwave.io,true,2025-03-01T00:00:00Z\n")
        // HubSpot's newer record says subscribed, but it never said otherwise: not an opt-in.
        try ws.write("hs/contacts-1.csv", "Record ID,Email,Unsubscribed from all email,Last Modified Date\n501,maya.chen@brightwave.io,false,2025-04-01 00:00\n")
        _ = try await ws.ingest(Self.yaml)
        #expect(try consent(ws) == ["0"])

        // She unsubscribes in HubSpot too, then re-subscribes there: an explicit opt-in after the opt-out.
        try ws.write("hs/contacts-2.csv", "Record ID,Email,Unsubscribed from all email,Last Modified Date\n501,maya.chen@brightwave.io,true,2025-05-01 00:00\n")
        _ = try await ws.ingest(Self.yaml)
        #expect(try consent(ws) == ["0"])
        try ws.write("hs/contacts-3.csv", "Record ID,Email,Unsubscribed from all email,Last Modified Date\n501,maya.chen@brightwave.io,false,2025-06-01 00:00\n")
        _ = try await ws.ingest(Self.yaml)
        #expect(try consent(ws) == ["1"])

        // An unrelated later edit of the Marketo lead (still unsubscribed since March) does not undo it.
        try ws.write("mkto/leads-2.csv", "id,email,firstName,unsubscribed,updatedAt\n3004,maya.chen@brightwave.io,Maya,true,2025-07-01T00:00:00Z\n")
        _ = try await ws.ingest(Self.yaml)
        #expect(try consent(ws) == ["1"])

        // A new opt-out in Marketo (subscribed, then unsubscribed again) wins again.
        try ws.write("mkto/leads-3.csv", "id,email,unsubscribed,updatedAt\n3004,maya.chen@brightwave.io,false,2025-08-01T00:00:00Z\n")
        try ws.write("mkto/leads-4.csv", "id,email,unsubscribed,updatedAt\n3004,maya.chen@brightwave.io,true,2025-09-01T00:00:00Z\n")
        _ = try await ws.ingest(Self.yaml)
        #expect(try consent(ws) == ["0"])
    }

    @Test func withoutAnyOptOutConsentIsWhatTheRecordsSayOrUnknown() async throws {
        let ws = try Workspace()
        try ws.write("mkto/leads.csv", "id,email,unsubscribed,updatedAt\n3004,a@brightwave.io,false,2025-03-01T00:00:00Z\n3005,b@brightwave.io,,2025-03-01T00:00:00Z\n")
        _ = try await ws.ingest(Self.yaml)
        #expect(try ws.strings("SELECT primary_email || ' ' || coalesce(consent_email, 'unknown') FROM persons ORDER BY 1")
            == ["a@brightwave.io 1", "b@brightwave.io unknown"])
    }
}
