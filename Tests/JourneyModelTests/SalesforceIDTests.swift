import JourneyModel
import Testing

@Suite("SalesforceID")
struct SalesforceIDTests {
    @Test("15-character ids gain the checksum suffix",
          arguments: [
            ("001D000000IRFma", "001D000000IRFmaIAH"),
            ("003RO0000035WQg", "003RO0000035WQgYAM"),
            ("00Q5g00000Hx2Ka", "00Q5g00000Hx2KaEAJ"),
            ("000000000000000", "000000000000000AAA"),
            ("AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA555"),
            ("aaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaAAA"),
          ])
    func fifteenToEighteen(input: String, expected: String) {
        #expect(SalesforceID.normalize(input) == expected)
    }

    @Test("ids differing only in case are different ids")
    func caseSensitive() {
        let upper = SalesforceID.normalize("00Q5g00000HX2KA")
        let lower = SalesforceID.normalize("00Q5g00000Hx2Ka")
        #expect(upper != nil && lower != nil)
        #expect(upper != lower)
    }

    @Test("an 18-character id comes back unchanged",
          arguments: ["001D000000IRFmaIAH", "003RO0000035WQgYAM", "00Q5g00000Hx2KaEAJ"])
    func eighteenUnchanged(id: String) {
        #expect(SalesforceID.normalize(id) == id)
        #expect(SalesforceID.normalize(" \(id) ") == id)
    }

    @Test("a lower-cased or wrong checksum suffix is repaired")
    func suffixRepaired() {
        #expect(SalesforceID.normalize("001D000000IRFmaiah") == "001D000000IRFmaIAH")
        #expect(SalesforceID.normalize("003RO0000035WQgyam") == "003RO0000035WQgYAM")
        #expect(SalesforceID.normalize("00Q5g00000Hx2KaAAA") == "00Q5g00000Hx2KaEAJ")
    }

    @Test("wrong lengths and characters give nil",
          arguments: [
            "", "001D000000IRFm", "001D000000IRFmaI", "001D000000IRFmaIA", "001D000000IRFmaIAHX",
            "001D000000IRF-a", "001D00000 IRFma", "001D000000IRFm\u{e9}", "001D000000_RFmaIAH", "not-an-id",
          ])
    func rejects(input: String) {
        #expect(SalesforceID.normalize(input) == nil, "'\(input)'")
    }

    @Test("an 18-character value whose suffix is not checksum characters is not an id")
    func badSuffixCharacters() {
        #expect(SalesforceID.normalize("001D000000IRFma!!!") == nil)
        #expect(SalesforceID.normalize("001D000000IRFma-x_") == nil)
    }

    @Test("key prefixes name their object",
          arguments: [
            ("00Q5g00000Hx2Ka", "Lead"), ("003RO0000035WQg", "Contact"), ("001D000000IRFma", "Account"),
            ("006", "Opportunity"), ("008", "OpportunityHistory"), ("00T", "Task"), ("00U", "Event"),
            ("701", "Campaign"), ("00v", "CampaignMember"), ("00K", "OpportunityContactRole"),
          ])
    func objectNames(id: String, object: String) {
        #expect(SalesforceID.objectName(forKeyPrefix: id) == object)
    }

    @Test("unknown or case-changed prefixes name nothing")
    func unknownPrefixes() {
        #expect(SalesforceID.objectName(forKeyPrefix: "00q5g00000Hx2Ka") == nil)
        #expect(SalesforceID.objectName(forKeyPrefix: "00V") == nil)
        #expect(SalesforceID.objectName(forKeyPrefix: "999000000000000") == nil)
        #expect(SalesforceID.objectName(forKeyPrefix: "00") == nil)
        #expect(SalesforceID.objectName(forKeyPrefix: "") == nil)
    }
}
