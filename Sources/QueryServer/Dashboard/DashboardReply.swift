import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's responses: HTML pages, redirects and the embedded assets, each with the
/// headers that keep a page to itself (no framing, no inline script, no referrer, no caching of
/// data).
enum DashboardReply {
    /// Scripts and styles come from this server only, and nothing inline runs.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func page(_ html: HTML, status: HTTPResponse.Status = .ok, cookies: [Cookie] = []) -> Response {
        var headers = securityHeaders()
        headers[.contentType] = "text/html; charset=utf-8"
        var response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.rendered)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// 303 See Other: the browser follows with a GET, so a reload never posts a form twice.
    static func redirect(_ target: Link, cookies: [Cookie] = []) -> Response {
        var headers = securityHeaders()
        headers[.location] = target.text
        var response = Response(status: .seeOther, headers: headers)
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    static func asset(_ body: StaticString, contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.xContentTypeOptions] = "nosniff"
        // Assets change only with the binary; an hour's caching spares a reload of each page.
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body.description)))
    }

    static func securityHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.xFrameOptions] = "DENY"
        // Addresses never leave this server in a Referer. (Not no-referrer: browsers then send
        // `Origin: null` with a form post, and the posts' origin check needs the real one.)
        headers[.referrerPolicy] = "same-origin"
        headers[.cacheControl] = "no-store"
        return headers
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
}
