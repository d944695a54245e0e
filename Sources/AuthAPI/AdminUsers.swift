import Core
import Database
import Foundation
import HTTPSupport
import HTTPTypes
import Tokens

/// The `/admin/users` endpoints: user management for trusted servers (the service_role key).
extension AuthService {
    struct AdminAttributes: Decodable {
        var id: String?
        var email: String?
        var phone: String?
        var password: String?
        var password_hash: String?
        var email_confirm: Bool?
        var user_metadata: JSONValue?
        var app_metadata: JSONValue?
        var role: String?
        var ban_duration: String?
    }

    /// Refuses callers that are not the service role (its key, or a token naming it).
    func requireAdmin(_ caller: Caller) throws(AuthError) {
        guard caller.role == "service_role" else { throw AuthError.notAdmin }
    }

    static func checkedUserID(_ id: String) throws(AuthError) -> String {
        guard id.isUUID else { throw AuthError.validation("user_id must be an UUID", status: .notFound) }
        return id.lowercased()
    }

    /// The longest ban, in seconds: Go's largest duration, as GoTrue accepts.
    static let maxBanSeconds = 9_223_372_036.0

    /// Seconds of a Go duration such as `24h`, `1h30m`, `90s`, `500ms`; nil for `none`.
    static func banSeconds(_ duration: String) throws(AuthError) -> Double? {
        if duration == "none" { return nil }
        var total = 0.0
        var number = ""
        var unit = ""
        func flush() throws(AuthError) {
            guard let value = Double(number) else { throw AuthError.validation("invalid format for ban duration: \(duration)") }
            switch unit {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            case "ms": total += value / 1000
            default: throw AuthError.validation("invalid format for ban duration: \(duration)")
            }
            number = ""
            unit = ""
        }
        for character in duration {
            if character.isNumber || character == "." {
                if !unit.isEmpty { try flush() }
                number.append(character)
            } else {
                unit.append(character)
            }
        }
        try flush()
        // Go's durations, which GoTrue parses, end at about 292 years; so do ours.
        guard total.isFinite, total <= maxBanSeconds else { throw AuthError.validation("invalid format for ban duration: \(duration)") }
        return total
    }

    func passwordHash(for attributes: AdminAttributes) async throws -> String? {
        if attributes.password != nil && attributes.password_hash != nil {
            throw AuthError.validation("Only a password or a password hash should be provided")
        }
        if let password = attributes.password {
            try policy.check(password)
            return try await passwords.hash(password)
        }
        if let hash = attributes.password_hash {
            guard hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$") else {
                throw AuthError.validation("Invalid password hash: only bcrypt hashes are supported")
            }
            return hash
        }
        return nil
    }

    /// `POST /admin/users`.
    func adminCreate(_ attributes: AdminAttributes, caller: Caller) async throws -> String {
        try requireAdmin(caller)
        let email = attributes.email?.normalisedEmail
        guard email?.isEmpty == false || attributes.phone?.isEmpty == false else {
            throw AuthError.validation("Cannot create a user without either an email or phone")
        }
        if let email, !email.isPlausibleEmail { throw AuthError.validation("Unable to validate email address: invalid format") }
        if let id = attributes.id { _ = try Self.checkedUserID(id) }
        var hash = try await passwordHash(for: attributes)
        if hash == nil { hash = try await passwords.hash(refreshTokens.random()) }
        let ban = try attributes.ban_duration.flatMap(Self.banSeconds)
        do {
            return try await database.transaction { transaction in
                guard let userID = try await transaction.text(SQLStatement("""
                    INSERT INTO auth.users (id, email, phone, encrypted_password, email_confirmed_at, raw_user_meta_data,
                                            raw_app_meta_data, role, banned_until)
                    VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, CASE WHEN $5 THEN now() END, $6::jsonb,
                            '{"provider": "email", "providers": ["email"]}'::jsonb || $7::jsonb, coalesce($8, 'authenticated'),
                            now() + make_interval(secs => $9::double precision))
                    RETURNING id::text
                    """, [attributes.id.map { .text($0) } ?? .null, email.map { .text($0) } ?? .null,
                          attributes.phone.map { .text($0) } ?? .null, hash.map { .text($0) } ?? .null, .bool(attributes.email_confirm ?? false),
                          .json(try Self.encode(attributes.user_metadata?.objectValue.map { .object($0) } ?? .object([:]))),
                          .json(try Self.encode(attributes.app_metadata?.objectValue.map { .object($0) } ?? .object([:]))),
                          attributes.role.map { .text($0) } ?? .null, ban.map { .text(String($0)) } ?? .null]))
                else { throw AuthError.unexpected }
                if let email {
                    try await transaction.execute(SQLStatement("""
                        INSERT INTO auth.identities (user_id, provider, provider_id, identity_data)
                        VALUES ($1::uuid, 'email', $1, jsonb_build_object('sub', $1, 'email', $2::text, 'email_verified', $3, 'phone_verified', false))
                        """, [.text(userID), .text(email), .bool(attributes.email_confirm ?? false)]))
                }
                return try await userJSON(id: userID, in: transaction)
            }
        } catch let error as DatabaseError where error.sqlState == "23505" {
            throw error.constraint == "users_pkey" ? AuthError("user_already_exists", .unprocessableContent, "User already registered")
                : attributes.email == nil ? AuthError("phone_exists", .unprocessableContent, "Phone number already registered by another user")
                : AuthError.emailExists
        }
    }

    /// The highest `page` of the user list: with at most 1,000 users a page, the offset stays an
    /// exact, small integer.
    static let maxPage = 1_000_000_000

    /// `page` or `per_page`: absent or empty is the default; anything but an integer from 1 to `maxPage`
    /// is refused, as GoTrue refuses what it cannot parse.
    static func pagination(_ raw: String?, default value: Int) throws(AuthError) -> Int {
        guard let raw, !raw.isEmpty else { return value }
        guard let number = RequestInteger.parse(raw, in: 1...maxPage) else {
            throw AuthError.validation("Bad Pagination Parameters")
        }
        return number
    }

    /// `GET /admin/users?page=&per_page=`: newest first; the total and page links go in headers.
    func adminList(page rawPage: String?, perPage rawPerPage: String?, caller: Caller) async throws -> (body: String, total: Int, page: Int, perPage: Int) {
        try requireAdmin(caller)
        let page = try Self.pagination(rawPage, default: 1)
        let perPage = min(1000, try Self.pagination(rawPerPage, default: 50))
        let text = try await database.text(SQLStatement("""
            SELECT jsonb_build_object(
              'total', (SELECT count(*) FROM auth.users WHERE deleted_at IS NULL),
              'users', coalesce((SELECT jsonb_agg(auth.user_json(u) ORDER BY u.created_at DESC, u.id)
                                 FROM (SELECT * FROM auth.users WHERE deleted_at IS NULL
                                       ORDER BY created_at DESC, id LIMIT $1 OFFSET $2) AS u), '[]'))::text
            """, [.int(perPage), .int((page - 1) * perPage)]))
        struct Listing: Decodable { var total: Int; var users: JSONValue }
        let listing = try JSONDecoder().decode(Listing.self, from: Data((text ?? #"{"total":0,"users":[]}"#).utf8))
        return (#"{"users":"# + (try Self.encode(listing.users)) + #","aud":"authenticated"}"#, listing.total, page, perPage)
    }

    /// `GET /admin/users/{id}`.
    func adminGet(id rawID: String, caller: Caller) async throws -> String {
        try requireAdmin(caller)
        let id = try Self.checkedUserID(rawID)
        guard let text = try await database.text(SQLStatement(
            "SELECT auth.user_json(u)::text FROM auth.users u WHERE u.id = $1::uuid AND u.deleted_at IS NULL", [.text(id)]))
        else { throw AuthError.userNotFound }
        return text
    }

    /// `PUT /admin/users/{id}`: metadata merges as for the user's own update; a new password ends
    /// every session of the user; `ban_duration` bans (or `none` lifts a ban).
    func adminUpdate(id rawID: String, _ attributes: AdminAttributes, caller: Caller) async throws -> String {
        try requireAdmin(caller)
        let id = try Self.checkedUserID(rawID)
        let email = attributes.email?.normalisedEmail
        if let email, !email.isPlausibleEmail { throw AuthError.validation("Unable to validate email address: invalid format") }
        let hash = try await passwordHash(for: attributes)
        let ban: SQLValue
        switch attributes.ban_duration {
        case nil: ban = .text("keep")
        case let duration?: ban = try Self.banSeconds(duration).map { .text(String($0)) } ?? .null
        }
        func merged(_ value: JSONValue?) throws -> SQLValue {
            try value?.objectValue.map { .json(try Self.encode(.object($0))) } ?? .null
        }
        do {
            return try await database.transaction { transaction in
                guard try await transaction.text(SQLStatement("""
                    UPDATE auth.users AS u SET
                      email = coalesce($2, u.email),
                      encrypted_password = coalesce($3, u.encrypted_password),
                      email_confirmed_at = CASE WHEN $4 THEN coalesce(u.email_confirmed_at, now()) ELSE u.email_confirmed_at END,
                      raw_user_meta_data = auth.merge_metadata(u.raw_user_meta_data, $5::jsonb),
                      raw_app_meta_data = auth.merge_metadata(u.raw_app_meta_data, $6::jsonb),
                      role = coalesce($7, u.role),
                      banned_until = CASE WHEN $8::text = 'keep' THEN u.banned_until
                                          WHEN $8::text IS NULL THEN NULL
                                          ELSE now() + make_interval(secs => $8::double precision) END
                    WHERE u.id = $1::uuid AND u.deleted_at IS NULL
                    RETURNING u.id::text
                    """, [.text(id), email.map { .text($0) } ?? .null, hash.map { .text($0) } ?? .null,
                          .bool(attributes.email_confirm ?? false), try merged(attributes.user_metadata),
                          try merged(attributes.app_metadata), attributes.role.map { .text($0) } ?? .null, ban])) != nil
                else { throw AuthError.userNotFound }
                if hash != nil || (attributes.ban_duration.map { $0 != "none" } ?? false) {
                    try await transaction.execute(SQLStatement("DELETE FROM auth.sessions WHERE user_id = $1::uuid", [.text(id)]))
                }
                if let email { try await syncIdentityEmail(userID: id, email: email, in: transaction) }
                return try await userJSON(id: id, in: transaction)
            }
        } catch let error as DatabaseError where error.sqlState == "23505" {
            throw AuthError.emailExists
        }
    }

    /// `DELETE /admin/users/{id}`: deletes the user and, by cascade, everything that is theirs;
    /// `should_soft_delete` instead marks the user deleted and ends their sessions.
    func adminDelete(id rawID: String, softly: Bool, caller: Caller) async throws {
        try requireAdmin(caller)
        let id = try Self.checkedUserID(rawID)
        let statement = softly
            ? SQLStatement("""
                WITH ended AS (DELETE FROM auth.sessions WHERE user_id = $1::uuid)
                UPDATE auth.users SET deleted_at = now() WHERE id = $1::uuid AND deleted_at IS NULL RETURNING id::text
                """, [.text(id)])
            : SQLStatement("DELETE FROM auth.users WHERE id = $1::uuid RETURNING id::text", [.text(id)])
        guard try await database.text(statement) != nil else { throw AuthError.userNotFound }
    }
}
