import AppConfig
import Core
import Database
import Foundation
import HTTPSupport
import Tokens

/// The signed-in user: who the bearer is, reading and changing the user, signing out.
extension AuthService {
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
}
