import Foundation
import HTTPTypes
import Hummingbird
import Insights
import Logging

/// Who is looking at a page: a live session, the scope its token has now, and the session's CSRF
/// token for the page's forms.
struct Viewer: Sendable {
    let sessionId: String
    let scope: TokenScope
    let csrf: String

    /// Write (or admin) may mark suggestions done or dismissed.
    var mayGiveFeedback: Bool { scope >= .write }
}

/// A dashboard failure as a person reads it: a status and a sentence that says what to do.
struct DashboardError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    static let forbiddenPost = DashboardError(
        status: .forbidden, message: "This form has expired or did not come from this dashboard. Reload the page and try again.")
    static let needsWrite = DashboardError(
        status: .forbidden, message: "Marking suggestions needs a token with scope write or admin; log in with one.")
}

/// The dashboard: server-rendered pages under `/ui/` on the API's listener, behind sessions made
/// from the API's tokens. It reads through the same store reader and Insights reports as the API,
/// so a page's numbers are the API's; it writes only through the daemon's feedback recorder.
struct Dashboard: Sendable {
    let api: API

    static let sessionCookie = "jl_session"
    /// The login form's double-submit CSRF cookie: a post must carry the same value in a field.
    static let loginCookie = "jl_login"

    var sessions: DashboardSessions { api.sessions }

    func register(on router: Router<API.Context>) {
        router.get("/ui/assets/app.css") { _, _ in DashboardReply.asset(DashboardAssets.css, contentType: "text/css; charset=utf-8") }
        router.get("/ui/assets/app.js") { _, _ in DashboardReply.asset(DashboardAssets.js, contentType: "text/javascript; charset=utf-8") }
        router.get("/ui/login") { request, _ in try await self.loginPage(request) }
        router.post("/ui/login") { request, _ in try await self.loginPost(request) }
        post(router, "/ui/logout") { _, _, viewer in
            self.sessions.end(id: viewer.sessionId)
            return DashboardReply.redirect(Link("/ui/login", [("notice", Notice.loggedOut.rawValue)]), cookies: [self.expiredSessionCookie()])
        }
        page(router, "/ui/") { request, _, viewer in try await self.overview(request, viewer) }
        page(router, "/ui/next-actions") { request, _, viewer in try await self.nextActions(request, viewer) }
        post(router, "/ui/next-actions/feedback") { request, form, viewer in try await self.feedback(request, form, viewer) }
        page(router, "/ui/persons") { request, _, viewer in try await self.persons(request, viewer) }
        page(router, "/ui/persons/{id}") { request, context, viewer in
            try await self.journey(request, id: try context.parameters.require("id"), viewer)
        }
        page(router, "/ui/attribution") { request, _, viewer in try await self.attribution(request, viewer) }
        page(router, "/ui/sources") { request, _, viewer in try await self.sources(request, viewer) }
        page(router, "/ui/**") { _, _, viewer in
            throw DashboardError(status: .notFound, message: "There is no such page. The menu above lists them.")
        }
    }

    // MARK: Sessions

    /// The viewer of a request: its session cookie names a live session whose token is still in
    /// the tokens file.
    func viewer(_ request: Request) -> Viewer? {
        guard let id = request.cookies[Self.sessionCookie]?.value, let session = sessions.session(id: id) else { return nil }
        guard let scope = api.state.current.tokens.scope(digest: session.tokenDigest) else {
            sessions.end(id: id)
            return nil
        }
        return Viewer(sessionId: id, scope: scope, csrf: session.csrf)
    }

    /// A page: without a session, the login form, which sends the browser back here after.
    func page(
        _ router: Router<API.Context>, _ path: String,
        _ body: @escaping @Sendable (Request, API.Context, Viewer) async throws -> Response
    ) {
        router.get(RouterPath(path)) { request, context in
            guard let viewer = self.viewer(request) else {
                let query = request.uri.query.map { "?" + $0 } ?? ""
                let back = Link(returnTo: request.uri.path + query)
                return DashboardReply.redirect(Link("/ui/login", [("next", back?.text)]))
            }
            return try await self.rendering(viewer) { try await body(request, context, viewer) }
        }
    }

    /// A form post: a session, a same-origin request and the session's CSRF token, or 403.
    func post(
        _ router: Router<API.Context>, _ path: String,
        _ body: @escaping @Sendable (Request, FormBody, Viewer) async throws -> Response
    ) {
        router.post(RouterPath(path)) { request, _ in
            guard let viewer = self.viewer(request) else { return DashboardReply.redirect(Link("/ui/login")) }
            return try await self.rendering(viewer) {
                let form = try await FormBody.read(request)
                guard Self.isSameOrigin(request), let sent = form["csrf"], DashboardSessions.same(sent, viewer.csrf) else {
                    throw DashboardError.forbiddenPost
                }
                return try await body(request, form, viewer)
            }
        }
    }

    /// Turns a failure into a page: the API's and the dashboard's errors say what to do; anything
    /// else is logged by type only (it may quote a row) and shown as a plain 500.
    func rendering(_ viewer: Viewer?, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as DashboardError {
            return errorPage(error, viewer)
        } catch let error as APIError {
            return errorPage(DashboardError(status: error.status, message: error.message), viewer)
        } catch {
            api.logger.error("dashboard page failed", metadata: ["error_type": "\(type(of: error))"])
            return errorPage(DashboardError(status: .internalServerError, message: "The page could not be made; the server log has the error type."), viewer)
        }
    }

    func errorPage(_ error: DashboardError, _ viewer: Viewer?) -> Response {
        let html = Layout.page(title: error.status.reasonPhrase, section: nil, viewer: viewer) {
            HTML.el(.h1) { error.status.reasonPhrase }
            HTML.el(.p, .class("error"), .role("alert")) { error.message }
        }
        return DashboardReply.page(html, status: error.status)
    }

    /// A post whose `Origin` names another site is refused even before its CSRF token is read.
    static func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let authority = request.head.authority, let url = URL(string: origin), let host = url.host else { return false }
        let originAuthority = url.port.map { "\(host):\($0)" } ?? host
        return originAuthority.lowercased() == authority.lowercased()
    }

    // MARK: Login and logout

    /// `GET /ui/login`: the form, or with `token`, the login itself (the query is never logged).
    func loginPage(_ request: Request) async throws -> Response {
        let query = FormBody(query: request)
        let next = Link(returnTo: query["next"])
        if let token = query["token"] {
            guard let response = login(token: token, next: next, request) else {
                // Away from the address with the token in it, so history does not keep it.
                return DashboardReply.redirect(Link("/ui/login", [("notice", Notice.invalidToken.rawValue), ("next", next?.text)]))
            }
            return response
        }
        return loginForm(next: next, notice: query["notice"].flatMap(Notice.init(rawValue:)), request)
    }

    /// `POST /ui/login`: the form's token, with the form's CSRF cookie and field matching.
    func loginPost(_ request: Request) async throws -> Response {
        let form = try await FormBody.read(request)
        let next = Link(returnTo: form["next"])
        guard Self.isSameOrigin(request), let cookie = request.cookies[Self.loginCookie]?.value, let sent = form["csrf"],
              DashboardSessions.same(cookie, sent)
        else {
            return loginForm(next: next, error: DashboardError.forbiddenPost.message, status: .forbidden, request)
        }
        return login(token: form["token"] ?? "", next: next, request)
            ?? loginForm(next: next, notice: .invalidToken, status: .unauthorized, request)
    }

    /// A session for a valid token and the way on; nil when the token matches no line.
    func login(token: String, next: Link?, _ request: Request) -> Response? {
        let digest = TokenFile.digest(of: token.trimmingCharacters(in: .whitespaces))
        guard api.state.current.tokens.scope(digest: digest) != nil else { return nil }
        let id = sessions.create(tokenDigest: digest)
        let cookie = Cookie(
            name: Self.sessionCookie, value: id, maxAge: Int(DashboardSessions.lifetime.components.seconds), path: "/ui",
            secure: Self.isHTTPS(request), httpOnly: true, sameSite: .strict)
        return DashboardReply.redirect(next ?? Link("/ui/"), cookies: [cookie])
    }

    func loginForm(next: Link?, notice: Notice? = nil, error: String? = nil, status: HTTPResponse.Status = .ok, _ request: Request) -> Response {
        let csrf = DashboardSessions.randomToken()
        let cookie = Cookie(
            name: Self.loginCookie, value: csrf, maxAge: 3600, path: "/ui/login", secure: Self.isHTTPS(request), httpOnly: true,
            sameSite: .strict)
        let html = Layout.page(title: "Log in", section: nil, viewer: nil, notice: notice) {
            HTML.el(.h1) { "Log in to JourneyLake" }
            if let error { HTML.el(.p, .class("error"), .role("alert")) { error } }
            HTML.el(.form, Attribute("method", "post"), .action(Link("/ui/login")), .class("login"), .id("login")) {
                HTML.hidden("csrf", csrf)
                if let next { HTML.hidden("next", next.text) }
                HTML.el(.label, .for("token")) { "API token" }
                HTML.element(.input, [
                    .id("token"), .name("token"), .type("password"), Attribute("autocomplete", "current-password"),
                    Attribute("required", flag: true), Attribute("autofocus", flag: true),
                ])
                HTML.el(.button, .type("submit")) { "Log in" }
            }
            HTML.el(.p, .class("hint")) {
                "Any token of the API's tokens file works: read sees every page; write or admin may also mark suggestions done or dismissed. "
                HTML.el(.code) { "journeylake token create --scope read" }
                " makes one."
            }
        }
        return DashboardReply.page(html, status: status, cookies: [cookie])
    }

    func expiredSessionCookie() -> Cookie {
        Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/ui", secure: false, httpOnly: true, sameSite: .strict)
    }

    /// Behind a TLS-terminating proxy that says so, cookies are marked Secure.
    static func isHTTPS(_ request: Request) -> Bool {
        request.headers[.xForwardedProto]?.lowercased() == "https" || request.head.scheme == "https"
    }
}

/// A message a redirect asks the next page to show: a fixed set, so no request can write text
/// into a page through it.
enum Notice: String, Sendable {
    case loggedOut = "logged-out"
    case markedDone = "marked-done"
    case markedDismissed = "marked-dismissed"
    case noOpenSuggestion = "not-open"
    case invalidToken = "invalid-token"

    var message: String {
        switch self {
        case .loggedOut: return "You are logged out."
        case .markedDone: return "Marked done: the prospect's suggestions were worked out again."
        case .markedDismissed: return "Dismissed: it will not be suggested again for a while."
        case .noOpenSuggestion: return "That suggestion is no longer open (taken, ignored or withdrawn meanwhile); the list is up to date."
        case .invalidToken: return "That token is not valid: it matches no line of the tokens file (revoked, or never added)."
        }
    }

    var isError: Bool { self == .noOpenSuggestion || self == .invalidToken }
}
