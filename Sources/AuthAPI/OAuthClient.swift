import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Tokens

/// The sign-in providers' side of OAuth: their endpoints (from an issuer's discovery document,
/// fetched once), the authorization code exchanged for tokens, and who signed in — from a
/// verified ID token (OpenID Connect, Apple) or GitHub's user API.
final class OAuthClient: Sendable {
    let providers: [String: OAuthProvider]
    let client: HTTPClient
    private let discovered = Mutex<[String: Endpoints]>([:])
    private let keySets = Mutex<[String: (keys: RS256Keys, fetched: Date)]>([:])

    init(providers: [OAuthProvider], client: HTTPClient = .shared) {
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.client = client
    }

    struct Endpoints: Sendable {
        let authorization: String
        let token: String
        let jwks: String?
        let issuer: String?
    }

    /// Who the provider says signed in.
    struct Identity: Sendable {
        let subject: String
        let email: String?
        let emailVerified: Bool
        let name: String?
        let avatarURL: String?
        let data: JSONValue
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    func endpoints(_ provider: OAuthProvider) async throws -> Endpoints {
        if let authorization = provider.authorizationURL, let token = provider.tokenURL, provider.kind == .github || provider.jwksURL != nil {
            return Endpoints(authorization: authorization, token: token, jwks: provider.jwksURL, issuer: provider.issuer)
        }
        if let known = discovered.withLock({ $0[provider.name] }) { return known }
        guard let issuer = provider.issuer else { throw Failure("\(provider.name) names neither an issuer nor its endpoints") }
        let document = try await json(get: issuer.trimmingSuffix("/") + "/.well-known/openid-configuration")
        guard let authorization = provider.authorizationURL ?? document["authorization_endpoint"]?.stringValue,
              let token = provider.tokenURL ?? document["token_endpoint"]?.stringValue,
              let jwks = provider.jwksURL ?? document["jwks_uri"]?.stringValue
        else { throw Failure("\(issuer)'s discovery document lacks its endpoints") }
        let endpoints = Endpoints(authorization: authorization, token: token, jwks: jwks, issuer: document["issuer"]?.stringValue ?? issuer)
        discovered.withLock { $0[provider.name] = endpoints }
        return endpoints
    }

    /// The code exchanged at the token endpoint; then the identity it proves.
    func identity(_ provider: OAuthProvider, code: String, redirectURI: String, nonce: String, codeVerifier: String?, now: Date) async throws -> Identity {
        let endpoints = try await endpoints(provider)
        let secret: String
        switch provider.kind {
        case .apple: secret = try Self.appleClientSecret(provider, now: now)
        case .oidc, .github: secret = provider.clientSecret ?? ""
        }
        let tokens = try await json(post: endpoints.token, form: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("client_id", provider.clientID), ("client_secret", secret),
        ] + (codeVerifier.map { [("code_verifier", $0)] } ?? []))
        switch provider.kind {
        case .github:
            guard let access = tokens["access_token"]?.stringValue else { throw Failure("GitHub answered no access token") }
            return try await githubIdentity(provider, accessToken: access)
        case .oidc, .apple:
            guard let idToken = tokens["id_token"]?.stringValue, let jwks = endpoints.jwks, let issuer = endpoints.issuer ?? provider.issuer else {
                throw Failure("\(provider.name) answered no ID token")
            }
            var claims: [String: JSONValue]
            do {
                claims = try await keySet(jwks, now: now).verify(idToken, issuer: issuer, audience: provider.clientID, now: now, leeway: 60)
            } catch TokenError.badSignature {
                // The provider may have rotated its keys since we fetched them: once more with fresh ones.
                do {
                    claims = try await keySet(jwks, now: now, refresh: true).verify(idToken, issuer: issuer, audience: provider.clientID, now: now, leeway: 60)
                } catch {
                    throw Failure("the ID token does not verify: \(error)")
                }
            } catch {
                throw Failure("the ID token does not verify: \(error)")
            }
            guard claims["nonce"]?.stringValue == nonce else { throw Failure("the ID token's nonce is not this sign-in's") }
            // Issued to several audiences: it must name us as the party it was authorized for.
            if case .array(let audiences)? = claims["aud"], audiences.count > 1, claims["azp"]?.stringValue != provider.clientID {
                throw Failure("the ID token was issued to another party")
            }
            guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw Failure("the ID token names no subject") }
            // Apple writes email_verified as a string.
            let verified = claims["email_verified"] == .bool(true) || claims["email_verified"] == .string("true")
            return Identity(subject: subject, email: claims["email"]?.stringValue?.lowercased(), emailVerified: verified,
                            name: claims["name"]?.stringValue, avatarURL: claims["picture"]?.stringValue, data: .object(claims))
        }
    }

    func githubIdentity(_ provider: OAuthProvider, accessToken: String) async throws -> Identity {
        let api = (provider.apiURL ?? "https://api.github.com").trimmingSuffix("/")
        let user = try await json(get: api + "/user", bearer: accessToken)
        let id: String
        switch user["id"] {
        case .number(let number)?: id = String(Int64(number))
        case .string(let text)?: id = text
        default: throw Failure("GitHub's user has no id")
        }
        // The primary address, and whether GitHub verified it.
        var email: String?, verified = false
        if case .array(let emails) = try await jsonValue(get: api + "/user/emails", bearer: accessToken) {
            if let primary = emails.first(where: { $0["primary"] == .bool(true) }) {
                email = primary["email"]?.stringValue?.lowercased()
                verified = primary["verified"] == .bool(true)
            }
        }
        return Identity(subject: id, email: email, emailVerified: verified, name: user["name"]?.stringValue ?? user["login"]?.stringValue,
                        avatarURL: user["avatar_url"]?.stringValue, data: .object(user))
    }

    /// Apple's client secret: an ES256 JWT of the team, for the client, signed by the team's key.
    static func appleClientSecret(_ provider: OAuthProvider, now: Date) throws -> String {
        guard let team = provider.appleTeamID, let keyID = provider.appleKeyID, let pem = provider.appleKey else { throw Failure("Apple is not configured") }
        struct Claims: Encodable { let iss: String; let iat: Int; let exp: Int; let aud: String; let sub: String }
        let key = try SigningKey(kid: keyID, algorithm: .es256, privateKeyPEM: pem.replacingOccurrences(of: "\\n", with: "\n"),
                                 createdAt: .distantPast, retiredAt: nil)
        let issued = Int(now.timeIntervalSince1970)
        guard let token = try SigningKeySet(keys: [key], grace: 0).sign(
            Claims(iss: team, iat: issued, exp: issued + 600, aud: provider.issuer ?? "https://appleid.apple.com", sub: provider.clientID), now: now)
        else { throw Failure("Apple's key cannot sign") }
        return token
    }

    /// The provider's keys, fetched at most every 10 minutes — or, asked to `refresh`, at most
    /// every 30 seconds (a forged token's unknown kid cannot make us fetch on every request).
    func keySet(_ url: String, now: Date, refresh: Bool = false) async throws -> RS256Keys {
        if let cached = keySets.withLock({ $0[url] }), now.timeIntervalSince(cached.fetched) < (refresh ? 30 : 600) { return cached.keys }
        let (status, bytes) = try await send(HTTPClientRequest(url: url))
        guard status == 200 else { throw Failure("the provider's keys could not be fetched (\(status))") }
        let keys = try RS256Keys(jwks: Array(bytes.readableBytesView))
        keySets.withLock { $0[url] = (keys, now) }
        return keys
    }

    func json(get url: String, bearer: String? = nil) async throws -> [String: JSONValue] {
        guard case .object(let object) = try await jsonValue(get: url, bearer: bearer) else { throw Failure("\(url) answered no JSON object") }
        return object
    }

    func jsonValue(get url: String, bearer: String? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "visionary")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let (status, bytes) = try await send(request)
        guard status == 200, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)) else {
            throw Failure("\(url) answered \(status)")
        }
        return value
    }

    func json(post url: String, form: [(String, String)]) async throws -> [String: JSONValue] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: form.map { "\($0.0.uriComponentEncoded)=\($0.1.uriComponentEncoded)" }.joined(separator: "&")))
        let (status, bytes) = try await send(request)
        guard status == 200, case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)) else {
            throw Failure("the provider refused the code (\(status))")
        }
        if let error = object["error"]?.stringValue { throw Failure("the provider refused the code: \(error)") }
        return object
    }

    func send(_ request: HTTPClientRequest) async throws -> (Int, ByteBuffer) {
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            return (Int(response.status.code), try await response.body.collect(upTo: 1 << 20))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("the provider could not be reached: \(error)")
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
