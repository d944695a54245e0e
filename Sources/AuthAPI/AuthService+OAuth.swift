import AppConfig
import Core
import Crypto
import Database
import Foundation
import HTTPTypes
import Logging
import Tokens

/// Sign-in with OAuth and OpenID Connect providers, as GoTrue does it: `/authorize` starts a
/// flow and sends the browser to the provider; the provider's `/callback` ends it, finds or
/// makes the user, and sends the browser back to an allowed `redirect_to` — with a one-time code
/// for `token?grant_type=pkce` (PKCE), or the session in the fragment (implicit). A provider's
/// email links to an existing account only when the provider verified it.
extension AuthService {
    static let oauthLogger = Logger(label: "visionary.auth.oauth")
    /// The cookie that ties a flow to the browser that started it (no login CSRF: a callback
    /// link sent to someone else finds no cookie).
    static let flowCookie = "sb-oauth-flow"

    /// How long a flow waits for the provider's callback, and its code for the exchange.
    static let flowLifetime = 600
    static let authCodeLifetime = 300

    public struct AuthorizeRequest: Sendable {
        public var provider: String?
        public var redirectTo: String?
        public var scopes: String?
        public var codeChallenge: String?
        public var codeChallengeMethod: String?

        public init(provider: String?, redirectTo: String?, scopes: String?, codeChallenge: String?, codeChallengeMethod: String?) {
            self.provider = provider
            self.redirectTo = redirectTo
            self.scopes = scopes
            self.codeChallenge = codeChallenge
            self.codeChallengeMethod = codeChallengeMethod
        }
    }

    var callbackURL: String { settings.publicURL + "/auth/v1/callback" }

    /// `GET /authorize`: where to send the browser (the provider's authorize page), and the
    /// `Set-Cookie` value binding the flow to that browser.
    public func authorize(_ request: AuthorizeRequest, client: ClientInfo) async throws -> (location: String, cookie: String) {
        // Each call stores a flow: limited per client address like sign-ups.
        try await enforceRateLimit("authorize", address: client.address, email: nil)
        guard let name = request.provider?.lowercased(), let provider = oauth.providers[name] else {
            throw AuthError("validation_failed", .badRequest, "Unsupported provider: provider \(request.provider ?? "") could not be found")
        }
        let redirect = redirects.destination(request.redirectTo)
        var challenge: String?, method: String?
        if let given = request.codeChallenge, !given.isEmpty {
            let chosen = (request.codeChallengeMethod ?? "s256").lowercased()
            guard ["s256", "plain"].contains(chosen), given.utf8.count >= 43, given.utf8.count <= 128,
                  given.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "-._~".unicodeScalars.contains($0) })
            else { throw AuthError.validation("code challenge does not match previously saved code verifier") }
            (challenge, method) = (given, chosen)
        }
        let nonce = refreshTokens.random()
        // Our own PKCE toward the provider (Apple has none): its code works only in this flow.
        let providerVerifier: String? = provider.kind == .apple ? nil : refreshTokens.random() + refreshTokens.random()
        let endpoints: OAuthClient.Endpoints
        do {
            endpoints = try await oauth.endpoints(provider)
        } catch {
            throw AuthError("provider_unavailable", .badGateway, "The provider's configuration could not be read")
        }
        try await database.execute(SQLStatement("DELETE FROM auth.flow_state WHERE created_at < now() - interval '1 day'"))
        guard let state = try await database.text(SQLStatement("""
            INSERT INTO auth.flow_state (provider, redirect_to, code_challenge, code_challenge_method, nonce, provider_verifier)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text
            """, [.text(name), .text(redirect), challenge.map(SQLValue.text) ?? .null, method.map(SQLValue.text) ?? .null, .text(nonce),
                  providerVerifier.map(SQLValue.text) ?? .null]))
        else { throw AuthError.unexpected }
        var query: [(String, String)] = [
            ("client_id", provider.clientID), ("redirect_uri", callbackURL), ("response_type", "code"),
            ("scope", [provider.scopes, request.scopes].compactMap { $0 }.joined(separator: " ")), ("state", state),
        ]
        if provider.kind != .github { query.append(("nonce", nonce)) }
        if let providerVerifier {
            query += [("code_challenge", APIKeys.base64URL(Data(SHA256.hash(data: Data(providerVerifier.utf8))))), ("code_challenge_method", "S256")]
        }
        // Apple posts the user's name and email back, the only way it sends them.
        if provider.kind == .apple { query.append(("response_mode", "form_post")) }
        let separator = endpoints.authorization.contains("?") ? "&" : "?"
        let location = endpoints.authorization + separator + query.map { "\($0.0.uriComponentEncoded)=\($0.1.uriComponentEncoded)" }.joined(separator: "&")
        // Apple posts its callback across sites: over https the cookie must be SameSite=None to come along.
        let secure = settings.publicURL.lowercased().hasPrefix("https://")
        let cookie = "\(Self.flowCookie)=\(RefreshTokens.hash(state)); Path=/auth/v1/callback; Max-Age=\(Self.flowLifetime); HttpOnly"
            + (secure ? "; Secure; SameSite=None" : "; SameSite=Lax")
        return (location, cookie)
    }

    /// `GET|POST /callback`: the provider's answer. Always a place to send the browser: the
    /// flow's `redirect_to` with a code, a session or an error (never another address).
    public func callback(code: String?, state: String?, error providerError: String?, cookie: String?, client: ClientInfo) async -> String {
        struct Flow: Decodable { let provider: String; let redirect_to: String; let challenge: Bool; let nonce: String; let verifier: String? }
        // Only the browser that started the flow may end it.
        guard let state, let cookie, cookie.utf8.count == RefreshTokens.hash(state).utf8.count,
              zip(cookie.utf8, RefreshTokens.hash(state).utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else { return Self.errorRedirect(settings.publicURL, "invalid_request", "The sign-in did not start in this browser") }
        // The flow ends here whatever follows: a state is answered once.
        guard state.isUUID,
              let text = try? await database.text(SQLStatement("""
                UPDATE auth.flow_state SET callback_at = now()
                 WHERE id = $1::uuid AND callback_at IS NULL AND created_at > now() - make_interval(secs => $2::integer)
                RETURNING json_build_object('provider', provider, 'redirect_to', redirect_to, 'challenge', code_challenge IS NOT NULL, 'nonce', nonce,
                                            'verifier', provider_verifier)::text
                """, [.text(state), .int(Self.flowLifetime)])),
              let flow = try? JSONDecoder().decode(Flow.self, from: Data(text.utf8))
        else { return Self.errorRedirect(settings.publicURL, "invalid_request", "OAuth state is invalid, expired or already used") }
        guard providerError == nil, let code, !code.isEmpty, code.utf8.count <= 4096, let provider = oauth.providers[flow.provider] else {
            return Self.errorRedirect(flow.redirect_to, "access_denied", "The provider did not sign the user in")
        }
        do {
            let identity = try await oauth.identity(provider, code: code, redirectURI: callbackURL, nonce: flow.nonce, codeVerifier: flow.verifier, now: now())
            let userID = try await userFor(identity, provider: provider.name)
            if flow.challenge {
                let authCode = refreshTokens.random()
                try await database.execute(SQLStatement(
                    "UPDATE auth.flow_state SET auth_code_hash = $2, user_id = $3::uuid WHERE id = $1::uuid",
                    [.text(state), .text(RefreshTokens.hash(authCode)), .text(userID)]))
                return Self.appending(flow.redirect_to, query: [("code", authCode)])
            }
            let session = try await openSession(userID: userID, method: "oauth", client: client)
            guard case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: Data(session.utf8)) else { throw AuthError.unexpected }
            let fragment = ["access_token", "expires_at", "expires_in", "refresh_token", "token_type"].compactMap { key -> String? in
                guard let value = body[key] else { return nil }
                let text: String
                switch value {
                case .string(let string): text = string
                case .number(let number): text = String(Int64(number))
                default: return nil
                }
                return key + "=" + text.uriComponentEncoded
            } + ["type=oauth"]
            return flow.redirect_to + "#" + fragment.joined(separator: "&")
        } catch let error as AuthError {
            return Self.errorRedirect(flow.redirect_to, "access_denied", error.message)
        } catch {
            // The details (the provider's or the database's words) stay in the server's log.
            Self.oauthLogger.warning("OAuth sign-in failed", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
            return Self.errorRedirect(flow.redirect_to, "server_error", "Unable to sign in with \(provider.name)")
        }
    }

    /// The user of `identity`: the one already linked to it; else the account of its email when
    /// the provider verified that email; else a new user (when sign-ups are open).
    func userFor(_ identity: OAuthClient.Identity, provider: String) async throws -> String {
        try await database.transaction { transaction in
            struct Found: Decodable { let id: String; let banned: Bool }
            if let text = try await transaction.text(SQLStatement("""
                UPDATE auth.identities i SET last_sign_in_at = now(), identity_data = $3::jsonb, updated_at = now()
                  FROM auth.users u
                 WHERE i.provider = $1 AND i.provider_id = $2 AND u.id = i.user_id AND u.deleted_at IS NULL
                RETURNING json_build_object('id', u.id, 'banned', coalesce(u.banned_until > now(), false))::text
                """, [.text(provider), .text(identity.subject), .json(identity.data.jsonText)])) {
                let found = try JSONDecoder().decode(Found.self, from: Data(text.utf8))
                guard !found.banned else { throw AuthError.userBanned }
                return found.id
            }
            let metadata = JSONValue.object([
                "sub": .string(identity.subject), "email": identity.email.map(JSONValue.string) ?? .null,
                "email_verified": .bool(identity.emailVerified), "full_name": identity.name.map(JSONValue.string) ?? .null,
                "name": identity.name.map(JSONValue.string) ?? .null, "avatar_url": identity.avatarURL.map(JSONValue.string) ?? .null,
                "iss": .string(provider), "provider_id": .string(identity.subject),
            ]).jsonText
            if let email = identity.email, let text = try await transaction.text(SQLStatement("""
                SELECT json_build_object('id', u.id, 'banned', coalesce(u.banned_until > now(), false))::text
                  FROM auth.users u WHERE u.email = $1 AND u.deleted_at IS NULL FOR UPDATE
                """, [.text(email)])) {
                // An address the provider did not verify proves nothing: it could be anyone's.
                guard identity.emailVerified else {
                    throw AuthError("email_not_verified", .forbidden, "\(provider) has not verified this email address, and an account already uses it")
                }
                let found = try JSONDecoder().decode(Found.self, from: Data(text.utf8))
                guard !found.banned else { throw AuthError.userBanned }
                // An account whose address was never proven by a mailed code (unconfirmed, or
                // confirmed at sign-up without one) may be someone's squat on it: the address's
                // owner, whom the provider vouches for, takes it over — its password and sessions end.
                try await transaction.execute(SQLStatement("""
                    WITH unproven AS (
                      UPDATE auth.users SET encrypted_password = NULL
                       WHERE id = $1::uuid AND (email_confirmed_at IS NULL OR confirmation_sent_at IS NULL)
                         AND NOT EXISTS (SELECT 1 FROM auth.identities i WHERE i.user_id = $1::uuid AND i.provider <> 'email')
                      RETURNING id)
                    DELETE FROM auth.sessions s USING unproven WHERE s.user_id = unproven.id
                    """, [.text(found.id)]))
                try await transaction.execute(SQLStatement("""
                    WITH linked AS (
                      INSERT INTO auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
                      VALUES ($1::uuid, $2, $3, $4::jsonb, now()))
                    UPDATE auth.users SET email_confirmed_at = coalesce(email_confirmed_at, now()),
                           raw_app_meta_data = jsonb_set(raw_app_meta_data, '{providers}',
                             (SELECT jsonb_agg(DISTINCT p) FROM jsonb_array_elements(coalesce(raw_app_meta_data -> 'providers', '[]') || to_jsonb($2::text)) p))
                     WHERE id = $1::uuid
                    """, [.text(found.id), .text(provider), .text(identity.subject), .json(metadata)]))
                return found.id
            }
            guard !settings.disableSignup else { throw AuthError.signupDisabled }
            guard let id = try await transaction.text(SQLStatement("""
                WITH u AS (
                  INSERT INTO auth.users (email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
                  VALUES ($1, CASE WHEN $2 THEN now() END, jsonb_build_object('provider', $3::text, 'providers', jsonb_build_array($3::text)), $5::jsonb)
                  RETURNING id
                ), i AS (
                  INSERT INTO auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
                  SELECT u.id, $3, $4, $5::jsonb, now() FROM u)
                SELECT id::text FROM u
                """, [identity.email.map(SQLValue.text) ?? .null, .bool(identity.emailVerified), .text(provider), .text(identity.subject), .json(metadata)]))
            else { throw AuthError.unexpected }
            return id
        }
    }

    /// `POST /token?grant_type=pkce`: the flow's one-time code and the verifier of its challenge
    /// for a session — once, within five minutes.
    public func exchange(authCode: String?, codeVerifier: String?, client: ClientInfo) async throws -> String {
        guard let authCode, !authCode.isEmpty, let verifier = codeVerifier, (43...128).contains(verifier.utf8.count) else {
            throw AuthError.validation("invalid request: both auth code and code verifier should be non-empty")
        }
        struct Flow: Decodable { let user: String; let challenge: String; let method: String }
        // Spent before it is checked (in a statement of its own): a wrong verifier burns the code.
        guard let text = try await database.text(SQLStatement("""
            UPDATE auth.flow_state SET exchanged_at = now()
             WHERE auth_code_hash = $1 AND exchanged_at IS NULL AND callback_at > now() - make_interval(secs => $2::integer)
            RETURNING json_build_object('user', user_id, 'challenge', code_challenge, 'method', code_challenge_method)::text
            """, [.text(RefreshTokens.hash(authCode)), .int(Self.authCodeLifetime)]))
        else { throw AuthError("flow_state_not_found", .notFound, "invalid flow state, no valid flow state found") }
        let flow = try JSONDecoder().decode(Flow.self, from: Data(text.utf8))
        let derived = flow.method == "plain" ? verifier : APIKeys.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
        // Compared in constant time.
        guard derived.utf8.count == flow.challenge.utf8.count,
              zip(derived.utf8, flow.challenge.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
        else { throw AuthError("bad_code_verifier", .forbidden, "code challenge does not match previously saved code verifier") }
        return try await openSession(userID: flow.user, method: "oauth", client: client)
    }

    static func appending(_ url: String, query: [(String, String)]) -> String {
        let (base, fragment) = url.firstIndex(of: "#").map { (String(url[..<$0]), String(url[$0...])) } ?? (url, "")
        let separator = base.contains("?") ? "&" : "?"
        return base + separator + query.map { "\($0.0.uriComponentEncoded)=\($0.1.uriComponentEncoded)" }.joined(separator: "&") + fragment
    }

    static func errorRedirect(_ url: String, _ error: String, _ description: String) -> String {
        let base = url.firstIndex(of: "#").map { String(url[..<$0]) } ?? url
        return base + "#error=\(error.uriComponentEncoded)&error_code=\(error.uriComponentEncoded)&error_description=\(description.uriComponentEncoded)"
    }
}
