import AppConfig
import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization
import Tokens

/// Verifies that a request to the bot's messages endpoint comes from Teams through the Bot
/// Framework (not Web Chat or Direct Line, where the sender names itself): its
/// bearer is an RS256 token signed by a key of the JWKS the configured OpenID metadata names and endorsed for `msteams`,
/// issued by the metadata's issuer, for our app id, unexpired, and naming the same service URL as
/// the activity (so replies go only where the Bot Framework said). Keys are kept for an hour and
/// fetched again, at most every five minutes, when a token names a key not among them.
public final class BotFrameworkAuthentication: Sendable {
    let app: TeamsApp
    let client: HTTPClient
    let cache = Mutex<Cached?>(nil)

    struct Cached: Sendable {
        let issuer: String
        let keys: RS256Keys
        let fetched: Date
    }

    public init(app: TeamsApp, client: HTTPClient = .shared) {
        self.app = app
        self.client = client
    }

    /// Why a request is not the Bot Framework's.
    public enum Failure: Error, CustomStringConvertible {
        case missing
        case invalid(TokenError)
        case serviceURLMismatch
        case keysUnavailable
        case wrongChannel

        public var description: String {
            switch self {
            case .missing: "the request carries no Bot Framework bearer token"
            case .invalid(let error): "the Bot Framework token is not valid (\(error))"
            case .serviceURLMismatch: "the activity's serviceUrl is not the one its token names"
            case .keysUnavailable: "the Bot Framework's signing keys could not be fetched"
            case .wrongChannel: "only activities of the msteams channel are accepted"
            }
        }
    }

    /// The verified claims of the request's bearer, for a Teams activity (`channelId`
    /// `msteams`, signed by a key endorsed for it) naming `serviceURL`.
    public func verify(authorization: String?, channelID: String?, serviceURL: String?, now: Date) async throws -> [String: JSONValue] {
        guard channelID == "msteams" else { throw Failure.wrongChannel }
        guard let authorization, authorization.hasPrefix("Bearer "), authorization.utf8.count <= 8192 else { throw Failure.missing }
        let token = String(authorization.dropFirst(7))
        var keys = try await current(now: now, refresh: false)
        var claims: [String: JSONValue]
        do {
            claims = try keys.keys.verify(token, issuer: keys.issuer, audience: app.appID, endorsement: "msteams", now: now)
        } catch .badSignature where now.timeIntervalSince(keys.fetched) > 300 {
            // Perhaps a key rolled over since the keys were fetched.
            keys = try await current(now: now, refresh: true)
            do {
                claims = try keys.keys.verify(token, issuer: keys.issuer, audience: app.appID, endorsement: "msteams", now: now)
            } catch {
                throw Failure.invalid(error)
            }
        } catch {
            throw Failure.invalid(error)
        }
        guard let named = claims["serviceurl"]?.stringValue, let serviceURL, Self.sameURL(named, serviceURL) else {
            throw Failure.serviceURLMismatch
        }
        return claims
    }

    static func sameURL(_ a: String, _ b: String) -> Bool {
        func trimmed(_ url: String) -> String {
            var url = url.lowercased()
            while url.hasSuffix("/") { url.removeLast() }
            return url
        }
        return trimmed(a) == trimmed(b)
    }

    func current(now: Date, refresh: Bool) async throws -> Cached {
        if !refresh, let cached = cache.withLock({ $0 }), now.timeIntervalSince(cached.fetched) < 3600 { return cached }
        do {
            struct Metadata: Decodable {
                let issuer: String
                let jwksURI: String
                enum CodingKeys: String, CodingKey { case issuer, jwksURI = "jwks_uri" }
            }
            let metadata = try JSONDecoder().decode(Metadata.self, from: Data(try await fetch(app.openIDMetadataURL)))
            let keys = try RS256Keys(jwks: try await fetch(metadata.jwksURI))
            guard !keys.isEmpty else { throw Failure.keysUnavailable }
            let fresh = Cached(issuer: metadata.issuer, keys: keys, fetched: now)
            cache.withLock { $0 = fresh }
            return fresh
        } catch {
            throw Failure.keysUnavailable
        }
    }

    func fetch(_ url: String) async throws -> [UInt8] {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        guard response.status == .ok else { throw Failure.keysUnavailable }
        return Array(buffer: body)
    }
}
