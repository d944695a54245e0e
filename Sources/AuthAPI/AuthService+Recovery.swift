import AppConfig
import Core
import Database
import Foundation
import HTTPSupport
import Tokens

/// Password recovery and token verification: tokens queued as mail, then redeemed.
extension AuthService {
    /// `POST /recover`: queues a recovery mail when the address is registered; answers the
    /// same either way.
    func recover(email rawEmail: String?, redirectTo: String? = nil, client: ClientInfo) async throws {
        let email = (rawEmail ?? "").normalisedEmail
        guard email.isPlausibleEmail else { throw AuthError.validation("Unable to validate email address: invalid format") }
        try await enforceRateLimit("recover", address: client.address, email: email)
        let code = codes.code(), hash = codes.hash("recovery", email: email, code: code)
        try await database.transaction { transaction in
            let found = try await transaction.text(SQLStatement("""
                UPDATE auth.users SET recovery_token_hash = $2, recovery_sent_at = now()
                WHERE email = $1 AND deleted_at IS NULL RETURNING id::text
                """, [.text(email), .text(hash)]))
            if found != nil {
                try await queueMail(to: email, template: "recovery", token: code, hash: hash, verifyType: "recovery", redirectTo: redirectTo, in: transaction)
            }
        }
    }

    /// The link a mail carries to redeem a code (`GET /verify` on the public URL), sending the
    /// person on to `redirectTo` when the allow list admits it, else to the public URL.
    func verifyLink(hash: String, type: String, redirectTo: String?) -> String {
        settings.publicURL + "/auth/v1/verify?token=" + hash + "&type=" + type
            + "&redirect_to=" + redirects.destination(redirectTo).percentEncoded(keepingSlash: false)
    }

    /// Queues a mail carrying `token` (kept as `hash`). With `verifyType`, the payload also holds
    /// the link that redeems it and where that link then sends the person.
    func queueMail(
        to email: String, template: String, token: String, hash: String, verifyType: String? = nil, redirectTo: String? = nil,
        in transaction: SQLTransaction
    ) async throws {
        let link = verifyType.map { verifyLink(hash: hash, type: $0, redirectTo: redirectTo) }
        let destination = redirects.destination(redirectTo)
        try await transaction.execute(SQLStatement("""
            INSERT INTO auth.mail_outbox (recipient, template, payload)
            VALUES ($1, $2, jsonb_strip_nulls(jsonb_build_object('token', $3::text, 'token_hash', $4::text, 'link', $5::text,
                                                                 'redirect_to', $6::text)))
            """, [.text(email), .text(template), .text(token), .text(hash), link.map { .text($0) } ?? .null,
                  verifyType == nil ? .null : .text(destination)]))
    }

    struct Verification: Decodable {
        var type: String?
        var email: String?
        var token: String?
        var token_hash: String?
    }

    /// `GET /verify?token=&type=&redirect_to=`: the link a mail carries (`token` is the token's
    /// hash). Redeems it and answers where to send the person: `redirect_to` if the allow list
    /// admits it, else the public URL, with the session (or the error, or the note that the other
    /// address must confirm too) in the fragment, as Supabase Auth's implicit flow does.
    func verifyLink(tokenHash: String?, type: String?, redirectTo: String?, client: ClientInfo) async -> String {
        let destination = redirects.destination(redirectTo)
        func fragment(_ pairs: [(String, String)]) -> String {
            destination + "#" + pairs.map { $0.0 + "=" + $0.1.percentEncoded(keepingSlash: false) }.joined(separator: "&")
        }
        let failure = fragment([("error", "access_denied"), ("error_code", "otp_expired"),
                                ("error_description", "Email link is invalid or has expired")])
        guard let tokenHash, !tokenHash.isEmpty, let type else { return failure }
        do {
            let body = try await verify(Verification(type: type, token_hash: tokenHash), client: client)
            guard let object = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)).objectValue else { return failure }
            if let message = object["msg"]?.stringValue { return fragment([("message", message)]) }
            var pairs: [(String, String)] = []
            for key in ["access_token", "expires_at", "expires_in", "refresh_token", "token_type"] {
                switch object[key] {
                case .string(let text)?: pairs.append((key, text))
                case .number(let number)?: pairs.append((key, String(Int(exactly: number) ?? 0)))
                default: break
                }
            }
            pairs.append(("type", type))
            return fragment(pairs)
        } catch {
            return failure
        }
    }

    /// The hash of the token a verification presents (as sent, or already hashed), and the email
    /// it names.
    func presentedToken(_ request: Verification, kind: String) throws(AuthError) -> (hash: String, email: String?) {
        if let tokenHash = request.token_hash, !tokenHash.isEmpty {
            guard tokenHash.utf8.count <= 128 else { throw AuthError.otpExpired }
            return (tokenHash, request.email?.normalisedEmail)
        }
        guard let token = request.token, !token.isEmpty, let email = request.email?.normalisedEmail, !email.isEmpty else {
            throw AuthError.validation("Verify requires either a token and an email, or a token hash")
        }
        guard email.isPlausibleEmail else { throw AuthError.validation("Unable to validate email address: invalid format") }
        guard token.utf8.count <= 64 else { throw AuthError.otpExpired }
        return (codes.hash(kind, email: email, code: token), email)
    }

    /// `POST /verify` with `type=email_change`: one of the two tokens of a pending change. The
    /// first answers that the other address must confirm too; the second applies the new address
    /// and opens a session. Each token works once, within its lifetime.
    func confirmEmailChange(_ request: Verification, client: ClientInfo) async throws -> String {
        let (hash, email) = try presentedToken(request, kind: "email_change")
        struct Change: Decodable { var id: String; var status: Int; var email_change: String }
        do {
            return try await database.transaction { transaction in
                guard let row = try await transaction.text(SQLStatement("""
                    UPDATE auth.users SET
                      email_change_confirm_status = email_change_confirm_status
                        | CASE WHEN email_change_token_current_hash = $1 THEN 1 ELSE 2 END,
                      email_change_token_current_hash = CASE WHEN email_change_token_current_hash = $1 THEN NULL
                                                             ELSE email_change_token_current_hash END,
                      email_change_token_hash = CASE WHEN email_change_token_hash = $1 THEN NULL ELSE email_change_token_hash END
                    WHERE ((email_change_token_hash = $1 AND ($3::text IS NULL OR email_change = $3))
                           OR (email_change_token_current_hash = $1 AND ($3::text IS NULL OR email = $3)))
                      AND email_change_sent_at > now() - make_interval(secs => $2) AND deleted_at IS NULL
                      AND (banned_until IS NULL OR banned_until <= now())
                    RETURNING json_build_object('id', id, 'status', email_change_confirm_status, 'email_change', email_change)::text
                    """, [.text(hash), .int(settings.recoveryTokenLifetime), email.map { .text($0) } ?? .null]))
                else { throw AuthError.otpExpired }
                let change = try JSONDecoder().decode(Change.self, from: Data(row.utf8))
                guard change.status == 3 else {
                    return #"{"msg":"Confirmation link accepted. Please proceed to confirm link sent to the other email"}"#
                }
                try await transaction.execute(SQLStatement("""
                    UPDATE auth.users SET email = email_change, email_confirmed_at = now(), email_change = NULL,
                      email_change_token_hash = NULL, email_change_token_current_hash = NULL, email_change_confirm_status = 0,
                      email_change_sent_at = NULL, is_anonymous = false,
                      raw_app_meta_data = CASE WHEN is_anonymous THEN '{"provider": "email", "providers": ["email"]}'::jsonb || raw_app_meta_data
                                               ELSE raw_app_meta_data END
                    WHERE id = $1::uuid
                    """, [.text(change.id)]))
                // An anonymous user linking an email gets the email identity it lacked.
                try await transaction.execute(SQLStatement("""
                    INSERT INTO auth.identities (user_id, provider, provider_id, identity_data, last_sign_in_at)
                    SELECT $1::uuid, 'email', $1, jsonb_build_object('sub', $1, 'email', $2::text, 'email_verified', true, 'phone_verified', false), now()
                     WHERE NOT EXISTS (SELECT 1 FROM auth.identities WHERE user_id = $1::uuid AND provider = 'email')
                    """, [.text(change.id), .text(change.email_change)]))
                try await syncIdentityEmail(userID: change.id, email: change.email_change, in: transaction)
                return try await openSession(userID: change.id, method: "email_change", client: client, in: transaction)
            }
        } catch let error as DatabaseError where error.sqlState == "23505" {
            throw AuthError.emailExists
        }
    }

    /// `POST /verify`: exchanges a mailed code (with its email) or a link's token hash for a
    /// session; a code works once, within its lifetime, and only as the kind it was sent for
    /// (`email` takes a confirmation's, an invitation's or a magic link's). Tries are rate-limited
    /// per address and per email, and per email per day. A magic link, invitation or recovery
    /// that confirms an address drops the password it had: whoever set it never proved the mailbox.
    func verify(_ request: Verification, client: ClientInfo) async throws -> String {
        let kinds: [MailedCode]
        switch request.type ?? "" {
        case "recovery": kinds = [.recovery]
        case "magiclink": kinds = [.magiclink]
        case "signup": kinds = [.confirmation]
        case "invite": kinds = [.invite]
        case "email": kinds = [.confirmation, .invite, .magiclink]
        case "email_change":
            let (_, email) = try presentedToken(request, kind: "email_change")
            try await limitVerification(email: email, client: client)
            return try await confirmEmailChange(request, client: client)
        default:
            throw AuthError.validation("Verify requires a verification type")
        }
        let presented = try kinds.map { kind throws(AuthError) in (kind, try presentedToken(request, kind: kind.rawValue)) }
        try await limitVerification(email: presented.first?.1.email, client: client)
        return try await database.transaction { transaction in
            struct Redeemed: Decodable { var id: String; var dropped_password: Bool }
            var redeemed: Redeemed?
            for (kind, token) in presented where redeemed == nil {
                let (column, sentColumn) = kind.columns
                let dropsPassword = kind != .confirmation
                guard let row = try await transaction.text(SQLStatement("""
                    WITH found AS (
                      SELECT id, email_confirmed_at IS NULL AND encrypted_password IS NOT NULL AND $4 AS drops FROM auth.users
                       WHERE \(column) = $1 AND \(sentColumn) > now() - make_interval(secs => $2)
                         AND ($3::text IS NULL OR email = $3) AND deleted_at IS NULL
                         AND (banned_until IS NULL OR banned_until <= now())
                       FOR UPDATE)
                    UPDATE auth.users u SET \(column) = NULL, email_confirmed_at = coalesce(u.email_confirmed_at, now()),
                      encrypted_password = CASE WHEN found.drops THEN NULL ELSE u.encrypted_password END
                      FROM found WHERE u.id = found.id
                    RETURNING json_build_object('id', u.id, 'dropped_password', found.drops)::text
                    """, [.text(token.hash), .int(settings.recoveryTokenLifetime), token.email.map { .text($0) } ?? .null, .bool(dropsPassword)]))
                else { continue }
                redeemed = try JSONDecoder().decode(Redeemed.self, from: Data(row.utf8))
            }
            guard let redeemed else { throw AuthError.otpExpired }
            let userID = redeemed.id
            if redeemed.dropped_password {
                // Sessions opened with that password end with it.
                try await transaction.execute(SQLStatement("DELETE FROM auth.sessions WHERE user_id = $1::uuid", [.text(userID)]))
            }
            try await transaction.execute(SQLStatement("""
                UPDATE auth.identities SET identity_data = identity_data || '{"email_verified": true}'
                WHERE user_id = $1::uuid AND provider = 'email'
                """, [.text(userID)]))
            return try await openSession(userID: userID, method: "otp", client: client, in: transaction)
        }
    }

    /// Counts a try at a code against the per-address and per-email windows, and against a day's
    /// allowance per email (30): a code of six digits must not be guessable by patience.
    func limitVerification(email: String?, client: ClientInfo) async throws {
        try await enforceRateLimit("verify", address: client.address, email: email)
        guard let email else { return }
        let hits = try await database.text(SQLStatement("SELECT auth.hit_rate_limit($1, 86400)::text", [.text("verify:day:email:\(email)")]))
        if let hits, let count = Int(hits), count > Self.dailyVerifications {
            let elapsed = Int(now().timeIntervalSince1970) % 86_400
            throw AuthError.rateLimited(retryAfter: max(1, 86_400 - elapsed))
        }
    }

    static let dailyVerifications = 30
}
