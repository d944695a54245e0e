import AppConfig
import Core
import Database
import Foundation
import HTTPSupport
import HTTPTypes
import Tokens

/// Sign-up, password sign-in and refresh-token rotation: each opens or continues a session.
extension AuthService {
    struct SignUp: Decodable {
        var email: String?
        var phone: String?
        var password: String?
        var data: JSONValue?
    }

    /// `POST /signup`: a Session when sign-ups are confirmed at once, else the pending User.
    func signUp(_ request: SignUp, redirectTo: String? = nil, client: ClientInfo) async throws -> String {
        guard !settings.disableSignup else { throw AuthError.signupDisabled }
        guard let rawEmail = request.email, !rawEmail.isEmpty else {
            if request.phone?.isEmpty == false { throw AuthError("phone_provider_disabled", .badRequest, "Phone signups are disabled") }
            guard settings.anonymousSignIns, request.password?.isEmpty != false else { throw AuthError.anonymousDisabled }
            return try await signUpAnonymously(metadata: request.data, client: client)
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
        let confirmCode = settings.autoconfirm ? nil : codes.code()
        let confirmHash = confirmCode.map { codes.hash("confirmation", email: email, code: $0) }

        return try await database.transaction { transaction in
            let inserted = try await transaction.text(SQLStatement("""
                INSERT INTO auth.users (email, encrypted_password, raw_user_meta_data, email_confirmed_at,
                                        confirmation_sent_at, confirmation_token_hash)
                VALUES ($1, $2, $3::jsonb, CASE WHEN $4 THEN now() END, CASE WHEN $4 THEN NULL ELSE now() END, $5)
                ON CONFLICT (email) WHERE email IS NOT NULL DO NOTHING
                RETURNING id::text
                """, [.text(email), .text(hash), .json(try Self.encode(metadata)), .bool(settings.autoconfirm),
                      confirmHash.map(SQLValue.text) ?? .null]))
            guard let userID = inserted else {
                if settings.autoconfirm { throw AuthError.userAlreadyExists }
                return try decoyUser(email: email, metadata: metadata)
            }
            try await transaction.execute(SQLStatement("""
                INSERT INTO auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
                VALUES ($1::uuid, 'email', $1, jsonb_build_object('sub', $1, 'email', $2::text, 'email_verified', $3, 'phone_verified', false),
                        CASE WHEN $3 THEN now() END)
                """, [.text(userID), .text(email), .bool(settings.autoconfirm)]))
            if let confirmCode, let confirmHash {
                try await queueMail(
                    to: email, template: "confirmation", token: confirmCode, hash: confirmHash, verifyType: "signup", redirectTo: redirectTo,
                    in: transaction)
                return try await userJSON(id: userID, in: transaction)
            }
            return try await openSession(userID: userID, method: "password", client: client, in: transaction)
        }
    }

    /// `POST /signup` without credentials (`VISIONARY_AUTH_ANONYMOUS`): a user with no email,
    /// `is_anonymous`, no starting credits, and a session. Rate-limited per client address.
    func signUpAnonymously(metadata: JSONValue?, client: ClientInfo) async throws -> String {
        try await enforceRateLimit("anonymous", address: client.address, email: nil)
        return try await database.transaction { transaction in
            guard let userID = try await transaction.text(SQLStatement("""
                INSERT INTO auth.users (is_anonymous, raw_user_meta_data, raw_app_meta_data) VALUES (true, $1::jsonb, '{}'::jsonb) RETURNING id::text
                """, [.json(try Self.encode(metadata?.objectValue.map { .object($0) } ?? .object([:])))]))
            else { throw AuthError.unexpected }
            return try await openSession(userID: userID, method: "anonymous", client: client, in: transaction)
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
        // Per address only: failures per email are counted with the address they come from
        // (below), so a stranger's guesses never lock the owner out.
        try await enforceRateLimit("token", address: client.address, email: nil)
        let pair: [SQLValue] = [.text(email.isEmpty ? phone : email), .text(client.address ?? "")]
        if let wait = try await database.text(SQLStatement("SELECT auth.sign_in_wait($1, $2)::text", pair)).flatMap({ Int($0) }),
           wait > 0 {
            AuthMetrics.rateLimited("sign_in_backoff")
            throw AuthError.rateLimited(retryAfter: wait)
        }
        let row = email.isEmpty ? nil : try await database.text(SQLStatement("""
            SELECT jsonb_build_object('user', auth.user_json(u), 'hash', u.encrypted_password,
                                      'banned', coalesce(u.banned_until > now(), false),
                                      'confirmed', u.email_confirmed_at IS NOT NULL)::text
            FROM auth.users u WHERE u.email = $1 AND u.deleted_at IS NULL
            """, [.text(email)]))
        let credentials = try row.map { try JSONDecoder().decode(Credentials.self, from: Data($0.utf8)) }
        let matches = await passwords.verify(password, against: credentials?.hash ?? decoyHash)
        guard let credentials, credentials.hash != nil, matches, !password.isEmpty else {
            try await database.execute(SQLStatement(
                "SELECT auth.record_sign_in_failure($1, $2, $3::int, $4::int)",
                pair + [.int(settings.signInFreeFailures), .int(settings.signInMaxBackoff)]))
            AuthMetrics.signIn("failed")
            throw AuthError.invalidCredentials
        }
        try await database.execute(SQLStatement("SELECT auth.clear_sign_in_failures($1, $2)", pair))
        guard !credentials.banned, credentials.confirmed else {
            AuthMetrics.signIn("refused")
            throw credentials.banned ? AuthError.userBanned : AuthError.emailNotConfirmed
        }
        let user = try JSONDecoder().decode(StoredUser.self, from: Data(try Self.encode(credentials.user).utf8))
        let session = try await openSession(userID: user.id, method: "password", client: client)
        AuthMetrics.signIn("succeeded")
        return session
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

    /// `POST /token?grant_type=refresh_token`: rotation with reuse detection
    /// (docs/wire-compatibility.md, Refresh-token rotation). All refreshes of one session are
    /// serialised on its row; a token presented again gets the same successor when it is the
    /// parent of the live token (a lost response) or when the session was refreshed moments ago
    /// (tabs racing); any other reuse ends the session.
    func refresh(token: String) async throws -> String {
        let outcome: RefreshOutcome
        do {
            outcome = try await database.transaction { transaction in
                try await transaction.execute(SQLStatement("SET LOCAL lock_timeout = '5s'"))
                // Lock first, read after: a statement that waited for a lock still reads with the
                // snapshot it started with, and would not see the successor a concurrent refresh
                // of the same token committed meanwhile. The next statement takes a new snapshot.
                try await transaction.execute(SQLStatement("""
                    SELECT 1 FROM auth.refresh_tokens rt JOIN auth.sessions s ON s.id = rt.session_id
                    WHERE rt.token_hash = $1 FOR UPDATE OF rt, s
                    """, [.text(RefreshTokens.hash(token))]))
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
}
