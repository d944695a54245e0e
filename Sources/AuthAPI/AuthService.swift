import AppConfig
import Core
import Database
import Foundation
import HTTPSupport
import Tokens

/// The Auth API's flows: sign-up, sign-in, refresh-token rotation, the current user, sign-out,
/// recovery. State lives in the `auth` schema, reached through the schema owner's pool.
public struct AuthService: Sendable {
    let database: SQLRunner
    let settings: AuthSettings
    let signer: HS256
    /// The asymmetric keys: the newest in use signs access tokens; without one, HS256 does.
    let signingKeys: SigningKeyStore?
    let refreshTokens: RefreshTokens
    let codes: EmailCodes
    let totp: TOTP
    /// The OAuth and OpenID Connect sign-in providers.
    let oauth: OAuthClient
    let passwords: any PasswordHasher
    let policy: PasswordPolicy
    /// Where links may send people: the public URL, or what the allow list admits.
    let redirects: RedirectPolicy
    /// A real hash of a random password: checked when the email is unknown, so that an unknown
    /// email and a wrong password take the same time.
    let decoyHash: String
    let now: @Sendable () -> Date

    public init(
        database: SQLRunner, settings: AuthSettings, jwtSecret: String, passwords: any PasswordHasher, signingKeys: SigningKeyStore? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) async throws {
        self.database = database
        self.settings = settings
        self.signer = HS256(secret: jwtSecret)
        self.signingKeys = signingKeys
        self.refreshTokens = RefreshTokens(secret: jwtSecret)
        self.codes = EmailCodes(secret: jwtSecret)
        self.totp = TOTP(projectSecret: jwtSecret)
        self.oauth = OAuthClient(providers: settings.oauthProviders)
        self.passwords = passwords
        self.policy = PasswordPolicy(minimumLength: settings.minimumPasswordLength)
        self.redirects = RedirectPolicy(publicURL: settings.publicURL, patterns: settings.redirectAllowList)
        self.decoyHash = try await passwords.hash(RefreshTokens(secret: jwtSecret).random())
        self.now = now
    }

    /// The public keys access tokens are verified with (`/.well-known/jwks.json`): the signing
    /// keys that verify now; none while tokens are HS256 only.
    public func jwks() -> String {
        signingKeys?.set.jwks(at: now()) ?? #"{"keys":[]}"#
    }

    // MARK: Sessions

    /// The Session body for a new or refreshed session.
    func sessionBody(userJSON: String, sessionID: String, amr: [AuthenticationMethod], refreshToken: String) throws -> String {
        let user = try JSONDecoder().decode(StoredUser.self, from: Data(userJSON.utf8))
        let issuedAt = Int(now().timeIntervalSince1970)
        let expiresAt = issuedAt + settings.accessTokenLifetime
        let claims = AccessTokenClaims(
            iss: settings.issuer, sub: user.id, aud: user.aud, exp: expiresAt, iat: issuedAt, role: user.role,
            email: user.email, phone: user.phone, app_metadata: user.app_metadata, user_metadata: user.user_metadata,
            // A session that verified a second factor (`totp` among its methods) is aal2.
            aal: amr.contains { $0.method == "totp" } ? "aal2" : "aal1", amr: amr, session_id: sessionID, is_anonymous: user.is_anonymous)
        let accessToken = try signingKeys?.set.sign(claims, now: now()) ?? signer.sign(claims)
        return #"{"access_token":"# + accessToken.jsonQuoted + #","token_type":"bearer","expires_in":\#(settings.accessTokenLifetime)"#
            + #","expires_at":\#(expiresAt),"refresh_token":"# + refreshToken.jsonQuoted + #","user":"# + userJSON + "}"
    }

    struct OpenedSession: Decodable {
        var session_id: String
        var amr: [AuthenticationMethod]
        var user: JSONValue
    }

    /// Opens a session for the user (recording the sign-in) and returns the Session body.
    func openSession(userID: String, method: String, client: ClientInfo, in transaction: SQLTransaction? = nil) async throws -> String {
        let refreshToken = refreshTokens.random()
        let statement = SQLStatement("""
            WITH s AS (
              INSERT INTO auth.sessions (user_id, amr, ip, user_agent)
              VALUES ($1::uuid, jsonb_build_array(jsonb_build_object('method', $2::text, 'timestamp', floor(extract(epoch FROM now()))::bigint)),
                      $3::inet, $4)
              RETURNING id, amr
            ), t AS (
              INSERT INTO auth.refresh_tokens (token_hash, user_id, session_id) SELECT $5, $1::uuid, s.id FROM s
            ), u AS (
              UPDATE auth.users AS x SET last_sign_in_at = now() WHERE x.id = $1::uuid RETURNING x
            )
            SELECT jsonb_build_object('session_id', s.id, 'amr', s.amr, 'user', auth.user_json(u.x))::text FROM s, u
            """, [.text(userID), .text(method), client.address.map { .text($0) } ?? .null,
                  client.userAgent.map { .text($0) } ?? .null, .text(RefreshTokens.hash(refreshToken))])
        let text: String?
        if let transaction {
            text = try await transaction.text(statement)
        } else {
            text = try await database.text(statement)
        }
        guard let text else { throw AuthError.userNotFound }
        let opened = try JSONDecoder().decode(OpenedSession.self, from: Data(text.utf8))
        return try sessionBody(
            userJSON: try Self.encode(opened.user), sessionID: opened.session_id, amr: opened.amr, refreshToken: refreshToken)
    }

    static func encode(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    // MARK: Rate limits

    /// Counts the request against the per-address and per-email windows (shared by every server
    /// process through the database); refuses it with 429 past either limit.
    func enforceRateLimit(_ action: String, address: String?, email: String?) async throws {
        var buckets: [(String, Int)] = []
        if let address { buckets.append(("\(action):ip:\(address)", settings.rateLimitPerAddress)) }
        if let email { buckets.append(("\(action):email:\(email)", settings.rateLimitPerEmail)) }
        for (bucket, limit) in buckets {
            let hits = try await database.text(SQLStatement(
                "SELECT auth.hit_rate_limit($1, $2::int)::text", [.text(bucket), .int(settings.rateLimitWindow)]))
            if let hits, let count = Int(hits), count > limit {
                AuthMetrics.rateLimited(action)
                let elapsed = Int(now().timeIntervalSince1970) % settings.rateLimitWindow
                throw AuthError.rateLimited(retryAfter: max(1, settings.rateLimitWindow - elapsed))
            }
        }
    }
}

/// Who is asking, as far as sessions record it.
public struct ClientInfo: Sendable {
    public var address: String?
    public var userAgent: String?

    public init(address: String?, userAgent: String?) {
        self.address = address
        self.userAgent = userAgent
    }
}
