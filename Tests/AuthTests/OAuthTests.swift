import AppConfig
@testable import AuthAPI
import Core
import Crypto
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// Sign-in with OpenID Connect and GitHub on a loopback provider with its own keys: the PKCE
/// and implicit flows end to end — and a verifier that does not match, a replayed code and
/// state, a forged ID token, a nonce of another sign-in, an unverified email reaching for an
/// existing account, and a redirect off the allow-list.
@Suite("Auth: OAuth and OpenID Connect sign-in")
struct OAuthTests {
    static let clientID = "visionary-client"
    static let clientSecret = "provider-secret"

    static func app(_ provider: OIDCTestServer) async throws -> TestApp {
        try await TestApp.make { config in
            config.publicURL = "https://api.visionary.test"
            config.redirectAllowList = ["https://app.visionary.test/**"]
            config.auth.oauthProviders = [
                OAuthProvider(name: "acme", kind: .oidc, clientID: clientID, clientSecret: clientSecret, issuer: provider.baseURL),
                OAuthProvider(name: "github", kind: .github, clientID: clientID, clientSecret: clientSecret,
                              authorizationURL: "https://github.test/login/oauth/authorize", tokenURL: provider.baseURL + "/login/oauth/access_token",
                              apiURL: provider.baseURL + "/api"),
            ]
        }
    }

    /// The browser's cookie jar: the flow cookie `/authorize` set.
    final class Jar: @unchecked Sendable {
        var cookie: String?
    }

    static func get(_ client: any TestClientProtocol, _ app: TestApp, _ path: String, jar: Jar? = nil) async throws -> (status: HTTPResponse.Status, location: String) {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: app.keys.anon]
        if let cookie = jar?.cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: path, method: .get, headers: headers) { response in
            if let jar, let set = response.headers[.setCookie], let pair = set.split(separator: ";").first, !pair.hasSuffix("=") { jar.cookie = String(pair) }
            return (response.status, response.headers[.location] ?? "")
        }
    }

    static func query(_ url: String) -> [String: String] {
        var fields: [String: String] = [:]
        for part in (URLComponents(string: url)?.queryItems ?? []) { fields[part.name] = part.value }
        return fields
    }

    static func fragment(_ url: String) -> [String: String] {
        guard let hash = url.firstIndex(of: "#") else { return [:] }
        var fields: [String: String] = [:]
        for pair in url[url.index(after: hash)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]).removingPercentEncoding }
        }
        return fields
    }

    /// A PKCE verifier and its S256 challenge.
    static func pkce() -> (verifier: String, challenge: String) {
        let verifier = APIKeys.base64URL(Data((0..<48).map { _ in UInt8.random(in: 0...255) }))
        return (verifier, APIKeys.base64URL(Data(SHA256.hash(data: Data(verifier.utf8)))))
    }

    /// `/authorize` → the provider's page: the state and nonce our server sent it.
    static func start(_ client: any TestClientProtocol, _ app: TestApp, provider: String = "acme", challenge: String?, jar: Jar) async throws -> (state: String, nonce: String?, location: String, providerChallenge: String?) {
        var path = "/auth/v1/authorize?provider=\(provider)&redirect_to=https%3A%2F%2Fapp.visionary.test%2Fdone"
        if let challenge { path += "&code_challenge=\(challenge)&code_challenge_method=s256" }
        let started = try await get(client, app, path, jar: jar)
        #expect(jar.cookie?.hasPrefix("sb-oauth-flow=") == true)
        #expect(started.status == .found, "\(started)")
        let fields = query(started.location)
        #expect(fields["redirect_uri"] == "https://api.visionary.test/auth/v1/callback" && fields["client_id"] == clientID)
        #expect(fields["code_challenge_method"] == "S256" && fields["code_challenge"]?.count == 43, "our own PKCE toward the provider")
        return (try #require(fields["state"], "\(started.location)"), fields["nonce"], started.location, fields["code_challenge"])
    }

    static func exchange(_ client: any TestClientProtocol, _ app: TestApp, code: String, verifier: String) async throws -> (status: HTTPResponse.Status, body: [String: Any]) {
        try await client.execute(
            uri: "/auth/v1/token?grant_type=pkce", method: .post,
            headers: [HTTPField.Name("apikey")!: app.keys.anon, .contentType: "application/json"],
            body: ByteBuffer(string: #"{"auth_code":"\#(code)","code_verifier":"\#(verifier)"}"#)
        ) { ($0.status, (try? JSONSerialization.jsonObject(with: Data($0.body.readableBytesView))) as? [String: Any] ?? [:]) }
    }

    @Test("PKCE with an OpenID Connect provider: a session for the provider's user; wrong verifiers, replays, forged tokens and foreign nonces refused")
    func pkceFlow() async throws {
        let provider = try await OIDCTestServer(clientID: Self.clientID, clientSecret: Self.clientSecret)
        defer { provider.stop() }
        let app = try await Self.app(provider)
        let owner = SQLRunner(pool: app.parts.ownerDatabase, logger: TestCluster.logger)
        try await app.run { client in
            let jar = Jar()
            let settings = try await client.execute(uri: "/auth/v1/settings", method: .get, headers: [HTTPField.Name("apikey")!: app.keys.anon]) { String(buffer: $0.body) }
            #expect(settings.contains(#""acme":true"#) && settings.contains(#""github":true"#) && settings.contains(#""google":false"#), "\(settings)")

            let (verifier, challenge) = Self.pkce()
            let flow = try await Self.start(client, app, challenge: challenge, jar: jar)
            #expect(flow.location.hasPrefix(provider.baseURL + "/authorize?"))
            provider.issue(code: "code-1", .init(subject: "acme-user-1", email: "oidc@sso.test", verified: true, nonce: flow.nonce, challenge: flow.providerChallenge))
            let back = try await Self.get(client, app, "/auth/v1/callback?code=code-1&state=\(flow.state)", jar: jar)
            #expect(back.location.hasPrefix("https://app.visionary.test/done?code="), "\(back.location)")
            // A callback link opened in another browser (no flow cookie) ends nothing: no login CSRF.
            let lured = try await Self.start(client, app, challenge: nil, jar: jar)
            provider.issue(code: "lure", .init(subject: "attacker", email: "attacker@sso.test", verified: true, nonce: lured.nonce, challenge: lured.providerChallenge))
            let victimBrowser = try await Self.get(client, app, "/auth/v1/callback?code=lure&state=\(lured.state)")
            #expect(victimBrowser.location.hasPrefix("https://api.visionary.test#error=invalid_request"), "\(victimBrowser.location)")
            #expect(Self.fragment(victimBrowser.location)["access_token"] == nil)
            let authCode = try #require(Self.query(back.location)["code"])

            // The wrong verifier burns the code; the right one then finds nothing.
            let wrong = try await Self.exchange(client, app, code: authCode, verifier: Self.pkce().verifier)
            #expect(wrong.status == .forbidden && wrong.body["error_code"] as? String == "bad_code_verifier", "\(wrong.body)")
            #expect(try await Self.exchange(client, app, code: authCode, verifier: verifier).status == .notFound)

            // A fresh flow, the right verifier: a session for the provider's user, once.
            let (verifier2, challenge2) = Self.pkce()
            let second = try await Self.start(client, app, challenge: challenge2, jar: jar)
            provider.issue(code: "code-2", .init(subject: "acme-user-1", email: "oidc@sso.test", verified: true, nonce: second.nonce, challenge: second.providerChallenge))
            let code2 = try #require(Self.query(try await Self.get(client, app, "/auth/v1/callback?code=code-2&state=\(second.state)", jar: jar).location)["code"])
            let session = try await Self.exchange(client, app, code: code2, verifier: verifier2)
            #expect(session.status == .ok, "\(session.body)")
            let user = try #require(session.body["user"] as? [String: Any])
            #expect(user["email"] as? String == "oidc@sso.test" && user["email_confirmed_at"] is String)
            #expect((user["identities"] as? [[String: Any]])?.first?["provider"] as? String == "acme")
            #expect(((user["app_metadata"] as? [String: Any])?["provider"]) as? String == "acme")
            #expect(try await Self.exchange(client, app, code: code2, verifier: verifier2).status == .notFound, "a code works once")
            // The state was spent by its callback.
            let replayed = try await Self.get(client, app, "/auth/v1/callback?code=code-2&state=\(second.state)", jar: jar)
            #expect(replayed.location.hasPrefix("https://api.visionary.test#error=invalid_request"), "\(replayed.location)")

            // Signed by another key under the provider's kid; or carrying another sign-in's nonce.
            let forged = try await Self.start(client, app, challenge: Self.pkce().challenge, jar: jar)
            provider.issue(code: "code-3", .init(subject: "acme-user-1", email: "oidc@sso.test", verified: true, nonce: forged.nonce, forge: true, challenge: forged.providerChallenge))
            #expect(Self.fragment(try await Self.get(client, app, "/auth/v1/callback?code=code-3&state=\(forged.state)", jar: jar).location)["error"] != nil)
            let foreign = try await Self.start(client, app, challenge: Self.pkce().challenge, jar: jar)
            provider.issue(code: "code-4", .init(subject: "acme-user-1", email: "oidc@sso.test", verified: true, nonce: second.nonce, challenge: second.providerChallenge))
            let mismatched = try await Self.get(client, app, "/auth/v1/callback?code=code-4&state=\(foreign.state)", jar: jar)
            #expect(mismatched.location.hasPrefix("https://app.visionary.test/done#error="), "\(mismatched.location)")

            // A code issued to another flow (stolen, injected into the attacker's own flow): its PKCE does not match.
            let victimFlow = try await Self.start(client, app, challenge: nil, jar: Jar())
            let attackerFlow = try await Self.start(client, app, challenge: nil, jar: jar)
            provider.issue(code: "stolen", .init(subject: "acme-user-1", email: "oidc@sso.test", verified: true, nonce: attackerFlow.nonce,
                                                 challenge: victimFlow.providerChallenge))
            let injected = try await Self.get(client, app, "/auth/v1/callback?code=stolen&state=\(attackerFlow.state)", jar: jar)
            #expect(Self.fragment(injected.location)["error"] != nil && Self.fragment(injected.location)["access_token"] == nil, "\(injected.location)")

            // A code the provider never issued, and the provider's own refusal.
            let unknown = try await Self.start(client, app, challenge: Self.pkce().challenge, jar: jar)
            #expect(Self.fragment(try await Self.get(client, app, "/auth/v1/callback?code=nope&state=\(unknown.state)", jar: jar).location)["error"] != nil)
            #expect(try await owner.text(SQLStatement("SELECT count(*)::text FROM auth.identities WHERE provider = 'acme'")) == "1")

            // An unknown provider, and a redirect off the allow-list (sent to the public URL instead).
            #expect(try await Self.get(client, app, "/auth/v1/authorize?provider=nobody").status == .badRequest)
            let off = try await Self.get(client, app, "/auth/v1/authorize?provider=acme&redirect_to=https%3A%2F%2Fevil.test%2F", jar: jar)
            let offState = try #require(Self.query(off.location)["state"])
            let offNonce = Self.query(off.location)["nonce"]
            provider.issue(code: "code-5", .init(subject: "acme-user-9", email: "nine@sso.test", verified: true, nonce: offNonce, challenge: Self.query(off.location)["code_challenge"]))
            let landed = try await Self.get(client, app, "/auth/v1/callback?code=code-5&state=\(offState)", jar: jar)
            #expect(landed.location.hasPrefix("https://api.visionary.test#access_token="), "implicit flow, to the public URL: \(landed.location)")
        }
    }

    @Test("an email the provider did not verify cannot take over an account; a verified one links to it; GitHub signs in by its user API")
    func linking() async throws {
        let provider = try await OIDCTestServer(clientID: Self.clientID, clientSecret: Self.clientSecret)
        defer { provider.stop() }
        let app = try await Self.app(provider)
        try await app.run { client in
            let jar = Jar()
            let victim = try await app.signUp(client, email: "victim@sso.test")
            // Unverified: refused, nothing linked.
            let first = try await Self.start(client, app, challenge: nil, jar: jar)
            provider.issue(code: "u-1", .init(subject: "attacker", email: "victim@sso.test", verified: false, nonce: first.nonce, challenge: first.providerChallenge))
            let refused = Self.fragment(try await Self.get(client, app, "/auth/v1/callback?code=u-1&state=\(first.state)", jar: jar).location)
            #expect(refused["error"] == "access_denied" && refused["error_description"]?.contains("not verified") == true, "\(refused)")
            // Verified: the same account, now with the provider's identity (implicit flow: tokens in the fragment).
            let second = try await Self.start(client, app, challenge: nil, jar: jar)
            provider.issue(code: "v-1", .init(subject: "owner", email: "victim@sso.test", verified: true, nonce: second.nonce, challenge: second.providerChallenge))
            let linked = Self.fragment(try await Self.get(client, app, "/auth/v1/callback?code=v-1&state=\(second.state)", jar: jar).location)
            let token = try #require(linked["access_token"], "\(linked)")
            let me = try await client.execute(uri: "/auth/v1/user", method: .get,
                                              headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(token)"]) { String(buffer: $0.body) }
            #expect(me.contains(victim.id) && me.contains(#""provider":"acme""#), "the victim's own account, linked: \(me)")
            // The account's address was never proven by mail (confirmed at sign-up): whoever set its
            // password may have squatted it, so the password and the old sessions end.
            let squatted = try await client.execute(
                uri: "/auth/v1/token?grant_type=password", method: .post,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"email":"victim@sso.test","password":"secret-password"}"#)) { $0.status }
            #expect(squatted == .badRequest)
            let oldSession = try await client.execute(uri: "/auth/v1/user", method: .get,
                                                      headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(victim.token)"]) { $0.status }
            #expect(oldSession == .forbidden)

            // GitHub: its primary verified address, by the access token.
            let hub = try await Self.start(client, app, provider: "github", challenge: nil, jar: jar)
            #expect(hub.nonce == nil && hub.location.hasPrefix("https://github.test/login/oauth/authorize?"))
            provider.issue(code: "gh-1", .init(subject: "4242", email: "octo@hub.test", verified: true, nonce: nil, challenge: hub.providerChallenge))
            let octo = Self.fragment(try await Self.get(client, app, "/auth/v1/callback?code=gh-1&state=\(hub.state)", jar: jar).location)
            let octoToken = try #require(octo["access_token"], "\(octo)")
            let octoUser = try await client.execute(uri: "/auth/v1/user", method: .get,
                                                    headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(octoToken)"]) { String(buffer: $0.body) }
            #expect(octoUser.contains("octo@hub.test") && octoUser.contains(#""provider":"github""#) && octoUser.contains("4242"), "\(octoUser)")
        }
    }

    @Test("Sign in with Apple: a form_post callback, the ES256 client secret the provider checks, its string email_verified")
    func appleFlow() async throws {
        let (key, pem) = try SigningKey.generate(.es256, now: Date(timeIntervalSince1970: 0))
        let publicKey = try P256.Signing.PublicKey(x963Representation: Data([0x04])
            + (HS256.base64URLDecode(Array(((key.jwk["x"]?.stringValue) ?? "").utf8)) ?? Data())
            + (HS256.base64URLDecode(Array(((key.jwk["y"]?.stringValue) ?? "").utf8)) ?? Data()))
        let provider = try await OIDCTestServer(clientID: "com.visionary.app", clientSecret: "unused", appleTeam: "TEAM123456", appleKey: publicKey)
        defer { provider.stop() }
        let app = try await TestApp.make { config in
            config.publicURL = "https://api.visionary.test"
            config.redirectAllowList = ["https://app.visionary.test/**"]
            config.auth.oauthProviders = [OAuthProvider(
                name: "apple", kind: .apple, clientID: "com.visionary.app", issuer: provider.baseURL,
                authorizationURL: provider.baseURL + "/authorize", tokenURL: provider.baseURL + "/token", jwksURL: provider.baseURL + "/jwks",
                appleTeamID: "TEAM123456", appleKeyID: "KEY1234567", appleKey: pem)]
            config.auth.rateLimitPerAddress = 2
        }
        try await app.run { client in
            let jar = Jar()
            let flow = try await client.execute(
                uri: "/auth/v1/authorize?provider=apple&redirect_to=https%3A%2F%2Fapp.visionary.test%2Fdone", method: .get,
                headers: [HTTPField.Name("apikey")!: app.keys.anon]) { response -> (location: String, cookie: String?) in
                (response.headers[.location] ?? "", response.headers[.setCookie])
            }
            let fields = Self.query(flow.location)
            #expect(fields["response_mode"] == "form_post" && fields["code_challenge"] == nil, "Apple takes no PKCE: \(flow.location)")
            // Over https the flow cookie must cross sites with Apple's post.
            #expect(flow.cookie?.contains("SameSite=None") == true && flow.cookie?.contains("Secure") == true, "\(flow.cookie ?? "")")
            jar.cookie = flow.cookie?.split(separator: ";").first.map(String.init)
            provider.issue(code: "apple-1", .init(subject: "001234.apple", email: "relay@privaterelay.appleid.test", verified: true, nonce: fields["nonce"]))
            let posted = try await client.execute(
                uri: "/auth/v1/callback", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: jar.cookie ?? ""],
                body: ByteBuffer(string: "code=apple-1&state=\(fields["state"] ?? "")")) { $0.headers[.location] ?? "" }
            let token = try #require(Self.fragment(posted)["access_token"], "\(posted)")
            let me = try await client.execute(uri: "/auth/v1/user", method: .get,
                                              headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(token)"]) { String(buffer: $0.body) }
            #expect(me.contains("relay@privaterelay.appleid.test") && me.contains(#""provider":"apple""#) && me.contains("email_confirmed_at\":\"2"), "\(me)")
            // Each /authorize stores a flow: a flood from one address is refused (2 per window here).
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<2 { statuses.append(try await Self.get(client, app, "/auth/v1/authorize?provider=apple").status) }
            #expect(statuses.last == .tooManyRequests, "\(statuses)")
        }
    }

    @Test("Apple's client secret: an ES256 token of the team for the client, verifiable with the team key's public half")
    func appleClientSecret() throws {
        let (_, pem) = try SigningKey.generate(.es256, now: Date(timeIntervalSince1970: 0))
        let provider = OAuthProvider(name: "apple", kind: .apple, clientID: "com.visionary.app", issuer: "https://appleid.apple.com",
                                     appleTeamID: "TEAM123456", appleKeyID: "KEY1234567", appleKey: pem)
        let now = Date()
        let secret = try OAuthClient.appleClientSecret(provider, now: now)
        let parts = secret.split(separator: ".").map { Array($0.utf8) }
        let header = try JSONSerialization.jsonObject(with: try #require(HS256.base64URLDecode(parts[0]))) as? [String: Any]
        let claims = try JSONSerialization.jsonObject(with: try #require(HS256.base64URLDecode(parts[1]))) as? [String: Any]
        #expect(header?["alg"] as? String == "ES256" && header?["kid"] as? String == "KEY1234567")
        #expect(claims?["iss"] as? String == "TEAM123456" && claims?["sub"] as? String == "com.visionary.app" && claims?["aud"] as? String == "https://appleid.apple.com")
        #expect((claims?["exp"] as? Int ?? 0) > Int(now.timeIntervalSince1970))
        // Verified by the key's public half, as Apple does.
        let set = SigningKeySet(keys: [try SigningKey(kid: "KEY1234567", algorithm: .es256, privateKeyPEM: pem, createdAt: .distantPast, retiredAt: nil)], grace: 0)
        #expect(throws: Never.self) { _ = try set.verifiedClaims(secret, now: now, leeway: 0, requireExpiry: true) }
    }
}
