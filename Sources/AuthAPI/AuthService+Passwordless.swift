import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import Tokens

/// Passwordless email — one-time codes and magic links (`POST /otp`, `POST /resend`) — and the
/// operator's invitations and links (`POST /invite`, `POST /admin/generate_link`). Every mailed
/// code is a `MailedCode`: six digits kept as their keyed hash, redeemed by `POST /verify` (email
/// and code) or by the link (`GET /verify` with the hash), once, within its lifetime.
extension AuthService {
    /// What a mailed code is for: the columns that keep it, the mail's template and the link's type.
    enum MailedCode: String, CaseIterable {
        case confirmation, magiclink, invite, recovery

        var columns: (hash: String, sentAt: String) {
            switch self {
            case .confirmation, .invite: ("confirmation_token_hash", "confirmation_sent_at")
            case .magiclink, .recovery: ("recovery_token_hash", "recovery_sent_at")
            }
        }

        var template: String { rawValue }
        var verifyType: String { self == .confirmation ? "signup" : rawValue }
    }

    /// A fresh code of `kind` stored for the (live) user with that email, in `transaction`; nil
    /// when there is no such user.
    func storeCode(_ kind: MailedCode, email: String, in transaction: SQLTransaction) async throws -> (code: String, hash: String)? {
        let code = codes.code(), hash = codes.hash(kind.rawValue, email: email, code: code)
        let (column, sentAt) = kind.columns
        let stored = try await transaction.text(SQLStatement("""
            UPDATE auth.users SET \(column) = $2, \(sentAt) = now(), invited_at = CASE WHEN $3 THEN now() ELSE invited_at END
             WHERE email = $1 AND deleted_at IS NULL RETURNING id::text
            """, [.text(email), .text(hash), .bool(kind == .invite)]))
        return stored == nil ? nil : (code, hash)
    }

    /// A new user with this email and no password (sign-up by code, or an invitation), with its
    /// email identity; nil when the email is taken.
    func createPasswordless(email: String, metadata: JSONValue?, in transaction: SQLTransaction) async throws -> String? {
        let userID = try await transaction.text(SQLStatement("""
            INSERT INTO auth.users (email, raw_user_meta_data) VALUES ($1, $2::jsonb)
            ON CONFLICT (email) WHERE email IS NOT NULL DO NOTHING RETURNING id::text
            """, [.text(email), .json(try Self.encode(metadata?.objectValue.map { .object($0) } ?? .object([:])))]))
        guard let userID else { return nil }
        try await transaction.execute(SQLStatement("""
            INSERT INTO auth.identities (user_id, provider, provider_id, identity_data)
            VALUES ($1::uuid, 'email', $1, jsonb_build_object('sub', $1, 'email', $2::text, 'email_verified', false, 'phone_verified', false))
            """, [.text(userID), .text(email)]))
        return userID
    }

    /// The email of a request, normalised and checked; a phone asks for a provider this server lacks.
    static func checkedEmail(_ raw: String?, phone: String? = nil) throws(AuthError) -> String {
        guard let raw, !raw.isEmpty else {
            if phone?.isEmpty == false { throw AuthError("phone_provider_disabled", .badRequest, "Phone logins are disabled") }
            throw AuthError.validation("An email address is required")
        }
        let email = raw.normalisedEmail
        guard email.isPlausibleEmail else { throw AuthError.validation("Unable to validate email address: invalid format") }
        return email
    }

    struct OTPRequest: Decodable {
        var email: String?
        var phone: String?
        var create_user: Bool?
        var data: JSONValue?
    }

    /// `POST /otp`: mails a magic link and code to a known user, and — unless `create_user` is
    /// false or sign-ups are off — creates a user for a new address and mails its confirmation.
    /// Answers `{}` whichever happened.
    func sendOTP(_ request: OTPRequest, redirectTo: String?, client: ClientInfo) async throws {
        let email = try Self.checkedEmail(request.email, phone: request.phone)
        try await enforceRateLimit("otp", address: client.address, email: email)
        try await database.transaction { transaction in
            let confirmed = try await transaction.text(SQLStatement(
                "SELECT (email_confirmed_at IS NOT NULL)::text FROM auth.users WHERE email = $1 AND deleted_at IS NULL", [.text(email)]))
            if confirmed == nil {
                guard request.create_user ?? true else { throw AuthError("otp_disabled", .unprocessableContent, "Signups not allowed for otp") }
                guard !settings.disableSignup else { throw AuthError.signupDisabled }
                guard try await createPasswordless(email: email, metadata: request.data, in: transaction) != nil else { return }
            }
            // A new user has no password; an existing one — confirmed or not — gets a magic link,
            // whose redemption drops a password the mailbox's owner never proved (see `verify`).
            let kind: MailedCode = confirmed == nil ? .confirmation : .magiclink
            if let (code, hash) = try await storeCode(kind, email: email, in: transaction) {
                try await queueMail(to: email, template: kind.template, token: code, hash: hash, verifyType: kind.verifyType,
                                    redirectTo: redirectTo, in: transaction)
            }
        }
    }

    struct ResendRequest: Decodable {
        var type: String?
        var email: String?
        var phone: String?
    }

    /// `POST /resend`: a new confirmation code for an unconfirmed sign-up, or new codes for a
    /// pending email change. Answers `{}` whether or not the address has anything pending.
    func resend(_ request: ResendRequest, redirectTo: String?, client: ClientInfo) async throws {
        switch request.type {
        case "signup", "email_change": break
        case "sms", "phone_change": throw AuthError("phone_provider_disabled", .badRequest, "Phone logins are disabled")
        default: throw AuthError.validation("Missing one of these types: signup, email_change, sms, phone_change")
        }
        let email = try Self.checkedEmail(request.email)
        try await enforceRateLimit("resend", address: client.address, email: email)
        try await database.transaction { transaction in
            if request.type == "signup" {
                guard try await transaction.text(SQLStatement(
                    "SELECT 1::text FROM auth.users WHERE email = $1 AND email_confirmed_at IS NULL AND deleted_at IS NULL", [.text(email)])) != nil,
                    let (code, hash) = try await storeCode(.confirmation, email: email, in: transaction)
                else { return }
                try await queueMail(to: email, template: "confirmation", token: code, hash: hash, verifyType: "signup", redirectTo: redirectTo, in: transaction)
                return
            }
            struct Pending: Decodable { var id: String; var email: String?; var email_change: String }
            guard let row = try await transaction.text(SQLStatement("""
                SELECT json_build_object('id', id, 'email', email, 'email_change', email_change)::text FROM auth.users
                 WHERE (email = $1 OR email_change = $1) AND email_change IS NOT NULL AND deleted_at IS NULL
                   AND (banned_until IS NULL OR banned_until <= now()) LIMIT 1
                """, [.text(email)])) else { return }
            let pending = try JSONDecoder().decode(Pending.self, from: Data(row.utf8))
            do {
                try await requestEmailChange(userID: pending.id, currentEmail: pending.email, to: pending.email_change, redirectTo: redirectTo,
                                             in: transaction)
            } catch let error as AuthError where error.code == AuthError.emailExists.code {
                // The address was taken meanwhile: the answer stays `{}`, as for any address.
                return
            }
        }
    }

    struct InviteRequest: Decodable {
        var email: String?
        var data: JSONValue?
    }

    /// `POST /invite` (service_role): creates the user when the address is new and mails an
    /// invitation code and link; an address whose user is confirmed already is 422.
    func invite(_ request: InviteRequest, redirectTo: String?, caller: Caller) async throws -> String {
        try requireAdmin(caller)
        let email = try Self.checkedEmail(request.email)
        return try await database.transaction { transaction in
            let (userID, code, hash) = try await inviteCode(email: email, metadata: request.data, in: transaction)
            try await queueMail(to: email, template: "invite", token: code, hash: hash, verifyType: "invite", redirectTo: redirectTo, in: transaction)
            return try await userJSON(id: userID, in: transaction)
        }
    }

    /// The invited user (created when new) and its fresh invitation code.
    func inviteCode(email: String, metadata: JSONValue?, in transaction: SQLTransaction) async throws -> (String, String, String) {
        let existing = try await transaction.text(SQLStatement("""
            SELECT json_build_object('id', id, 'confirmed', email_confirmed_at IS NOT NULL)::text FROM auth.users
             WHERE email = $1 AND deleted_at IS NULL
            """, [.text(email)]))
        struct Existing: Decodable { var id: String; var confirmed: Bool }
        let userID: String
        if let existing, let user = try? JSONDecoder().decode(Existing.self, from: Data(existing.utf8)) {
            guard !user.confirmed else { throw AuthError.emailExists }
            userID = user.id
        } else {
            guard let created = try await createPasswordless(email: email, metadata: metadata, in: transaction) else { throw AuthError.emailExists }
            userID = created
        }
        guard let (code, hash) = try await storeCode(.invite, email: email, in: transaction) else { throw AuthError.userNotFound }
        return (userID, code, hash)
    }

    struct LinkRequest: Decodable {
        var type: String?
        var email: String?
        var password: String?
        var new_email: String?
        var data: JSONValue?
        var redirect_to: String?
    }

    /// `POST /admin/generate_link` (service_role): the link and code of a `signup`, `invite`,
    /// `magiclink`, `recovery`, `email_change_current` or `email_change_new` mail, answered
    /// instead of sent — the user's fields with `action_link`, `email_otp`, `hashed_token`,
    /// `redirect_to` and `verification_type`, as Supabase Auth answers them.
    func generateLink(_ request: LinkRequest, redirectTo queryRedirect: String?, caller: Caller) async throws -> String {
        try requireAdmin(caller)
        let email = try Self.checkedEmail(request.email)
        let redirectTo = queryRedirect ?? request.redirect_to
        // A sign-up link's password is checked and hashed before the transaction, not inside it.
        let passwordHash = try await request.type == "signup" ? checkedPasswordHash(request.password) : nil
        return try await database.transaction { transaction in
            let code: String, hash: String, type: String
            switch request.type {
            case "signup":
                guard let passwordHash else { throw AuthError.validation("Signup requires a valid password") }
                switch try await transaction.text(SQLStatement(
                    "SELECT (email_confirmed_at IS NULL AND deleted_at IS NULL)::text FROM auth.users WHERE email = $1", [.text(email)])) {
                case nil: _ = try await createPasswordless(email: email, metadata: request.data, in: transaction)
                case "true": break
                default: throw AuthError.emailExists
                }
                try await transaction.execute(SQLStatement(
                    "UPDATE auth.users SET encrypted_password = $2 WHERE email = $1", [.text(email), .text(passwordHash)]))
                guard let stored = try await storeCode(.confirmation, email: email, in: transaction) else { throw AuthError.userNotFound }
                (code, hash, type) = (stored.code, stored.hash, "signup")
            case "invite":
                let (_, inviteCode, inviteHash) = try await inviteCode(email: email, metadata: request.data, in: transaction)
                (code, hash, type) = (inviteCode, inviteHash, "invite")
            case "magiclink", "recovery":
                guard let stored = try await storeCode(request.type == "recovery" ? .recovery : .magiclink, email: email, in: transaction)
                else { throw AuthError.userNotFound }
                (code, hash, type) = (stored.code, stored.hash, request.type ?? "")
            case "email_change_current", "email_change_new":
                let newEmail = try Self.checkedEmail(request.new_email)
                (code, hash) = try await emailChangeCode(email: email, to: newEmail, side: request.type == "email_change_new" ? .new : .current,
                                                          in: transaction)
                type = "email_change"
            default:
                throw AuthError.validation("Invalid email action link type requested: \(String((request.type ?? "").prefix(40)))")
            }
            guard let user = try await transaction.text(SQLStatement(
                "SELECT auth.user_json(u)::text FROM auth.users u WHERE email = $1 AND deleted_at IS NULL", [.text(email)])),
                case .object(var members) = try JSONDecoder().decode(JSONValue.self, from: Data(user.utf8))
            else { throw AuthError.userNotFound }
            members["action_link"] = .string(verifyLink(hash: hash, type: type, redirectTo: redirectTo))
            members["email_otp"] = .string(code)
            members["hashed_token"] = .string(hash)
            members["redirect_to"] = .string(redirects.destination(redirectTo))
            members["verification_type"] = .string(type)
            return JSONValue.object(members).jsonText
        }
    }

    /// The hash of an acceptable password; nil when none was given.
    func checkedPasswordHash(_ password: String?) async throws -> String? {
        guard let password, !password.isEmpty else { return nil }
        try policy.check(password)
        return try await passwords.hash(password)
    }

    enum ChangeSide { case current, new }

    /// A code for one side of an email change of the user with `email` to `newEmail`. A change to
    /// that address already pending keeps the other side's code (so the two links can be asked
    /// for one after the other); otherwise the change starts afresh.
    func emailChangeCode(email: String, to newEmail: String, side: ChangeSide, in transaction: SQLTransaction) async throws -> (String, String) {
        if try await transaction.text(SQLStatement(
            "SELECT 1::text FROM auth.users WHERE email = $1 AND id <> (SELECT id FROM auth.users WHERE email = $2)", [.text(newEmail), .text(email)])) != nil {
            throw AuthError.emailExists
        }
        let address = side == .new ? newEmail : email
        let code = codes.code(), hash = codes.hash("email_change", email: address, code: code)
        let column = side == .new ? "email_change_token_hash" : "email_change_token_current_hash"
        let other = side == .new ? "email_change_token_current_hash" : "email_change_token_hash"
        let otherHash = codes.hash("email_change", email: side == .new ? email : newEmail, code: codes.code())
        guard try await transaction.text(SQLStatement("""
            UPDATE auth.users SET
              \(column) = $3,
              \(other) = CASE WHEN email_change = $2 AND \(other) IS NOT NULL THEN \(other) ELSE $4 END,
              email_change_confirm_status = CASE WHEN email_change = $2 THEN email_change_confirm_status ELSE 0 END,
              email_change = $2, email_change_sent_at = now()
             WHERE email = $1 AND deleted_at IS NULL RETURNING id::text
            """, [.text(email), .text(newEmail), .text(hash), .text(otherHash)])) != nil
        else { throw AuthError.userNotFound }
        return (code, hash)
    }
}
