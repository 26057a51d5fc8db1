import JourneyModel
import Testing

@Suite("Identifier.normalized")
struct IdentifierTests {
    @Test("placeholders and empty values never become identifiers",
          arguments: [
            "", "   ", "\n", "null", "NULL", "Null", "nil", "none", "None", "n/a", "N/A", "na", "NA", "-",
            "undefined", "#N/A", " #n/a ", "  null  ",
          ])
    func placeholders(raw: String) {
        #expect(IdentifierNormalizer.cleanedValue(raw) == nil, "'\(raw)'")
        for kind in [IdentifierKind.email, .salesforceLead, .hubspotContact, .marketoLead, .domain, "custom_id"] {
            #expect(Identifier.normalized(kind: kind, raw: raw) == nil, "\(kind) '\(raw)'")
        }
    }

    @Test func nilRaw() {
        #expect(Identifier.normalized(kind: .email, raw: nil) == nil)
        #expect(Identifier.normalized(kind: .hubspotContact, raw: nil) == nil)
    }

    @Test("values that merely contain a placeholder word are kept")
    func notPlaceholders() {
        #expect(IdentifierNormalizer.cleanedValue(" nullable ") == "nullable")
        #expect(IdentifierNormalizer.cleanedValue("0") == "0")
        #expect(IdentifierNormalizer.cleanedValue("--") == "--")
    }

    @Test("emails are normalized; malformed emails give nil")
    func emails() {
        #expect(Identifier.normalized(kind: .email, raw: "  Maya.Chen@BrightWave.io ")
            == Identifier(kind: .email, value: "maya.chen@brightwave.io"))
        #expect(Identifier.normalized(kind: .email, raw: "maya at brightwave") == nil)
    }

    @Test("Salesforce ids of every salesforce_ kind are expanded to 18 characters")
    func salesforce() {
        #expect(Identifier.normalized(kind: .salesforceLead, raw: "00Q5g00000Hx2Ka")?.value == "00Q5g00000Hx2KaEAJ")
        #expect(Identifier.normalized(kind: .salesforceContact, raw: " 003RO0000035WQg ")?.value == "003RO0000035WQgYAM")
        #expect(Identifier.normalized(kind: .salesforceAccount, raw: "001D000000IRFmaiah")?.value == "001D000000IRFmaIAH")
        #expect(Identifier.normalized(kind: "salesforce_opportunity", raw: "006000000000001")?.value == "006000000000001AAA")
        #expect(Identifier.normalized(kind: .salesforceLead, raw: "12345") == nil)
        #expect(Identifier.normalized(kind: "salesforce_campaign", raw: "12345") == nil)
    }

    @Test("domains are normalized")
    func domains() {
        #expect(Identifier.normalized(kind: .domain, raw: "https://www.Example.com/about")
            == Identifier(kind: .domain, value: "example.com"))
        #expect(Identifier.normalized(kind: .domain, raw: "localhost") == nil)
    }

    @Test("other kinds are only trimmed, case kept")
    func otherKinds() {
        #expect(Identifier.normalized(kind: .hubspotContact, raw: " 51234 ") == Identifier(kind: .hubspotContact, value: "51234"))
        #expect(Identifier.normalized(kind: .marketoLead, raw: "ML-AbC") == Identifier(kind: .marketoLead, value: "ML-AbC"))
    }

    @Test func descriptionAndKinds() {
        #expect(Identifier(kind: .email, value: "a@b.co").description == "email:a@b.co")
        #expect(IdentifierKind.salesforceLead.rawValue == "salesforce_lead")
        #expect(IdentifierKind(rawValue: "hubspot_company") == .hubspotCompany)
    }
}
