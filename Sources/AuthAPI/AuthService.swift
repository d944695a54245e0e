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
    let refreshTokens: RefreshTokens
    let passwords: any PasswordHasher
    let policy: PasswordPolicy
    /// A real hash of a random password: checked when the email is unknown, so that an unknown
    /// email and a wrong password take the same time.
    let decoyHash: String
    let now: @Sendable () -> Date

    public init(
        database: SQLRunner, settings: AuthSettings, jwtSecret: String, passwords: any PasswordHasher,
        now: @escaping @Sendable () -> Date = Date.init
    ) async throws {
        self.database = database
        self.settings = settings
        self.signer = HS256(secret: jwtSecret)
        self.refreshTokens = RefreshTokens(secret: jwtSecret)
        self.passwords = passwords
        self.policy = PasswordPolicy(minimumLength: settings.minimumPasswordLength)
        self.decoyHash = try await passwords.hash(RefreshTokens(secret: jwtSecret).random())
        self.now = now
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
            aal: "aal1", amr: amr, session_id: sessionID, is_anonymous: user.is_anonymous)
        let accessToken = try signer.sign(claims)
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

    // MARK: Sign-up and sign-in

    struct SignUp: Decodable {
        var email: String?
        var phone: String?
        var password: String?
        var data: JSONValue?
    }

    /// `POST /signup`: a Session when sign-ups are confirmed at once, else the pending User.
    func signUp(_ request: SignUp, client: ClientInfo) async throws -> String {
        guard !settings.disableSignup else { throw AuthError.signupDisabled }
        guard let rawEmail = request.email, !rawEmail.isEmpty else {
            if request.phone?.isEmpty == false { throw AuthError("phone_provider_disabled", .badRequest, "Phone signups are disabled") }
            throw AuthError.anonymousDisabled
        }
        guard let password = request.password, !password.isEmpty else {
            throw AuthError.validation("Signup requires a valid password")
        }
        try policy.check(password)
        let email = rawEmail.normalisedEmail
        guard email.isPlausibleEmail else { throw AuthError.validation("Unable to validate email address: invalid format") }
        let metadata = request.data?.objectValue.map { JSONValue.object($0) } ?? .object([:])
        try await enforceRateLimit("signup", address: client.address, email: email)
        let hash = try await passwords.hash(password)
        let confirmToken = settings.autoconfirm ? nil : refreshTokens.random()

        return try await database.transaction { transaction in
            let inserted = try await transaction.text(SQLStatement("""
                INSERT INTO auth.users (email, encrypted_password, raw_user_meta_data, email_confirmed_at,
                                        confirmation_sent_at, confirmation_token_hash)
                VALUES ($1, $2, $3::jsonb, CASE WHEN $4 THEN now() END, CASE WHEN $4 THEN NULL ELSE now() END, $5)
                ON CONFLICT (email) WHERE email IS NOT NULL DO NOTHING
                RETURNING id::text
                """, [.text(email), .text(hash), .json(try Self.encode(metadata)), .bool(settings.autoconfirm),
                      confirmToken.map { .text(RefreshTokens.hash($0)) } ?? .null]))
            guard let userID = inserted else {
                if settings.autoconfirm { throw AuthError.userAlreadyExists }
                return try decoyUser(email: email, metadata: metadata)
            }
            try await transaction.execute(SQLStatement("""
                INSERT INTO auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
                VALUES ($1::uuid, 'email', $1, jsonb_build_object('sub', $1, 'email', $2::text, 'email_verified', $3, 'phone_verified', false),
                        CASE WHEN $3 THEN now() END)
                """, [.text(userID), .text(email), .bool(settings.autoconfirm)]))
            if let confirmToken {
                try await queueMail(to: email, template: "confirmation", token: confirmToken, in: transaction)
                return try await userJSON(id: userID, in: transaction)
            }
            return try await openSession(userID: userID, method: "password", client: client, in: transaction)
        }
    }

    /// The answer to a sign-up for an email that is already registered, when confirmation is on:
    /// a user that looks new but has no identities (what GoTrue answers, so addresses do not leak).
    func decoyUser(email: String, metadata: JSONValue) throws -> String {
        let stamp = ISO8601DateFormatter().string(from: now())
        return #"{"id":"\#(UUID().uuidString.lowercased())","aud":"authenticated","role":"authenticated","email":"#
            + email.jsonQuoted + #","phone":"","confirmation_sent_at":"\#(stamp)","app_metadata":{"provider":"email","providers":["email"]},"user_metadata":"#
            + (try Self.encode(metadata)) + #","identities":[],"created_at":"\#(stamp)","updated_at":"\#(stamp)","is_anonymous":false}"#
    }

    struct PasswordGrant: Decodable {
        var email: String?
        var phone: String?
        var password: String?
    }

    struct Credentials: Decodable {
        var user: JSONValue
        var hash: String?
        var banned: Bool
        var confirmed: Bool
    }

    /// `POST /token?grant_type=password`. Unknown email, missing password hash and wrong
    /// password give the same error after the same work.
    func signIn(_ request: PasswordGrant, client: ClientInfo) async throws -> String {
        let email = request.email?.normalisedEmail ?? ""
        let phone = request.phone ?? ""
        guard !(email.isEmpty && phone.isEmpty) else { throw AuthError.validation("missing email or phone") }
        guard email.isEmpty || phone.isEmpty else { throw AuthError.validation("Only an email address or phone number should be provided") }
        let password = request.password ?? ""
        try await enforceRateLimit("token", address: client.address, email: email.isEmpty ? nil : email)
        let row = email.isEmpty ? nil : try await database.text(SQLStatement("""
            SELECT jsonb_build_object('user', auth.user_json(u), 'hash', u.encrypted_password,
                                      'banned', coalesce(u.banned_until > now(), false),
                                      'confirmed', u.email_confirmed_at IS NOT NULL)::text
            FROM auth.users u WHERE u.email = $1 AND u.deleted_at IS NULL
            """, [.text(email)]))
        let credentials = try row.map { try JSONDecoder().decode(Credentials.self, from: Data($0.utf8)) }
        let matches = await passwords.verify(password, against: credentials?.hash ?? decoyHash)
        guard let credentials, credentials.hash != nil, matches, !password.isEmpty else { throw AuthError.invalidCredentials }
        guard !credentials.banned else { throw AuthError.userBanned }
        guard credentials.confirmed else { throw AuthError.emailNotConfirmed }
        let user = try JSONDecoder().decode(StoredUser.self, from: Data(try Self.encode(credentials.user).utf8))
        return try await openSession(userID: user.id, method: "password", client: client)
    }

    // MARK: Refresh

    struct PresentedToken: Decodable {
        var session_id: String
        var user_id: String
        var revoked: Bool
        var id: Int
        var banned: Bool
        var recently_refreshed: Bool
        /// Rotations between the presented token and the session's live token; nil when none is live.
        var active_depth: Int?
    }

    enum RefreshOutcome: Sendable {
        case issued(token: String, sessionID: String, userID: String)
        case reused
    }

    /// `POST /token?grant_type=refresh_token`: rotation with reuse detection (spec §2.7). All
    /// refreshes of one session are serialised on its row; a token presented again gets the
    /// same successor when it is the parent of the live token (a lost response) or when the
    /// session was refreshed moments ago (tabs racing); any other reuse ends the session.
    func refresh(token: String) async throws -> String {
        let outcome: RefreshOutcome
        do {
            outcome = try await database.transaction { transaction in
                try await transaction.execute(SQLStatement("SET LOCAL lock_timeout = '5s'"))
                let row = try await transaction.text(SQLStatement("""
                    SELECT jsonb_build_object(
                      'id', rt.id, 'revoked', rt.revoked, 'session_id', rt.session_id, 'user_id', rt.user_id,
                      'banned', coalesce(u.banned_until > now(), false),
                      'recently_refreshed', coalesce(s.refreshed_at > now() - make_interval(secs => $2), false),
                      'active_depth', (
                        WITH RECURSIVE chain (id, revoked, depth) AS (
                          SELECT rt.id, rt.revoked, 0
                          UNION ALL
                          SELECT c.id, c.revoked, chain.depth + 1 FROM auth.refresh_tokens c JOIN chain ON c.parent_id = chain.id
                        )
                        SELECT min(depth) FROM chain WHERE NOT revoked))::text
                    FROM auth.refresh_tokens rt
                    JOIN auth.sessions s ON s.id = rt.session_id
                    JOIN auth.users u ON u.id = rt.user_id
                    WHERE rt.token_hash = $1
                    FOR UPDATE OF rt, s
                    """, [.text(RefreshTokens.hash(token)), .int(settings.refreshReuseInterval)]))
                guard let row else { throw AuthError.refreshTokenNotFound }
                let presented = try JSONDecoder().decode(PresentedToken.self, from: Data(row.utf8))
                guard !presented.banned else { throw AuthError.userBanned }
                if !presented.revoked {
                    let successor = refreshTokens.successor(of: token)
                    try await transaction.execute(SQLStatement("""
                        WITH revoked AS (UPDATE auth.refresh_tokens SET revoked = true WHERE id = $1),
                             refreshed AS (UPDATE auth.sessions SET refreshed_at = now() WHERE id = $3::uuid)
                        INSERT INTO auth.refresh_tokens (token_hash, user_id, session_id, parent_id)
                        VALUES ($2, $4::uuid, $3::uuid, $1)
                        """, [.int(presented.id), .text(RefreshTokens.hash(successor)), .text(presented.session_id), .text(presented.user_id)]))
                    return .issued(token: successor, sessionID: presented.session_id, userID: presented.user_id)
                }
                if let depth = presented.active_depth, depth == 1 || presented.recently_refreshed {
                    return .issued(
                        token: refreshTokens.successor(of: token, generations: depth),
                        sessionID: presented.session_id, userID: presented.user_id)
                }
                // Reuse of an old token: someone else may hold it. End the session for everyone.
                try await transaction.execute(SQLStatement(
                    "DELETE FROM auth.sessions WHERE id = $1::uuid", [.text(presented.session_id)]))
                return .reused
            }
        } catch let error as DatabaseError where error.sqlState == "55P03" {
            throw AuthError.conflict
        }
        guard case .issued(let successor, let sessionID, let userID) = outcome else { throw AuthError.refreshTokenAlreadyUsed }
        let text = try await database.text(SQLStatement("""
            SELECT jsonb_build_object('user', auth.user_json(u), 'amr', s.amr)::text
            FROM auth.users u JOIN auth.sessions s ON s.user_id = u.id
            WHERE u.id = $1::uuid AND s.id = $2::uuid
            """, [.text(userID), .text(sessionID)]))
        guard let text else { throw AuthError.refreshSessionNotFound }
        struct Refreshed: Decodable { var user: JSONValue; var amr: [AuthenticationMethod] }
        let refreshed = try JSONDecoder().decode(Refreshed.self, from: Data(text.utf8))
        return try sessionBody(userJSON: try Self.encode(refreshed.user), sessionID: sessionID, amr: refreshed.amr, refreshToken: successor)
    }

    // MARK: The current user

    /// The caller of an endpoint that needs a user bearer: its claims, after the five checks of
    /// spec §2.4 (token valid, `sub` present, user exists, not banned, session live).
    struct Caller: Sendable {
        var userID: String
        var sessionID: String?
        var userJSON: String
        var passwordHash: String?
    }

    func claims(ofBearer bearer: String?, audience: String? = nil) throws(AuthError) -> [String: JSONValue] {
        guard let bearer else { throw AuthError.noAuthorization }
        do {
            return try signer.verify(bearer, now: now(), leeway: TimeInterval(settings.expiryLeeway), audience: audience)
        } catch {
            throw AuthError.badJWT
        }
    }

    func caller(bearer: String?) async throws -> Caller {
        let claims = try claims(ofBearer: bearer)
        // Checked after parsing, so that an API key (no sub, no aud) is told what it lacks.
        guard claims["sub"] == nil || claims["aud"] == .string("authenticated")
                || claims["aud"] == .array([.string("authenticated")]) else { throw AuthError.badJWT }
        guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else { throw AuthError.missingSub }
        guard sub.isUUID else { throw AuthError.userNotFoundBearer }
        let sessionID = claims["session_id"]?.stringValue
        if let sessionID, !sessionID.isUUID { throw AuthError.sessionNotFound }
        let row = try await database.text(SQLStatement("""
            SELECT jsonb_build_object('user', auth.user_json(u), 'hash', u.encrypted_password,
                                      'banned', coalesce(u.banned_until > now(), false),
                                      'session_live', $2::uuid IS NULL OR EXISTS (SELECT 1 FROM auth.sessions s WHERE s.id = $2::uuid AND s.user_id = u.id))::text
            FROM auth.users u WHERE u.id = $1::uuid AND u.deleted_at IS NULL
            """, [.text(sub), sessionID.map { .text($0) } ?? .null]))
        guard let row else { throw AuthError.userNotFoundBearer }
        struct Row: Decodable { var user: JSONValue; var hash: String?; var banned: Bool; var session_live: Bool }
        let decoded = try JSONDecoder().decode(Row.self, from: Data(row.utf8))
        guard decoded.session_live else { throw AuthError.sessionNotFound }
        guard !decoded.banned else { throw AuthError.userBannedBearer }
        return Caller(userID: sub, sessionID: sessionID, userJSON: try Self.encode(decoded.user), passwordHash: decoded.hash)
    }

    struct UserUpdate: Decodable {
        var email: String?
        var password: String?
        var data: JSONValue?
        var app_metadata: JSONValue?
        var phone: String?
    }

    /// `PUT /user`: metadata merges key by key (null deletes); a new password ends the user's
    /// other sessions; a new email applies at once (this server sends no confirmation mail).
    func updateUser(_ update: UserUpdate, bearer: String?) async throws -> String {
        let caller = try await caller(bearer: bearer)
        if update.app_metadata != nil { throw AuthError.notAdmin }
        var passwordHash: String?
        if let password = update.password {
            try policy.check(password)
            if let current = caller.passwordHash, await passwords.verify(password, against: current) {
                throw AuthError.samePassword
            }
            passwordHash = try await passwords.hash(password)
        }
        var email: String?
        if let raw = update.email {
            email = raw.normalisedEmail
            guard email?.isPlausibleEmail == true else { throw AuthError.validation("Unable to validate email address: invalid format") }
        }
        do {
            return try await database.transaction { transaction in
                let text = try await transaction.text(SQLStatement("""
                    UPDATE auth.users AS u SET
                      raw_user_meta_data = auth.merge_metadata(u.raw_user_meta_data, $2::jsonb),
                      encrypted_password = coalesce($3, u.encrypted_password),
                      email = coalesce($4, u.email)
                    WHERE u.id = $1::uuid
                    RETURNING auth.user_json(u)::text
                    """, [.text(caller.userID), update.data?.objectValue.map { .json(try Self.encode(.object($0))) } ?? .null,
                          passwordHash.map { .text($0) } ?? .null, email.map { .text($0) } ?? .null]))
                if let email { try await syncIdentityEmail(userID: caller.userID, email: email, in: transaction) }
                if passwordHash != nil {
                    try await transaction.execute(SQLStatement(
                        "DELETE FROM auth.sessions WHERE user_id = $1::uuid AND id IS DISTINCT FROM $2::uuid",
                        [.text(caller.userID), caller.sessionID.map { .text($0) } ?? .null]))
                }
                guard let text else { throw AuthError.userNotFoundBearer }
                // identities changed after the row was returned; read the user again when they did
                return email == nil ? text : try await userJSON(id: caller.userID, in: transaction)
            }
        } catch let error as DatabaseError where error.sqlState == "23505" {
            throw AuthError.emailExists
        }
    }

    /// Keeps the email identity's data in step with a changed email.
    func syncIdentityEmail(userID: String, email: String, in transaction: SQLTransaction) async throws {
        try await transaction.execute(SQLStatement("""
            UPDATE auth.identities SET identity_data = identity_data || jsonb_build_object('email', $2::text)
            WHERE user_id = $1::uuid AND provider = 'email'
            """, [.text(userID), .text(email)]))
    }

    func userJSON(id: String, in transaction: SQLTransaction) async throws -> String {
        guard let text = try await transaction.text(SQLStatement(
            "SELECT auth.user_json(u)::text FROM auth.users u WHERE u.id = $1::uuid", [.text(id)]))
        else { throw AuthError.userNotFound }
        return text
    }

    /// `POST /logout?scope=…`: global ends every session of the user, local the caller's, others
    /// all but the caller's.
    func logout(bearer: String?, scope: String?) async throws {
        let scope = scope ?? "global"
        guard ["global", "local", "others"].contains(scope) else {
            throw AuthError.validation("Unsupported logout scope \(scope.jsonQuoted)")
        }
        let caller = try await caller(bearer: bearer)
        let session: SQLValue = caller.sessionID.map { .text($0) } ?? .null
        switch scope {
        case "local":
            try await database.execute(SQLStatement("DELETE FROM auth.sessions WHERE id = $1::uuid", [session]))
        case "others":
            try await database.execute(SQLStatement(
                "DELETE FROM auth.sessions WHERE user_id = $1::uuid AND id IS DISTINCT FROM $2::uuid", [.text(caller.userID), session]))
        default:
            try await database.execute(SQLStatement("DELETE FROM auth.sessions WHERE user_id = $1::uuid", [.text(caller.userID)]))
        }
    }

    // MARK: Recovery and verification

    /// `POST /recover`: queues a recovery mail when the address is registered; answers the
    /// same either way.
    func recover(email rawEmail: String?, client: ClientInfo) async throws {
        let email = (rawEmail ?? "").normalisedEmail
        guard email.isPlausibleEmail else { throw AuthError.validation("Unable to validate email address: invalid format") }
        try await enforceRateLimit("recover", address: client.address, email: email)
        let token = refreshTokens.random()
        try await database.transaction { transaction in
            let found = try await transaction.text(SQLStatement("""
                UPDATE auth.users SET recovery_token_hash = $2, recovery_sent_at = now()
                WHERE email = $1 AND deleted_at IS NULL RETURNING id::text
                """, [.text(email), .text(RefreshTokens.hash(token))]))
            if found != nil {
                try await queueMail(to: email, template: "recovery", token: token, in: transaction)
            }
        }
    }

    func queueMail(to email: String, template: String, token: String, in transaction: SQLTransaction) async throws {
        try await transaction.execute(SQLStatement("""
            INSERT INTO auth.mail_outbox (recipient, template, payload)
            VALUES ($1, $2, jsonb_build_object('token', $3::text, 'token_hash', $4::text))
            """, [.text(email), .text(template), .text(token), .text(RefreshTokens.hash(token))]))
    }

    struct Verification: Decodable {
        var type: String?
        var email: String?
        var token: String?
        var token_hash: String?
    }

    /// `POST /verify`: exchanges a recovery or confirmation token (as sent, or its hash) for a
    /// session; a token works once, within its lifetime.
    func verify(_ request: Verification, client: ClientInfo) async throws -> String {
        let type = request.type ?? ""
        let column: String
        let sentColumn: String
        switch type {
        case "recovery", "magiclink":
            (column, sentColumn) = ("recovery_token_hash", "recovery_sent_at")
        case "signup", "email", "invite":
            (column, sentColumn) = ("confirmation_token_hash", "confirmation_sent_at")
        default:
            throw AuthError.validation("Verify requires a verification type")
        }
        let hash: String
        if let tokenHash = request.token_hash, !tokenHash.isEmpty {
            hash = tokenHash
        } else if let token = request.token, !token.isEmpty, request.email?.isEmpty == false {
            hash = RefreshTokens.hash(token)
        } else {
            throw AuthError.validation("Verify requires either a token and an email, or a token hash")
        }
        let email = request.email?.normalisedEmail
        return try await database.transaction { transaction in
            let userID = try await transaction.text(SQLStatement("""
                UPDATE auth.users SET \(column) = NULL,
                  email_confirmed_at = coalesce(email_confirmed_at, now())
                WHERE \(column) = $1 AND \(sentColumn) > now() - make_interval(secs => $2)
                  AND ($3::text IS NULL OR email = $3) AND deleted_at IS NULL
                RETURNING id::text
                """, [.text(hash), .int(settings.recoveryTokenLifetime), email.map { .text($0) } ?? .null]))
            guard let userID else { throw AuthError.otpExpired }
            try await transaction.execute(SQLStatement("""
                UPDATE auth.identities SET identity_data = identity_data || '{"email_verified": true}'
                WHERE user_id = $1::uuid AND provider = 'email'
                """, [.text(userID)]))
            return try await openSession(userID: userID, method: "otp", client: client, in: transaction)
        }
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
