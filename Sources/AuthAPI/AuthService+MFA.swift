import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import Tokens

/// Multi-factor authentication with TOTP factors (`/factors`): enrol, challenge, verify (which
/// raises the session to aal2), unenrol; and the admin's view of a user's factors. A user with a
/// verified factor changes their factors only from an aal2 session.
extension AuthService {
    /// Factors a user may have at once.
    static let maximumFactors = 10
    /// How long a challenge may be answered, and how many wrong codes it takes.
    static let challengeLifetime = 300
    static let challengeAttempts = 5
    /// Challenges a factor may be issued per minute and per hour.
    static let challengesPerMinute = 5
    static let challengesPerHour = 30
    /// Wrong codes a user may send in a day, across all factors, before verification waits.
    static let failuresPerDay = 20
    /// How long an unverified factor may be verified after enrolment.
    static let unverifiedLifetime = 3_600

    public struct Enrolment: Decodable, Sendable {
        var factor_type: String?
        var friendly_name: String?
        var issuer: String?
    }

    public struct FactorVerification: Decodable, Sendable {
        var challenge_id: String?
        var code: String?
    }

    /// The signed-in user and session behind `caller`, and the assurance level its token carries.
    func mfaCaller(_ caller: Caller) async throws -> (user: String, session: String, aal: String, email: String) {
        let signedIn = try await user(of: caller)
        let claims = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(caller.claims.utf8))) ?? [:]
        guard let session = claims["session_id"]?.stringValue, session.isUUID, let sub = caller.subject else {
            throw AuthError("no_authorization", .unauthorized, "MFA needs a user's session token")
        }
        return (sub.lowercased(), session.lowercased(), claims["aal"]?.stringValue ?? "aal1", signedIn.email ?? "")
    }

    /// Refuses an aal1 session of a user who has a verified factor.
    func requireAAL2IfEnrolled(user: String, aal: String) async throws {
        guard aal != "aal2" else { return }
        if try await database.text(SQLStatement(
            "SELECT 'verified' FROM auth.mfa_factors WHERE user_id = $1::uuid AND status = 'verified' LIMIT 1", [.text(user)])) != nil {
            throw AuthError("insufficient_aal", .forbidden, "AAL2 required to change the factors of a user with a verified factor")
        }
    }

    /// `POST /factors`: a new unverified TOTP factor, with its secret and `otpauth://` URI.
    func enrol(_ body: Enrolment, caller: Caller) async throws -> String {
        let me = try await mfaCaller(caller)
        guard (body.factor_type ?? "totp") == "totp" else { throw AuthError.validation("factor_type must be totp (phone factors are not offered)", status: .unprocessableContent) }
        let name = body.friendly_name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let name, !(1...100).contains(name.count) { throw AuthError.validation("friendly_name must be 1 to 100 characters", status: .unprocessableContent) }
        let issuer = (body.issuer?.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
            ?? URL(string: settings.publicURL)?.host ?? "visionary"
        try await requireAAL2IfEnrolled(user: me.user, aal: me.aal)
        try await database.execute(SQLStatement(
            "DELETE FROM auth.mfa_factors WHERE user_id = $1::uuid AND status = 'unverified' AND created_at < now() - make_interval(secs => $2::integer)",
            [.text(me.user), .int(Self.unverifiedLifetime)]))
        let row: String?
        do {
            row = try await database.text(SQLStatement("""
                INSERT INTO auth.mfa_factors (user_id, friendly_name)
                SELECT $1::uuid, $2 WHERE (SELECT count(*) FROM auth.mfa_factors WHERE user_id = $1::uuid) < $3::integer
                RETURNING json_build_object('id', id, 'friendly_name', friendly_name)::text
                """, [.text(me.user), name.map(SQLValue.text) ?? .null, .int(Self.maximumFactors)]))
        } catch let error as DatabaseError where error.sqlState == "23505" {
            throw AuthError("mfa_factor_name_conflict", .unprocessableContent, "A factor with the friendly name \"\(name ?? "")\" for this user already exists")
        }
        guard let row else { throw AuthError("too_many_enrolled_mfa_factors", .unprocessableContent, "Maximum number of enrolled factors reached") }
        struct Created: Decodable { let id: UUID; let friendly_name: String? }
        let created = try JSONDecoder().decode(Created.self, from: Data(row.utf8))
        let secret = TOTP.base32(totp.secret(factor: created.id))
        // Key URI format: `otpauth://totp/Issuer:account?secret=…&issuer=…`, each part percent-encoded.
        let uri = "otpauth://totp/\(issuer.uriComponentEncoded):\(me.email.uriComponentEncoded)?secret=\(secret)&issuer=\(issuer.uriComponentEncoded)"
            + "&algorithm=SHA1&digits=6&period=30"
        return JSONValue.object([
            "id": .string(created.id.uuidString.lowercased()), "type": .string("totp"),
            "friendly_name": created.friendly_name.map(JSONValue.string) ?? .null,
            // The QR code an authenticator app scans: SVG, as the clients expect (they prefix `data:image/svg+xml;utf-8,`).
            "totp": .object(["secret": .string(secret), "uri": .string(uri), "qr_code": .string((try? QRCode(uri))?.svg ?? "")]),
        ]).jsonText
    }

    /// `POST /factors/{id}/challenge`: a challenge for one of the caller's factors, rate-limited per factor.
    func challenge(factor rawID: String, caller: Caller, client: ClientInfo) async throws -> String {
        let me = try await mfaCaller(caller)
        guard rawID.isUUID else { throw AuthError("mfa_factor_not_found", .notFound, "Factor not found") }
        let text = try await database.transaction { transaction -> String? in
            guard try await transaction.text(SQLStatement(
                "SELECT 'mine' FROM auth.mfa_factors WHERE id = $1::uuid AND user_id = $2::uuid FOR UPDATE", [.text(rawID), .text(me.user)])) != nil
            else { throw AuthError("mfa_factor_not_found", .notFound, "Factor not found") }
            try await transaction.execute(SQLStatement(
                "DELETE FROM auth.mfa_challenges WHERE factor_id = $1::uuid AND created_at < now() - interval '1 day'", [.text(rawID)]))
            let counts = try await transaction.text(SQLStatement("""
                SELECT (count(*) FILTER (WHERE created_at > now() - interval '1 minute'))::text || ' ' || count(*)::text
                  FROM auth.mfa_challenges WHERE factor_id = $1::uuid AND created_at > now() - interval '1 hour'
                """, [.text(rawID)]))?.split(separator: " ").compactMap { Int($0) } ?? [0, 0]
            guard counts.count == 2, counts[0] < Self.challengesPerMinute, counts[1] < Self.challengesPerHour else {
                AuthMetrics.rateLimited("mfa_challenge")
                throw AuthError.rateLimited(retryAfter: counts.first.map { $0 >= Self.challengesPerMinute ? 60 : 3_600 } ?? 60)
            }
            return try await transaction.text(SQLStatement("""
                INSERT INTO auth.mfa_challenges (factor_id, ip) VALUES ($1::uuid, $2::inet)
                RETURNING json_build_object('id', id, 'type', 'totp', 'expires_at', floor(extract(epoch FROM created_at))::bigint + $3::integer)::text
                """, [.text(rawID), client.address.map(SQLValue.text) ?? .null, .int(Self.challengeLifetime)]))
        }
        guard let text else { throw AuthError.unexpected }
        return text
    }

    /// `POST /factors/{id}/verify`: the code of a live challenge of the caller's factor verifies the
    /// factor and raises the caller's session to aal2: a new session body (access and refresh token).
    func verifyFactor(factor rawID: String, _ body: FactorVerification, caller: Caller) async throws -> String {
        let me = try await mfaCaller(caller)
        guard rawID.isUUID, let factor = UUID(uuidString: rawID) else { throw AuthError("mfa_factor_not_found", .notFound, "Factor not found") }
        guard let challenge = body.challenge_id, challenge.isUUID else { throw AuthError.validation("challenge_id must be an UUID") }
        guard let code = body.code?.trimmingCharacters(in: .whitespaces), code.count == TOTP.digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else {
            throw AuthError("mfa_verification_failed", .unprocessableContent, "Invalid TOTP code entered")
        }
        let refreshToken = refreshTokens.random()
        enum Outcome: Sendable { case verified(String), wrongCode }
        let outcome = try await database.transaction { transaction -> Outcome in
            struct Found: Decodable {
                let expired: Bool; let verified: Bool; let attempts: Int; let last_step: Int64?
                let unverified_factor: Bool; let factor_stale: Bool; let others_verified: Bool; let failures_today: Int
            }
            guard let text = try await transaction.text(SQLStatement("""
                SELECT json_build_object('expired', c.created_at < now() - make_interval(secs => $4::integer), 'verified', c.verified_at IS NOT NULL,
                                         'attempts', c.failed_attempts, 'last_step', f.last_used_step,
                                         'unverified_factor', f.status = 'unverified',
                                         'factor_stale', f.status = 'unverified' AND f.created_at < now() - make_interval(secs => $5::integer),
                                         'others_verified', EXISTS (SELECT 1 FROM auth.mfa_factors o WHERE o.user_id = f.user_id AND o.id <> f.id AND o.status = 'verified'),
                                         'failures_today', (SELECT coalesce(sum(x.failed_attempts), 0) FROM auth.mfa_challenges x
                                                              JOIN auth.mfa_factors y ON y.id = x.factor_id
                                                             WHERE y.user_id = f.user_id AND x.created_at > now() - interval '1 day'))::text
                  FROM auth.mfa_challenges c JOIN auth.mfa_factors f ON f.id = c.factor_id
                 WHERE c.id = $1::uuid AND f.id = $2::uuid AND f.user_id = $3::uuid
                   FOR UPDATE OF c, f
                """, [.text(challenge), .text(rawID), .text(me.user), .int(Self.challengeLifetime), .int(Self.unverifiedLifetime)]))
            else { throw AuthError("mfa_challenge_not_found", .notFound, "Challenge not found") }
            let found = try JSONDecoder().decode(Found.self, from: Data(text.utf8))
            // A second factor is added only from a session that passed the first.
            if found.unverified_factor, found.others_verified, me.aal != "aal2" {
                throw AuthError("insufficient_aal", .forbidden, "AAL2 required to verify a new factor of a user with a verified factor")
            }
            guard !found.factor_stale else {
                throw AuthError("mfa_factor_expired", .unprocessableContent, "This factor was not verified in time: enrol it again")
            }
            guard found.failures_today < Self.failuresPerDay else {
                AuthMetrics.rateLimited("mfa_verify")
                throw AuthError.rateLimited(retryAfter: 86_400)
            }
            guard !found.expired, !found.verified, found.attempts < Self.challengeAttempts else {
                throw AuthError("mfa_challenge_expired", .unprocessableContent, "MFA challenge has expired, verify against another challenge or create a new factor")
            }
            guard let step = totp.matchingStep(of: code, factor: factor, now: now(), after: found.last_step) else {
                try await transaction.execute(SQLStatement(
                    "UPDATE auth.mfa_challenges SET failed_attempts = failed_attempts + 1 WHERE id = $1::uuid", [.text(challenge)]))
                return .wrongCode
            }
            // The session the caller's token names becomes aal2; its user's own, and live.
            guard let session = try await transaction.text(SQLStatement("""
                WITH c AS (UPDATE auth.mfa_challenges SET verified_at = now() WHERE id = $1::uuid),
                     f AS (UPDATE auth.mfa_factors SET status = 'verified', last_used_step = $3::bigint, updated_at = now() WHERE id = $2::uuid),
                     s AS (UPDATE auth.sessions SET aal = 'aal2',
                             amr = amr || jsonb_build_array(jsonb_build_object('method', 'totp', 'timestamp', floor(extract(epoch FROM now()))::bigint))
                            WHERE id = $4::uuid AND user_id = $5::uuid RETURNING id, amr),
                     t AS (INSERT INTO auth.refresh_tokens (token_hash, user_id, session_id) SELECT $6, $5::uuid, s.id FROM s)
                SELECT jsonb_build_object('session_id', s.id, 'amr', s.amr, 'user', auth.user_json(u))::text
                  FROM s, auth.users u WHERE u.id = $5::uuid
                """, [.text(challenge), .text(rawID), .text(String(step)), .text(me.session), .text(me.user), .text(RefreshTokens.hash(refreshToken))]))
            else { throw AuthError.sessionNotFound }
            return .verified(session)
        }
        switch outcome {
        case .wrongCode:
            throw AuthError("mfa_verification_failed", .unprocessableContent, "Invalid TOTP code entered")
        case .verified(let text):
            let opened = try JSONDecoder().decode(OpenedSession.self, from: Data(text.utf8))
            return try sessionBody(userJSON: try Self.encode(opened.user), sessionID: opened.session_id, amr: opened.amr, refreshToken: refreshToken)
        }
    }

    /// `DELETE /factors/{id}`: removes one of the caller's factors (a verified one only from an
    /// aal2 session). With no verified factor left, the user's sessions are aal1 again.
    func unenrol(factor rawID: String, caller: Caller) async throws -> String {
        let me = try await mfaCaller(caller)
        guard rawID.isUUID else { throw AuthError("mfa_factor_not_found", .notFound, "Factor not found") }
        let status = try await database.text(SQLStatement(
            "SELECT status FROM auth.mfa_factors WHERE id = $1::uuid AND user_id = $2::uuid", [.text(rawID), .text(me.user)]))
        guard let status else { throw AuthError("mfa_factor_not_found", .notFound, "Factor not found") }
        if status == "verified", me.aal != "aal2" {
            throw AuthError("insufficient_aal", .forbidden, "AAL2 required to unenroll a verified factor")
        }
        try await removeFactor(rawID, of: me.user)
        return #"{"id":"\#(rawID.lowercased())"}"#
    }

    func removeFactor(_ id: String, of user: String) async throws {
        try await database.execute(SQLStatement("""
            WITH gone AS (DELETE FROM auth.mfa_factors WHERE id = $1::uuid AND user_id = $2::uuid RETURNING user_id)
            UPDATE auth.sessions s SET aal = 'aal1',
                   amr = coalesce((SELECT jsonb_agg(e) FROM jsonb_array_elements(s.amr) e WHERE e ->> 'method' <> 'totp'), '[]')
             WHERE s.user_id IN (SELECT user_id FROM gone)
               AND NOT EXISTS (SELECT 1 FROM auth.mfa_factors f WHERE f.user_id = $2::uuid AND f.status = 'verified' AND f.id <> $1::uuid)
            """, [.text(id), .text(user)]))
    }

    /// `GET /admin/users/{id}/factors`: the user's factors.
    func adminFactors(id rawID: String, caller: Caller) async throws -> String {
        try requireAdmin(caller)
        let id = try Self.checkedUserID(rawID)
        guard let text = try await database.text(SQLStatement(
            "SELECT (auth.user_json(u) -> 'factors')::text FROM auth.users u WHERE u.id = $1::uuid AND u.deleted_at IS NULL", [.text(id)]))
        else { throw AuthError.userNotFound }
        return text
    }

    /// `DELETE /admin/users/{id}/factors/{factorId}`: removes one factor of the user.
    func adminDeleteFactor(user rawID: String, factor rawFactor: String, caller: Caller) async throws -> String {
        try requireAdmin(caller)
        let id = try Self.checkedUserID(rawID)
        guard rawFactor.isUUID, try await database.text(SQLStatement(
            "SELECT 'found' FROM auth.mfa_factors WHERE id = $1::uuid AND user_id = $2::uuid", [.text(rawFactor), .text(id)])) != nil
        else { throw AuthError("mfa_factor_not_found", .notFound, "Factor not found") }
        try await removeFactor(rawFactor, of: id)
        return #"{"id":"\#(rawFactor.lowercased())"}"#
    }
}
