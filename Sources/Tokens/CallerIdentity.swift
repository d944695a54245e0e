import Core
import Foundation
import Synchronization

/// Who is calling an API: the database role the request runs as and the claims published to it
/// as `request.jwt.claims`, as every API surface (REST, Storage, Functions) sees them.
public struct Caller: Sendable, Equatable {
    /// `anon`, `authenticated` or `service_role`: a token naming any other role is refused.
    public let role: String
    /// The verified claims as JSON text: the token's own payload, or `{"role":…}` for an API key.
    public let claims: String
    /// The `sub` claim: the user's id when the caller is a signed-in user.
    public let subject: String?
    /// The `sub` claim when it is a user id, and the `session_id` claim: what the database checks
    /// on every request to refuse the tokens of ended sessions and banned or deleted users.
    public let userID: UUID?
    public let sessionID: UUID?

    public init(role: String, claims: String, subject: String? = nil, sessionID: String? = nil) {
        self.role = role
        self.claims = claims
        self.subject = subject
        self.userID = subject.flatMap(UUID.init(uuidString:))
        self.sessionID = sessionID.flatMap(UUID.init(uuidString:))
    }

    /// The roles a token may name: those the API login can become.
    public static let roles: Set<String> = ["anon", "authenticated", "service_role"]

    /// The caller of a request that carries only an API key (or nothing): its role, no user.
    public static func apiKey(role: String) -> Caller {
        Caller(role: role, claims: #"{"role":"\#(role)"}"#)
    }
}

/// Resolves the caller of a request from its bearer token and API key: a bearer that is one of
/// the project's keys (or no bearer) runs as the key's role; any other bearer must be a valid
/// token of the project: HS256 under the project secret, or ES256/RS256 under one of the
/// signing keys that verify now (`signingKeys`).
///
/// Verified tokens are remembered (bounded), keyed by the whole token text, so a client reusing
/// its token costs one dictionary look-up and an expiry check instead of an HMAC and two JSON
/// decodes. The expiry is checked on every use.
public final class CallerResolver: Sendable {
    let signer: HS256
    let signingKeys: SigningKeyStore?
    public let keys: APIKeys
    let leeway: TimeInterval
    let requireExpiry: Bool
    let now: @Sendable () -> Date
    let capacity: Int
    private let verified = Mutex<[String: Verified]>([:])

    struct Verified {
        let caller: Caller
        let expiry: Double
        let notBefore: Double?
        /// The signing key of an asymmetric token: it must still verify when the token is used again.
        let kid: String?
    }

    public init(
        secret: String, keys: APIKeys, signingKeys: SigningKeyStore? = nil, leeway: TimeInterval = 30, requireExpiry: Bool = true,
        capacity: Int = 10_000, now: @escaping @Sendable () -> Date = Date.init
    ) {
        signer = HS256(secret: secret)
        self.signingKeys = signingKeys
        self.keys = keys
        self.leeway = leeway
        self.requireExpiry = requireExpiry
        self.capacity = capacity
        self.now = now
    }

    /// The role of an API key: one of the project's keys; or, when tokens without `exp` are
    /// accepted (a deployment migrating keys that never expire), any token of the project for
    /// `anon` or `service_role` that names no user.
    public func apiKeyRole(_ key: String) -> String? {
        if let role = keys.role(ofKey: key) { return role }
        guard !requireExpiry, let caller = try? resolve(bearer: key, apiKey: nil), caller.subject == nil,
              caller.role == "anon" || caller.role == "service_role"
        else { return nil }
        return caller.role
    }

    /// The caller, or why its token is refused.
    public func resolve(bearer: String?, apiKey: String?) throws(TokenError) -> Caller {
        guard let bearer, bearer != apiKey || keys.role(ofKey: bearer) == nil else {
            return .apiKey(role: apiKey.flatMap(apiKeyRole) ?? "anon")
        }
        if let role = keys.role(ofKey: bearer) { return .apiKey(role: role) }
        let time = now().timeIntervalSince1970
        if let known = verified.withLock({ $0[bearer] }),
           known.kid.map({ kid in signingKeys?.set.verifying(at: Date(timeIntervalSince1970: time)).contains { $0.kid == kid } ?? false }) ?? true {
            guard known.expiry + leeway > time else { throw .expired }
            if let notBefore = known.notBefore, notBefore - leeway > time { throw .notYetValid }
            return known.caller
        }
        let claims: [String: JSONValue], payload: Data, kid: String?
        do {
            (claims, payload) = try signer.verifiedClaims(bearer, now: Date(timeIntervalSince1970: time), leeway: leeway, requireExpiry: requireExpiry)
            kid = nil
        } catch .unsupportedAlgorithm {
            guard let signingKeys else { throw .unsupportedAlgorithm }
            (claims, payload) = try signingKeys.set.verifiedClaims(bearer, now: Date(timeIntervalSince1970: time), leeway: leeway, requireExpiry: requireExpiry)
            kid = Self.kid(of: bearer)
        }
        // No `exp` passed verification only when such tokens are accepted: it never expires.
        let expiry: Double = if case .number(let value)? = claims["exp"] { value } else { .infinity }
        var notBefore: Double?
        if case .number(let value)? = claims["nbf"] { notBefore = value }
        let role = claims["role"]?.stringValue ?? "anon"
        guard Caller.roles.contains(role) else { throw .roleNotAllowed }
        let caller = Caller(
            role: role, claims: String(decoding: payload, as: UTF8.self),
            subject: claims["sub"]?.stringValue, sessionID: claims["session_id"]?.stringValue)
        verified.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[bearer] = Verified(caller: caller, expiry: expiry, notBefore: notBefore, kid: kid)
        }
        return caller
    }

    /// The `kid` of a token's header (already verified).
    static func kid(of token: String) -> String? {
        guard let header = token.utf8.split(separator: UInt8(ascii: "."), maxSplits: 1).first.flatMap({ HS256.base64URLDecode($0) }),
              case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: header)
        else { return nil }
        return fields["kid"]?.stringValue
    }
}
