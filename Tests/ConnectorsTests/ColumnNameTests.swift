import Testing

@testable import Connectors

/// A mapping's fallback names find a column or JSON key however the export spells it.
struct ColumnNameTests {
    static let names = [
        "Email Address", "email_address", "EmailAddress", "emailAddress", "EMAIL-ADDRESS", "email address ",
        "Email Addresses", "Email Addres", "mail Address", "", " ", "_", "E", "e", "Lead Score 2", "lead_score_2",
        "Lead Score", "Adresse électronique", "adresse_ÉLECTRONIQUE", "Adresse electronique", "Straße", "STRASSE",
        "Ⅻ Roman", "中文 名", "中文名",
    ]

    @Test func comparingInPlaceAgreesWithLoosening() {
        for a in Self.names {
            for b in Self.names {
                let loosened = ColumnIndex.loosen(b)
                #expect(ColumnIndex.loosens(a, to: loosened) == (ColumnIndex.loosen(a) == loosened), "\(a) vs \(b)")
            }
        }
    }

    @Test func aJSONRowFindsAKeyByAnySpellingAndOnlyThatKey() {
        let row = SourceRow(
            json: ["Email Address": .string("maya@example.com"), "lead_score": .int(12), "Ort": .string("Köln")],
            origin: "page 1", nullMarkers: [])
        #expect(row.text("emailAddress") == "maya@example.com")
        #expect(row.text("EMAIL_ADDRESS") == "maya@example.com")
        #expect(row.text("Email Addresses") == nil)
        #expect(row.text("Lead Score") == "12")
        #expect(row.text("leadscore2") == nil)
        #expect(row.text("ORT") == "Köln")
    }
}
