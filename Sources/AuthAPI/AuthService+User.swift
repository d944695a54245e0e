import AppConfig
import Core
import Database
import Foundation
import HTTPSupport
import HTTPTypes
import Tokens

/// The signed-in user: who the bearer is, reading and changing the user, signing out.
extension AuthService {
    /// The signed-in user behind a request's verified token, after the checks listed in
    /// docs/wire-compatibility.md, Auth endpoints (`sub` present, user exists, not banned,
    /// session live).
    struct SignedInUser: Sendable {
        var userID: String
        var sessionID: String?
        var userJSON: String
        var passwordHash: String?
        /// The user's current (confirmed) email, if any.
        var email: String?
        /// Whether the caller's session began with a sign-in less than ten minutes ago.
        var signedInRecently: Bool
    }

    /// The user a verified caller (the Auth surface's caller middleware resolved it) stands for.
    func user(of caller: Caller) async throws -> SignedInUser {
        let claims = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(caller.claims.utf8))) ?? [:]
        // Checked after verification, so that an API key (no sub, no aud) is told what it lacks.
        guard claims["sub"] == nil || claims["aud"] == .string("authenticated")
                || claims["aud"] == .array([.string("authenticated")]) else { throw AuthError.badJWT }
        guard let sub = caller.subject, !sub.isEmpty else { throw AuthError.missingSub }
        guard sub.isUUID else { throw AuthError.userNotFoundBearer }
        let sessionID = claims["session_id"]?.stringValue
        if let sessionID, !sessionID.isUUID { throw AuthError.sessionNotFound }
        let row = try await database.text(SQLStatement("""
            SELECT jsonb_build_object('user', auth.user_json(u), 'hash', u.encrypted_password,
                                      'banned', coalesce(u.banned_until > now(), false),
                                      'session_live', $2::uuid IS NULL OR s.created_at IS NOT NULL,
                                      'email', u.email,
                                      'recent', coalesce(s.created_at > now() - interval '10 minutes', false))::text
            FROM auth.users u
            LEFT JOIN auth.sessions s ON s.id = $2::uuid AND s.user_id = u.id
            WHERE u.id = $1::uuid AND u.deleted_at IS NULL
            """, [.text(sub), sessionID.map { .text($0) } ?? .null]))
        guard let row else { throw AuthError.userNotFoundBearer }
        struct Row: Decodable {
            var user: JSONValue
            var hash: String?
            var banned: Bool
            var session_live: Bool
            var email: String?
            var recent: Bool
        }
        let decoded = try JSONDecoder().decode(Row.self, from: Data(row.utf8))
        guard decoded.session_live else { throw AuthError.sessionNotFound }
        guard !decoded.banned else { throw AuthError.userBannedBearer }
        return SignedInUser(
            userID: sub, sessionID: sessionID, userJSON: try Self.encode(decoded.user), passwordHash: decoded.hash,
            email: decoded.email, signedInRecently: decoded.recent)
    }

    struct UserUpdate: Decodable {
        var email: String?
        var password: String?
        var data: JSONValue?
        var app_metadata: JSONValue?
        var phone: String?
        /// The nonce `GET /reauthenticate` mailed, to change the email or password.
        var nonce: String?
        /// The current password, the other way to change them.
        var current_password: String?
    }

    /// `PUT /user`: metadata merges key by key (null deletes); a new password ends the user's
    /// other sessions. A new email is not applied: it waits for both the current and the new
    /// address to confirm with the tokens mailed to them (`POST /verify`, `type=email_change`).
    /// Changing either needs the current password, a reauthentication nonce, or a sign-in within
    /// the last ten minutes.
    func updateUser(_ update: UserUpdate, caller token: Caller, client: ClientInfo) async throws -> String {
        let caller = try await user(of: token)
        if update.app_metadata != nil { throw AuthError.notAdmin }
        // With a verified second factor, the credentials change only from a session that passed it.
        if update.password != nil || update.email != nil {
            let claims = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(token.claims.utf8))) ?? [:]
            try await requireAAL2IfEnrolled(user: caller.userID, aal: claims["aal"]?.stringValue ?? "aal1")
        }
        var passwordHash: String?
        if let password = update.password {
            try policy.check(password)
            if let current = caller.passwordHash, await passwords.verify(password, against: current) {
                throw AuthError.samePassword
            }
            passwordHash = try await passwords.hash(password)
        }
        var newEmail: String?
        if let raw = update.email {
            let email = raw.normalisedEmail
            guard email.isPlausibleEmail else { throw AuthError.validation("Unable to validate email address: invalid format") }
            if email != caller.email { newEmail = email }
        }
        // An anonymous user proves nothing by reauthenticating (no email, no password): linking
        // an email is confirmed by the mailed code instead.
        let anonymous = (try? JSONDecoder().decode(StoredUser.self, from: Data(caller.userJSON.utf8)))?.is_anonymous == true
        if (passwordHash != nil || newEmail != nil) && !anonymous {
            try await reauthenticated(caller, update)
        }
        if let newEmail {
            try await enforceRateLimit("email_change", address: client.address, email: caller.email ?? newEmail)
        }
        do {
            return try await database.transaction { transaction in
                let text = try await transaction.text(SQLStatement("""
                    UPDATE auth.users AS u SET
                      raw_user_meta_data = auth.merge_metadata(u.raw_user_meta_data, $2::jsonb),
                      encrypted_password = coalesce($3, u.encrypted_password)
                    WHERE u.id = $1::uuid
                    RETURNING auth.user_json(u)::text
                    """, [.text(caller.userID), update.data?.objectValue.map { .json(try Self.encode(.object($0))) } ?? .null,
                          passwordHash.map { .text($0) } ?? .null]))
                guard let text else { throw AuthError.userNotFoundBearer }
                if passwordHash != nil {
                    try await transaction.execute(SQLStatement(
                        "DELETE FROM auth.sessions WHERE user_id = $1::uuid AND id IS DISTINCT FROM $2::uuid",
                        [.text(caller.userID), caller.sessionID.map { .text($0) } ?? .null]))
                }
                guard let newEmail else { return text }
                try await requestEmailChange(userID: caller.userID, currentEmail: caller.email, to: newEmail, in: transaction)
                return try await userJSON(id: caller.userID, in: transaction)
            }
        } catch let error as DatabaseError where error.sqlState == "23505" {
            throw AuthError.emailExists
        }
    }

    /// Whether the caller may change their email or password now: the current password, a valid
    /// nonce (good for one attempt), or a session that began less than ten minutes ago.
    func reauthenticated(_ caller: SignedInUser, _ update: UserUpdate) async throws {
        if let current = update.current_password {
            guard let hash = caller.passwordHash, await passwords.verify(current, against: hash) else {
                throw AuthError.currentPasswordMismatch
            }
            return
        }
        if let nonce = update.nonce {
            // One attempt per nonce: whatever was presented, the stored one is used up.
            let matched = try await database.transaction { transaction in
                let valid = try await transaction.text(SQLStatement("""
                    SELECT (reauthentication_token_hash = $2 AND reauthentication_sent_at > now() - make_interval(secs => $3))::text
                    FROM auth.users WHERE id = $1::uuid AND reauthentication_token_hash IS NOT NULL FOR UPDATE
                    """, [.text(caller.userID), .text(RefreshTokens.hash(nonce)), .int(settings.recoveryTokenLifetime)]))
                try await transaction.execute(SQLStatement(
                    "UPDATE auth.users SET reauthentication_token_hash = NULL WHERE id = $1::uuid", [.text(caller.userID)]))
                return valid
            }
            guard matched == "true" else { throw AuthError.reauthenticationNotValid }
            return
        }
        guard caller.signedInRecently else { throw AuthError.reauthenticationNeeded }
    }

    /// Records the pending change and mails a token to each address: the current one (when the
    /// user has one) and the new one. A taken address is refused as Supabase Auth refuses it.
    func requestEmailChange(userID: String, currentEmail: String?, to email: String, redirectTo: String? = nil,
                            in transaction: SQLTransaction) async throws {
        let taken = try await transaction.text(SQLStatement(
            "SELECT 1::text FROM auth.users WHERE email = $1 AND id <> $2::uuid", [.text(email), .text(userID)]))
        if taken != nil { throw AuthError.emailExists }
        let change = EmailChangeCodes(codes, current: currentEmail, new: email)
        try await transaction.execute(SQLStatement("""
            UPDATE auth.users SET email_change = $2, email_change_token_hash = $3, email_change_token_current_hash = $4,
              email_change_confirm_status = CASE WHEN $4::text IS NULL THEN 1 ELSE 0 END, email_change_sent_at = now()
            WHERE id = $1::uuid
            """, [.text(userID), .text(email), .text(change.new.hash), change.current.map { .text($0.hash) } ?? .null]))
        try await queueMail(to: email, template: "email_change_new", token: change.new.code, hash: change.new.hash, verifyType: "email_change",
                            redirectTo: redirectTo, in: transaction)
        if let code = change.current, let current = currentEmail {
            try await queueMail(
                to: current, template: "email_change_current", token: code.code, hash: code.hash, verifyType: "email_change", redirectTo: redirectTo, in: transaction)
        }
    }

    /// `GET /reauthenticate`: mails the user a six-digit nonce for their next change of email or
    /// password.
    func reauthenticate(caller: Caller, client: ClientInfo) async throws {
        let caller = try await user(of: caller)
        guard let email = caller.email else {
            throw AuthError.validation("Reauthentication requires the user to have an email", status: .unprocessableContent)
        }
        try await enforceRateLimit("reauthenticate", address: client.address, email: email)
        var generator = SystemRandomNumberGenerator()
        let nonce = String(format: "%06d", Int.random(in: 0...999_999, using: &generator))
        try await database.transaction { transaction in
            try await transaction.execute(SQLStatement(
                "UPDATE auth.users SET reauthentication_token_hash = $2, reauthentication_sent_at = now() WHERE id = $1::uuid",
                [.text(caller.userID), .text(RefreshTokens.hash(nonce))]))
            try await queueMail(to: email, template: "reauthentication", token: nonce, hash: RefreshTokens.hash(nonce), in: transaction)
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
    func logout(caller: Caller, scope: String?) async throws {
        let scope = scope ?? "global"
        guard ["global", "local", "others"].contains(scope) else {
            throw AuthError.validation("Unsupported logout scope \(scope.jsonQuoted)")
        }
        let caller = try await user(of: caller)
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

/// The two codes of an email change: one for the new address, and one for the current address
/// when there is one (both must confirm).
struct EmailChangeCodes {
    let new: (code: String, hash: String)
    let current: (code: String, hash: String)?

    init(_ codes: EmailCodes, current: String?, new email: String) {
        let code = codes.code()
        new = (code, codes.hash("email_change", email: email, code: code))
        self.current = current.map { address in
            let code = codes.code()
            return (code, codes.hash("email_change", email: address, code: code))
        }
    }
}
