import Foundation
import Insights
import JourneyConfig
import JourneyModel
import JourneyStore
import JourneyTesting
import Testing

/// Ideal-customer-profile fit by country and SIC code, through the store: countries in any
/// spelling, SIC codes by prefix, the account's attributes first and the person's own record
/// (a lead's company fields) when the account does not say.
@Suite struct FirmographicFitTests {
    @Test func countriesAndSICCodesAreReadInAnySpellingAndMatchedAsDefined() throws {
        for (raw, code) in [("United States", "US"), ("usa", "US"), ("U.S.", "US"), ("Deutschland", "DE"), ("DEU", "DE"), ("de", "DE"),
                            ("United Kingdom", "GB"), ("UK", "GB"), ("Côte d’Ivoire", "CI"), ("Österreich", "AT"), ("Brasil", "BR")] {
            #expect(Country.code(for: raw) == code, "\(raw)")
        }
        #expect(Country.normalize("  Atlantis ") == "Atlantis", "an unknown country is kept as written")
        #expect(Country.normalize("   ") == nil)
        #expect(SICCode.normalize("7372 - Prepackaged Software") == "7372")
        #expect(SICCode.normalize("Software") == nil)
        #expect(SICCode.matches("7372", anyOf: ["73"]))
        #expect(SICCode.matches("7372", anyOf: ["80", "737"]))
        #expect(!SICCode.matches("8011", anyOf: ["73", "7372"]))

        let defs = try StageEngineTests.definitions("""
              mql: { fit: { countries: [Germany, US], industries: [Machinery], sic_codes: ["73"] } }
            """)
        #expect(defs.mql.fit.countries == ["DE", "US"])
        let scorer = Scorer(defs)
        // Industry by name or by SIC code: one criterion, either way.
        let software = JourneyFacts(personId: "a", country: "USA", account: CompanyProfile(industry: "Software", sicCode: "7372"))
        #expect(scorer.fit(software).fits)
        #expect(scorer.fit(software).matched == ["SIC 7372", "country US"])
        let machinery = JourneyFacts(personId: "b", account: CompanyProfile(industry: "machinery", country: "DE"))
        #expect(scorer.fit(machinery).matched == ["industry machinery", "country DE"], "the person's country, else the company's")
        let france = JourneyFacts(personId: "c", country: "France", account: CompanyProfile(industry: "Machinery", country: "DE"))
        #expect(!scorer.fit(france).fits, "the person's own country comes first")
        let hospital = JourneyFacts(personId: "d", country: "US", account: CompanyProfile(industry: "Hospital", sicCode: "8062"))
        #expect(!scorer.fit(hospital).fits)
        #expect(!scorer.fit(JourneyFacts(personId: "e", country: "US")).fits, "an unknown industry does not fit")
    }

    @Test func anUnknownCountryOrABadSICCodeInTheDefinitionsIsAnErrorNamingItsLine() throws {
        for (fit, message) in [("countries: [US, Atlantis]", "'Atlantis' is not a country"), ("sic_codes: [\"73\", software]", "'software' is not a SIC code")] {
            let config = try JourneyLakeConfig.parse(yaml: """
                store: { path: /tmp/x.sqlite }
                sources:
                  - { name: s, type: files, path: x, format: csv }
                definitions:
                  mql: { fit: { \(fit) } }
                """, file: "fit.yaml")
            #expect {
                _ = try Definitions(node: config.definitions)
            } throws: { error in
                "\(error)".contains("fit.yaml:5") && "\(error)".contains(message)
            }
        }
    }

    static let leads = """
        "Id","LastName","Email","Company","Country","Industry","NumberOfEmployees","Status","CreatedDate","LastModifiedDate","SystemModstamp"
        "00Q5g00000Hx2KdEAJ","Becker","tom.becker@ostfeld-mb.de","Ostfeld","Deutschland","Machinery","420","Open - Not Contacted","2025-01-28T08:00:00.000Z","2025-02-05T10:32:11.000Z","2025-02-05T10:32:11.000Z"
        """
    static let accounts = """
        "Id","Name","Website","Industry","BillingCountry","Sic","CreatedDate","LastModifiedDate","SystemModstamp"
        "0015g00000Nw1aCAAR","Kestrel","kestrel.example","Software","USA","7372 - Prepackaged Software","2024-11-05T17:18:00.000Z","2025-03-20T10:00:00.000Z","2025-03-20T10:00:00.000Z"
        """
    static let contacts = """
        "Id","AccountId","LastName","Email","MailingCountry","CreatedDate","LastModifiedDate","SystemModstamp"
        "0035g00000Pq7RcAAJ","0015g00000Nw1aCAAR","Walsh","liam.walsh@kestrel.example","","2024-11-05T17:20:00.000Z","2025-03-19T16:02:44.000Z","2025-03-19T16:02:44.000Z"
        """

    @Test func theStoreKeepsCountriesAndSICCodesAndFitFallsBackToTheLeadsOwnCompanyFields() async throws {
        let ws = try Workspace()
        try ws.write("sf/Lead.csv", Self.leads)
        try ws.write("sf/Account.csv", Self.accounts)
        try ws.write("sf/Contact.csv", Self.contacts)
        let defs = try StageEngineTests.definitions("""
              mql: { fit: { countries: [DE, United States], industries: [Machinery], sic_codes: ["73"] } }
            """)
        let deriver = InsightsDeriver(definitions: defs, now: { DeriveTests.now })
        _ = try await ws.ingest("  - {name: sf, type: files, path: sf, format: salesforce-data-export}\n", derivers: [deriver])
        #expect(try ws.strings("SELECT country || ' ' || sic_code FROM accounts WHERE name = 'Kestrel'") == ["US 7372"])
        #expect(try ws.strings("SELECT primary_email || ' ' || coalesce(country, '-') FROM persons ORDER BY 1") == [
            "liam.walsh@kestrel.example -", "tom.becker@ostfeld-mb.de DE",
        ])
        #expect(try ws.strings("""
            SELECT p.primary_email || ': ' || f.fact FROM score_facts f JOIN persons p USING (person_id) WHERE f.kind = 'fit' ORDER BY 1
            """) == [
            "liam.walsh@kestrel.example: SIC 7372", "liam.walsh@kestrel.example: country US",
            "tom.becker@ostfeld-mb.de: country DE", "tom.becker@ostfeld-mb.de: industry Machinery",
        ])
    }
}
