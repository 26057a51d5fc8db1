import Foundation
import Insights
import JourneyModel
@testable import QueryServer
import Testing

/// The dashboard's safety by construction: escaping, links, the login's return address, error
/// scrubbing, form parsing; and its report week.
@Suite struct DashboardPartsTests {
    @Test func textAndAttributesAreEscapedWhateverTheyHold() {
        let hostile = #"<script>alert("x")</script> & 'quotes'"#
        let html = HTML.el(.p, .class(hostile), Attribute("data-value", hostile)) { hostile }
        #expect(!html.rendered.contains("<script>") && !html.rendered.contains(#""x""#))
        #expect(html.rendered == #"<p class="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;" data-value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>"#)
        #expect(HTML.element(.input, [.name("q"), Attribute("required", flag: true), Attribute("hidden", flag: false)]).rendered
            == #"<input name="q" required>"#)
        // A link is always a path of this server: an id cannot bring a scheme or another host.
        #expect(HTML.link(.person("javascript:alert(1)//\"><x"), "x").rendered
            == #"<a href="/ui/persons/javascript%3Aalert%281%29%2F%2F%22%3E%3Cx">x</a>"#)
        #expect(Link("/ui/next-actions", [("owner", "Rachel Kim & co"), ("stage", nil)]).text == "/ui/next-actions?owner=Rachel%20Kim%20%26%20co")
        #expect(Link("/ui/next-actions").adding("notice", "marked-done").adding("x", "1").text == "/ui/next-actions?notice=marked-done&x=1")
    }

    @Test func theLoginReturnsOnlyToPathsUnderUI() {
        for good in ["/ui/", "/ui", "/ui/next-actions?owner=a&stage=mql", "/ui/persons/p_1", "/ui/attribution?by=campaign"] {
            #expect(Link(returnTo: good)?.text == good, "\(good)")
        }
        for bad in [nil, "", "https://evil.example/ui/", "//evil.example/ui/", "/\\evil.example", "/ui/../v1/sources", "/ui/%2e%2e/v1",
                    "/ui/%2E%2E/v1", "/ui//evil", "/ui/\\evil", "/ui/%5cevil", "/v1/sources", "/uix", "javascript:alert(1)", "/ui/\nSet-Cookie: x",
                    "/ui/./x", "/ui/é"] {
            #expect(Link(returnTo: bad) == nil, "\(bad ?? "nil")")
        }
    }

    @Test func errorsLoseQueriesCredentialsAndOpaqueStringsAndStayShort() {
        let scrubbed = Scrub.error(
            "GET https://api.hubapi.com/crm/v3/objects?hapikey=abc123&after=9 failed: Bearer eyJhbGciOi.x-y_z token=jl_secret password: hunter2 "
                + "id 0123456789abcdef0123456789abcdef01 " + String(repeating: "long ", count: 100))
        for secret in ["abc123", "eyJhbGciOi", "jl_secret", "hunter2", "0123456789abcdef0123456789abcdef01"] {
            #expect(!scrubbed.contains(secret), "\(secret) survived: \(scrubbed)")
        }
        #expect(scrubbed.hasPrefix("GET https://api.hubapi.com/crm/v3/objects?… failed: Bearer … token=… password: … id …"))
        #expect(scrubbed.count == Scrub.limit)
        #expect(Scrub.error("HTTP 503 from Marketo, retried 3 times") == "HTTP 503 from Marketo, retried 3 times")
    }

    @Test func formsDecodePlusPercentAndUTF8AndKeepTheFirstOfARepeatedField() {
        let form = FormBody.parse("csrf=a%2Bb&token=jl_x+y&next=%2Fui%2Fpersons%2Fp_%C3%A9&csrf=second&flag&bad=%zz%4")
        #expect(form["csrf"] == "a+b" && form["token"] == "jl_x y" && form["next"] == "/ui/persons/p_é")
        #expect(form["flag"] == nil && form["bad"] == "%zz%4" && form["missing"] == nil)
    }

    @Test func aReportWeekRunsMondayToMondayAndShowsAsTheAPIsSinceAndUntil() throws {
        let week = try ReportWeek("2025-03-13")
        #expect(week.mondayText == "2025-03-10" && week.sundayText == "2025-03-16")
        #expect(week.period.since?.iso8601.hasPrefix("2025-03-10T00:00:00") == true && week.period.until?.iso8601.hasPrefix("2025-03-17T00:00:00") == true)
        #expect(week.shifted(weeks: -1).mondayText == "2025-03-03")
        #expect(week.quarter.since?.iso8601.hasPrefix("2024-12-16") == true)
        #expect(try ReportWeek("2025-03-10") == week && (try ReportWeek("2025-03-16T23:59:59Z")) == week)
        #expect(throws: DashboardError.self) { try ReportWeek("last tuesday") }
        #expect(Format.percent(0.66667) == "66.7%" && Format.amount(1_234_567.6) == "1,234,568" && Format.integer(-1234) == "-1,234")
    }

    @Test func sessionsEndOnLogoutAndCSRFComparesWholeTokens() {
        let sessions = DashboardSessions()
        let id = sessions.create(tokenDigest: TokenFile.digest(of: "jl_x"))
        let session = sessions.session(id: id)
        #expect(session?.tokenDigest == TokenFile.digest(of: "jl_x") && session?.csrf.count == 43)
        #expect(DashboardSessions.same(session!.csrf, session!.csrf) && !DashboardSessions.same(session!.csrf, String(session!.csrf.dropLast())))
        sessions.end(id: id)
        #expect(sessions.session(id: id) == nil && sessions.session(id: "made-up") == nil)
    }
}
