import AppConfig
import Core
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import Logging
import Tokens

/// Registers the Auth API (`/auth/v1`) on a router: request decoding and response writing only;
/// the flows are `AuthService`'s.
public struct AuthRoutes: Sendable {
    let service: AuthService
    /// Largest JSON body accepted.
    static let bodyLimit = 1 << 20

    let callers: CallerResolver

    public init(service: AuthService, callers: CallerResolver) {
        self.service = service
        self.callers = callers
    }

    /// Paths reached from links and redirects, which carry no API key.
    static let keylessPaths: Set<String> = ["/auth/v1/verify", "/auth/v1/callback", "/auth/v1/authorize", "/auth/v1/.well-known/jwks.json"]

    /// The Auth surface's caller rule: the API key gate (except on the keyless paths), then the
    /// bearer token, when there is one. A refused token fails only the endpoints that need a
    /// user; signing in or up works whatever stale token a client still sends.
    static func caller(of request: Request, callers: CallerResolver) throws -> Caller? {
        let credentials = request.credentials
        let path = request.uri.path.hasSuffix("/") ? String(request.uri.path.dropLast()) : request.uri.path
        if !keylessPaths.contains(path) { _ = try callers.gate(credentials) }
        guard let bearer = credentials.bearer else { return nil }
        do {
            return try callers.resolve(bearer: bearer, apiKey: nil)
        } catch {
            throw CallerDeferral(error)
        }
    }

    public func register(on router: Router<AppRequestContext>) {
        let callers = callers
        let auth = router.group("auth/v1")
            .add(middleware: ErrorMiddleware(AuthError.self, surface: "auth"))
            .add(middleware: CallerMiddleware { request in try Self.caller(of: request, callers: callers) })
        let signedIn = auth.group(context: CallerRequestContext.self)
        auth.post("signup") { request, context in
            let body = try await decode(AuthService.SignUp.self, from: request)
            return Response.json(try await service.signUp(body, redirectTo: redirectTo(request), client: client(request, context)))
        }
        auth.post("token") { request, context in
            switch request.uri.queryParameters["grant_type"].map(String.init) {
            case "password":
                let body = try await decode(AuthService.PasswordGrant.self, from: request)
                return Response.json(try await service.signIn(body, client: client(request, context)))
            case "pkce":
                struct Body: Decodable { var auth_code: String?; var code_verifier: String? }
                let body = try await decode(Body.self, from: request)
                return Response.json(try await service.exchange(authCode: body.auth_code, codeVerifier: body.code_verifier, client: client(request, context)))
            case "refresh_token":
                struct Body: Decodable { var refresh_token: String? }
                let body = try await decode(Body.self, from: request)
                guard let token = body.refresh_token, !token.isEmpty else {
                    throw AuthError.invalidRequest("refresh_token required")
                }
                return Response.json(try await service.refresh(token: token))
            default:
                throw AuthError("invalid_credentials", .badRequest, "unsupported_grant_type")
            }
        }
        signedIn.get("user") { _, context in
            Response.json(try await service.user(of: context.caller).userJSON)
        }
        signedIn.put("user") { request, context in
            let body = try await decode(AuthService.UserUpdate.self, from: request)
            return Response.json(try await service.updateUser(body, caller: context.caller, client: client(request, context)))
        }
        signedIn.get("reauthenticate") { request, context in
            try await service.reauthenticate(caller: context.caller, client: client(request, context))
            return Response.json("{}")
        }
        signedIn.post("factors") { request, context in
            let body = try await decode(AuthService.Enrolment.self, from: request)
            return Response.json(try await service.enrol(body, caller: context.caller))
        }
        signedIn.post("factors/{id}/challenge") { request, context in
            Response.json(try await service.challenge(factor: try context.parameters.require("id"), caller: context.caller, client: client(request, context)))
        }
        signedIn.post("factors/{id}/verify") { request, context in
            let body = try await decode(AuthService.FactorVerification.self, from: request)
            return Response.json(try await service.verifyFactor(factor: try context.parameters.require("id"), body, caller: context.caller))
        }
        signedIn.delete("factors/{id}") { _, context in
            Response.json(try await service.unenrol(factor: try context.parameters.require("id"), caller: context.caller))
        }
        signedIn.post("logout") { request, context in
            try await service.logout(caller: context.caller, scope: request.uri.queryParameters["scope"].map(String.init))
            return Response(status: .noContent)
        }
        auth.post("recover") { request, context in
            struct Body: Decodable { var email: String? }
            let body = try await decode(Body.self, from: request)
            try await service.recover(email: body.email, redirectTo: redirectTo(request), client: client(request, context))
            return Response.json("{}")
        }
        auth.post("otp") { request, context in
            let body = try await decode(AuthService.OTPRequest.self, from: request)
            try await service.sendOTP(body, redirectTo: redirectTo(request), client: client(request, context))
            return Response.json("{}")
        }
        auth.post("resend") { request, context in
            let body = try await decode(AuthService.ResendRequest.self, from: request)
            try await service.resend(body, redirectTo: redirectTo(request), client: client(request, context))
            return Response.json("{}")
        }
        signedIn.post("invite") { request, context in
            let body = try await decode(AuthService.InviteRequest.self, from: request)
            return Response.json(try await service.invite(body, redirectTo: redirectTo(request), caller: context.caller))
        }
        signedIn.post("admin/generate_link") { request, context in
            let body = try await decode(AuthService.LinkRequest.self, from: request)
            return Response.json(try await service.generateLink(body, redirectTo: redirectTo(request), caller: context.caller))
        }
        auth.post("verify") { request, context in
            let body = try await decode(AuthService.Verification.self, from: request)
            return Response.json(try await service.verify(body, client: client(request, context)))
        }
        // The link of a mail: redeems the token and sends the person on, the outcome in the fragment.
        auth.get("verify") { request, context in
            let query = request.uri.queryParameters
            let location = await service.verifyLink(
                tokenHash: query["token"].map(String.init), type: query["type"].map(String.init),
                redirectTo: redirectTo(request), client: client(request, context))
            return Response(status: .seeOther, headers: [.location: location])
        }
        auth.get("authorize") { request, context in
            let query = request.uri.queryParameters
            let started = try await service.authorize(AuthService.AuthorizeRequest(
                provider: query["provider"].map(String.init), redirectTo: redirectTo(request), scopes: query["scopes"].map(String.init),
                codeChallenge: query["code_challenge"].map(String.init), codeChallengeMethod: query["code_challenge_method"].map(String.init)),
                client: client(request, context))
            return Response(status: .found, headers: [.location: started.location, .setCookie: started.cookie])
        }
        // The provider's answer: in the query (GET), or posted as a form (Apple's form_post).
        auth.get("callback") { request, context in
            let query = request.uri.queryParameters
            let location = await service.callback(
                code: query["code"].map(String.init), state: query["state"].map(String.init), error: query["error"].map(String.init),
                cookie: Self.cookie(AuthService.flowCookie, in: request), client: client(request, context))
            return Response(status: .found, headers: [.location: location, .setCookie: Self.expiredFlowCookie])
        }
        auth.post("callback") { request, context in
            let form = Self.form(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
            let location = await service.callback(
                code: form["code"], state: form["state"], error: form["error"], cookie: Self.cookie(AuthService.flowCookie, in: request),
                client: client(request, context))
            return Response(status: .found, headers: [.location: location, .setCookie: Self.expiredFlowCookie])
        }
        auth.get("settings") { _, _ in Response.json(settingsBody) }
        auth.get("health") { _, _ in
            Response.json(#"{"version":"visionary","name":"GoTrue","description":"Visionary Server's Supabase-compatible Auth API"}"#)
        }
        let keys = service
        auth.get(".well-known/jwks.json") { _, _ in Response.json(keys.jwks()) }

        let admin = signedIn.group("admin/users")
        admin.post { request, context in
            let body = try await decode(AuthService.AdminAttributes.self, from: request)
            return Response.json(try await service.adminCreate(body, caller: context.caller))
        }
        admin.get { request, context in
            let query = request.uri.queryParameters
            let listing = try await service.adminList(
                page: query["page"].map(String.init), perPage: query["per_page"].map(String.init), caller: context.caller)
            let lastPage = max(1, (listing.total + listing.perPage - 1) / listing.perPage)
            var links: [String] = []
            if listing.page < lastPage {
                links.append(#"</admin/users?page=\#(listing.page + 1)&per_page=\#(listing.perPage)>; rel="next""#)
            }
            links.append(#"</admin/users?page=\#(lastPage)&per_page=\#(listing.perPage)>; rel="last""#)
            return Response.json(listing.body, headers: [.xTotalCount: String(listing.total), .link: links.joined(separator: ", ")])
        }
        admin.get("{id}") { request, context in
            Response.json(try await service.adminGet(id: try context.parameters.require("id"), caller: context.caller))
        }
        admin.get("{id}/factors") { _, context in
            Response.json(try await service.adminFactors(id: try context.parameters.require("id"), caller: context.caller))
        }
        admin.delete("{id}/factors/{factor}") { _, context in
            Response.json(try await service.adminDeleteFactor(
                user: try context.parameters.require("id"), factor: try context.parameters.require("factor"), caller: context.caller))
        }
        admin.put("{id}") { request, context in
            let body = try await decode(AuthService.AdminAttributes.self, from: request)
            return Response.json(try await service.adminUpdate(id: try context.parameters.require("id"), body, caller: context.caller))
        }
        admin.delete("{id}") { request, context in
            struct Body: Decodable { var should_soft_delete: Bool? }
            let body = try await decode(Body.self, from: request)
            try await service.adminDelete(
                id: try context.parameters.require("id"), softly: body.should_soft_delete ?? false, caller: context.caller)
            return Response.json("{}")
        }
    }

    static let expiredFlowCookie = "\(AuthService.flowCookie)=; Path=/auth/v1/callback; Max-Age=0; HttpOnly"

    /// The value of cookie `name` in the request's `Cookie` headers.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name { return String(parts[1]) }
            }
        }
        return nil
    }

    /// A form-encoded body's fields (`+` as a space).
    static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]) else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }

    var settingsBody: String {
        let settings = service.settings
        // Every provider GoTrue lists, true for those configured here (and any other name configured).
        var external: [String: JSONValue] = ["email": .bool(true), "phone": .bool(false), "anonymous_users": .bool(settings.anonymousSignIns)]
        for name in ["apple", "azure", "bitbucket", "discord", "facebook", "github", "gitlab", "google", "keycloak", "linkedin", "notion",
                     "slack", "spotify", "twitch", "twitter", "workos", "zoom"] { external[name] = .bool(false) }
        for provider in settings.oauthProviders { external[provider.name] = .bool(true) }
        return #"{"external":\#(JSONValue.object(external).jsonText),"disable_signup":\#(settings.disableSignup),"#
            + #""mailer_autoconfirm":\#(settings.autoconfirm),"phone_autoconfirm":false,"sms_provider":"","saml_enabled":false}"#
    }

    /// `redirect_to` of the query, as supabase-js sends `emailRedirectTo` and `redirectTo`.
    func redirectTo(_ request: Request) -> String? {
        request.uri.queryParameters["redirect_to"].map(String.init)
    }

    func client(_ request: Request, _ context: some AddressedRequestContext) -> ClientInfo {
        ClientInfo(address: context.remoteAddress, userAgent: request.headers[.userAgent])
    }

    /// The JSON body as `T`; an empty body reads as `{}`, anything unparsable is `bad_json`, and
    /// a NUL character anywhere (which PostgreSQL cannot store) is `validation_failed`.
    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body(upTo: Self.bodyLimit)
        } catch {
            throw AuthError("request_too_large", .contentTooLarge, "Request body is too large")
        }
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer.readableBytesView)
        if data.jsonContainsNUL { throw AuthError.nulCharacter }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw AuthError.badJSON
        }
    }
}

extension HTTPField.Name {
    static let xTotalCount = Self("X-Total-Count")!
    static let link = Self("Link")!
}
