import AppConfig
import Core
import Database
import Foundation
import Secrets
import Tokens

/// The Microsoft Teams links of users. A link is made by a delegated Microsoft sign-in finished
/// against a state the server signed: it names the Teams user (Graph's id is the `aadObjectId`
/// of their messages); its access and refresh tokens are sealed with the key ring into
/// `teams_installations`, each bound to its row and column, and kept fresh by the
/// `teams.refresh-tokens` job. Messages go out with the bot's own credentials, to the
/// conversation and service URL the Bot Framework last gave in a verified activity. Works as the
/// owner (client roles can neither read the ciphertexts nor insert links).
public struct TeamsService: Sendable {
    let database: SQLRunner
    let ring: KeyRing
    let states: OAuthStates
    let microsoft: MicrosoftClient?
    let authentication: BotFrameworkAuthentication?
    /// Where Microsoft sends people back after signing in: `VISIONARY_PUBLIC_URL` + the function's path.
    public let redirectURI: String

    public static let table = "public.teams_installations"

    /// `app` nil: Teams is not configured, and every call throws `TeamsNotConfigured`.
    public init(database: SQLRunner, ring: KeyRing, states: OAuthStates, app: TeamsApp?, publicURL: String) {
        self.database = database
        self.ring = ring
        self.states = states
        microsoft = app.map { MicrosoftClient(app: $0) }
        authentication = app.map { BotFrameworkAuthentication(app: $0) }
        redirectURI = publicURL + "/functions/v1/teams-bot?endpoint=oauth"
    }

    func client() throws(TeamsNotConfigured) -> MicrosoftClient {
        guard let microsoft else { throw TeamsNotConfigured() }
        return microsoft
    }

    /// Where to send `user` to sign in with Microsoft: the authorize URL with a state bound to them.
    public func installURL(user: UUID, now: Date) throws -> String {
        try client().authorizeURL(state: states.issue(user: user, provider: "teams", now: now), redirectURI: redirectURI)
    }

    /// Finishes the sign-in: the state must be one this server issued (unexpired, unused); the
    /// code is redeemed, Graph names the Teams user, and the tokens are sealed to the user's link
    /// for that tenant. A Teams user linked to another account is refused (that account must
    /// disconnect first). Answers the user's name.
    public func finishInstall(code: String, state: String, now: Date) async throws -> String {
        let microsoft = try client()
        let user = try await states.redeem(state, provider: "teams", now: now, run: database.text)
        let tokens = try await microsoft.redeem(code: code, redirectURI: redirectURI)
        let profile = try await microsoft.me(accessToken: tokens.accessToken)
        let tenant = tokens.tenantID ?? "common"
        try await database.transaction { transaction in
            guard try await transaction.text(SQLStatement(
                "SELECT 1 FROM public.teams_installations WHERE teams_user_id = $1 AND user_id <> $2::uuid AND is_active",
                [.text(profile.id), .text(user.uuidString)])) == nil
            else { throw TeamsRefusal("this Microsoft account is linked to another Visionary account: disconnect it there first") }
            let existing = try await transaction.text(SQLStatement(
                "SELECT id::text FROM public.teams_installations WHERE user_id = $1::uuid AND tenant_id = $2 FOR UPDATE",
                [.text(user.uuidString), .text(tenant)]))
            let id = existing.flatMap(UUID.init(uuidString:)) ?? UUID()
            let sealed = try TeamsTokens.seal(tokens, row: id, ring: ring)
            try await transaction.execute(SQLStatement("""
                INSERT INTO public.teams_installations AS t
                       (id, user_id, tenant_id, teams_user_id, teams_user_email, teams_display_name,
                        access_token_encrypted, refresh_token_encrypted, token_key_version, token_expires_at)
                VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, decode($7, 'hex'), decode($8, 'hex'), $9::integer,
                        now() + make_interval(secs => $10::integer))
                ON CONFLICT (id) DO UPDATE SET
                  service_url = CASE WHEN t.teams_user_id = excluded.teams_user_id THEN t.service_url END,
                  conversation_id = CASE WHEN t.teams_user_id = excluded.teams_user_id THEN t.conversation_id END,
                  bot_id = CASE WHEN t.teams_user_id = excluded.teams_user_id THEN t.bot_id END,
                  teams_user_id = excluded.teams_user_id, teams_user_email = excluded.teams_user_email,
                  teams_display_name = excluded.teams_display_name, access_token_encrypted = excluded.access_token_encrypted,
                  refresh_token_encrypted = excluded.refresh_token_encrypted, token_key_version = excluded.token_key_version,
                  token_expires_at = excluded.token_expires_at, is_active = true, installed_at = now(), disconnected_at = NULL
                """, [.text(id.uuidString), .text(user.uuidString), .text(tenant), .text(profile.id),
                      (profile.mail ?? profile.userPrincipalName).map(SQLValue.text) ?? .null, profile.displayName.map(SQLValue.text) ?? .null,
                      .text(sealed.access.hex), sealed.refresh.map { .text($0.hex) } ?? .null, .int(sealed.access.version),
                      .int(min(max(tokens.expiresIn, 0), 86_400))]))
        }
        return profile.displayName ?? profile.mail ?? "your Microsoft account"
    }

    /// Admits a request as the Bot Framework's (see `BotFrameworkAuthentication`).
    public func admit(authorization: String?, channelID: String?, serviceURL: String?, now: Date) async throws {
        guard let authentication else { throw TeamsNotConfigured() }
        _ = try await authentication.verify(authorization: authorization, channelID: channelID, serviceURL: serviceURL, now: now)
    }

    /// Where a verified activity came from.
    public struct Conversation: Sendable {
        public let serviceURL: String
        public let id: String
        /// `personal` (the user's one-to-one chat with the bot), `groupChat` or `channel`.
        public let type: String?
        public let tenantID: String?
        public let botID: String?

        public init(serviceURL: String, id: String, type: String?, tenantID: String?, botID: String?) {
            self.serviceURL = serviceURL
            self.id = id
            self.type = type
            self.tenantID = tenantID
            self.botID = botID
        }
    }

    /// The Visionary user a Teams user acts as: their active link, in the tenant the activity
    /// came from. A personal conversation is remembered on the link for the bot's later messages
    /// (never a group chat or channel, where others would read them).
    public func linkedUser(teamsUser: String, in conversation: Conversation) async throws -> UUID? {
        try await database.text(SQLStatement("""
            UPDATE public.teams_installations
               SET service_url = CASE WHEN $5 THEN $2 ELSE service_url END,
                   conversation_id = CASE WHEN $5 THEN $3 ELSE conversation_id END,
                   bot_id = CASE WHEN $5 THEN coalesce($4, bot_id) ELSE bot_id END
             WHERE teams_user_id = $1 AND is_active AND ($6::text IS NULL OR tenant_id IN ($6, 'common'))
            RETURNING user_id::text
            """, [.text(teamsUser), .text(conversation.serviceURL), .text(conversation.id), conversation.botID.map(SQLValue.text) ?? .null,
                  .bool(conversation.type == "personal"), conversation.tenantID.map(SQLValue.text) ?? .null])).flatMap(UUID.init(uuidString:))
    }

    /// Replies into the conversation a verified activity came from.
    public func reply(serviceURL: String, conversationID: String, activity: JSONValue) async throws {
        try await client().send(serviceURL: serviceURL, conversationID: conversationID, activity: activity)
    }

    /// Sends to the user's Teams conversation with the bot; false when the user has no active
    /// link, or the bot has not heard from them yet (no conversation to write to).
    public func post(to user: UUID, activity: JSONValue) async throws -> Bool {
        let microsoft = try client()
        let text = try await database.text(SQLStatement("""
            SELECT jsonb_build_object('service_url', service_url, 'conversation_id', conversation_id)::text
              FROM public.teams_installations
             WHERE user_id = $1::uuid AND is_active AND service_url IS NOT NULL AND conversation_id IS NOT NULL
             ORDER BY installed_at DESC LIMIT 1
            """, [.text(user.uuidString)]))
        guard let text, case .object(let row)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              let serviceURL = row["service_url"]?.stringValue, let conversation = row["conversation_id"]?.stringValue
        else { return false }
        try await microsoft.send(serviceURL: serviceURL, conversationID: conversation, activity: activity)
        return true
    }

    /// Ends the user's links (Microsoft has no revocation call for a delegated token: the sealed
    /// tokens go with the rows). False when the user had none.
    public func disconnect(user: UUID) async throws -> Bool {
        try await database.text(SQLStatement(
            "WITH gone AS (DELETE FROM public.teams_installations WHERE user_id = $1::uuid RETURNING 1) SELECT count(*)::text FROM gone",
            [.text(user.uuidString)])) != "0"
    }

}

/// Teams is not configured on this server.
public struct TeamsNotConfigured: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "Microsoft Teams is not configured on this server (VISIONARY_TEAMS_*)" }
}

/// A Teams request the link rules refuse, with the reason to show.
public struct TeamsRefusal: Error, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
