import AppConfig
import Core
import Database
import Foundation
import Secrets
import Tokens

/// The Slack links of users: installs finished against a state the server signed, the bot token
/// sealed with the key ring into `slack_installations` the moment Slack hands it over and opened
/// only to call Slack, requests from Slack verified by signature and accepted once. Works as the
/// owner (client roles can neither read the ciphertext nor insert links).
public struct SlackService: Sendable {
    let database: SQLRunner
    let ring: KeyRing
    let states: OAuthStates
    let slack: SlackClient?
    let signature: SlackSignature?
    /// Where Slack sends people back after an install: `VISIONARY_PUBLIC_URL` + the function's path.
    public let redirectURI: String

    public static let table = "public.slack_installations"
    public static let column = "access_token_encrypted"

    /// `app` nil: Slack is not configured, and every call throws `SlackNotConfigured`.
    public init(database: SQLRunner, ring: KeyRing, states: OAuthStates, app: SlackApp?, publicURL: String) {
        self.database = database
        self.ring = ring
        self.states = states
        slack = app.map { SlackClient(app: $0) }
        signature = app.map { SlackSignature(signingSecret: $0.signingSecret) }
        redirectURI = publicURL + "/functions/v1/slack-bot?endpoint=oauth"
    }

    func client() throws(SlackNotConfigured) -> SlackClient {
        guard let slack else { throw SlackNotConfigured() }
        return slack
    }

    /// Where to send `user` to install the app: Slack's authorize URL with a state bound to them.
    public func installURL(user: UUID, now: Date) throws -> String {
        try client().authorizeURL(state: states.issue(user: user, provider: "slack", now: now), redirectURI: redirectURI)
    }

    /// Finishes an install: the state must be one this server issued (unexpired, unused); the
    /// code is exchanged for the bot token, which is sealed to the user's link for that workspace.
    /// A Slack user linked to another account is refused (that account must disconnect first).
    /// Answers the workspace's name.
    public func finishInstall(code: String, state: String, now: Date) async throws -> String {
        let slack = try client()
        let user = try await states.redeem(state, provider: "slack", now: now, run: database.text)
        let granted = try await slack.finishInstall(code: code, redirectURI: redirectURI)
        let teamName = granted.team.name ?? granted.team.id
        do {
            try await store(granted, teamName: teamName, user: user)
        } catch let refusal as SlackRefusal {
            // The token Slack just granted is not kept: revoked, unless the workspace's other links share it.
            if try await !sharesWorkspace(team: granted.team.id) { try? await slack.revoke(token: granted.accessToken) }
            throw refusal
        }
        return teamName
    }

    /// Seals the granted token to the user's link for the workspace, in one transaction that
    /// first refuses a Slack user another account holds.
    func store(_ granted: SlackClient.Installation, teamName: String, user: UUID) async throws {
        try await database.transaction { transaction in
            guard try await transaction.text(SQLStatement(
                "SELECT 1 FROM public.slack_installations WHERE team_id = $1 AND authed_user_id = $2 AND user_id <> $3::uuid AND is_active",
                [.text(granted.team.id), .text(granted.authedUser.id), .text(user.uuidString)])) == nil
            else { throw SlackRefusal("this Slack user is linked to another Visionary account: disconnect it there first") }
            let existing = try await transaction.text(SQLStatement(
                "SELECT id::text FROM public.slack_installations WHERE user_id = $1::uuid AND team_id = $2 FOR UPDATE",
                [.text(user.uuidString), .text(granted.team.id)]))
            let id = existing.flatMap(UUID.init(uuidString:)) ?? UUID()
            let sealed = try ring.seal(granted.accessToken, at: SecretLocation(table: Self.table, column: Self.column, row: id))
            try await transaction.execute(SQLStatement("""
                INSERT INTO public.slack_installations AS s
                       (id, user_id, team_id, team_name, bot_user_id, access_token_encrypted, token_key_version, scope, authed_user_id)
                VALUES ($1::uuid, $2::uuid, $3, $4, $5, decode($6, 'hex'), $7::integer, $8, $9)
                ON CONFLICT (id) DO UPDATE SET
                  team_name = excluded.team_name, bot_user_id = excluded.bot_user_id,
                  access_token_encrypted = excluded.access_token_encrypted, token_key_version = excluded.token_key_version,
                  scope = excluded.scope, authed_user_id = excluded.authed_user_id,
                  is_active = true, installed_at = now(), disconnected_at = NULL
                """, [.text(id.uuidString), .text(user.uuidString), .text(granted.team.id), .text(teamName), .text(granted.botUserID),
                      .text(sealed.hex), .int(sealed.version), granted.scope.map(SQLValue.text) ?? .null, .text(granted.authedUser.id)]))
        }
    }

    /// Whether another active link to the workspace exists (beside `except`): then the bot token is shared.
    func sharesWorkspace(team: String, except link: UUID? = nil) async throws -> Bool {
        try await database.text(SQLStatement(
            "SELECT 1 FROM public.slack_installations WHERE team_id = $1 AND is_active AND id IS DISTINCT FROM $2::uuid LIMIT 1",
            [.text(team), link.map { .text($0.uuidString) } ?? .null])) != nil
    }

    /// Admits a request as Slack's: a valid signature within five minutes, seen for the first
    /// time (a replay of a signed request is refused).
    public func admit(timestamp: String?, signature header: String?, body: [UInt8], now: Date) async throws {
        guard let signature else { throw SlackNotConfigured() }
        try signature.verify(timestamp: timestamp, signature: header, body: body, now: now)
        guard try await database.text(SQLStatement(
            "SELECT internal.first_sighting('slack_signature', $1, interval '10 minutes')::text", [.text((header ?? "").lowercased())])) == "true"
        else { throw SlackSignature.Failure.replayed }
    }

    /// The Visionary user a Slack user acts as: the one whose active link they installed.
    public func linkedUser(team: String, slackUser: String) async throws -> UUID? {
        try await database.text(SQLStatement(
            "SELECT user_id::text FROM public.slack_installations WHERE team_id = $1 AND authed_user_id = $2 AND is_active",
            [.text(team), .text(slackUser)])).flatMap(UUID.init(uuidString:))
    }

    /// Posts to the user's own Slack (a direct message from the bot, through their active link);
    /// answers the message's `ts`, or nil when the user has no active link.
    public func post(to user: UUID, text: String, blocks: JSONValue?) async throws -> String? {
        let slack = try client()
        guard let link = try await links(where: "user_id = $1::uuid AND is_active", [.text(user.uuidString)]).first,
              let channel = link.authedUserID
        else { return nil }
        return try await slack.postMessage(token: try open(link), channel: channel, text: text, blocks: blocks)
    }

    /// Answers in a workspace's channel (a reply in the thread of `threadTS`), with the token of
    /// an active link to that workspace; false when there is none.
    public func reply(team: String, channel: String, threadTS: String?, text: String) async throws -> Bool {
        let slack = try client()
        guard let link = try await links(where: "team_id = $1 AND is_active", [.text(team)]).first else { return false }
        _ = try await slack.postMessage(token: try open(link), channel: channel, text: text, threadTS: threadTS)
        return true
    }

    /// Ends the user's links, each row going with its sealed token. The token is revoked at Slack
    /// too, unless another account's link to the same workspace is still active (revoking the
    /// workspace's bot would end theirs). False when the user had none.
    public func disconnect(user: UUID) async throws -> Bool {
        let slack = try client()
        let links = try await links(where: "user_id = $1::uuid", [.text(user.uuidString)])
        for link in links {
            let shared = try await sharesWorkspace(team: link.teamID, except: link.id)
            if !shared { try await slack.revoke(token: try open(link)) }
            try await database.execute(SQLStatement("DELETE FROM public.slack_installations WHERE id = $1::uuid", [.text(link.id.uuidString)]))
        }
        return !links.isEmpty
    }

    struct Link: Decodable {
        let id: UUID
        let teamID: String
        let authedUserID: String?
        let token: String
        let version: Int
        enum CodingKeys: String, CodingKey { case id, teamID = "team_id", authedUserID = "authed_user_id", token, version }
    }

    func links(where condition: String, _ binds: [SQLValue]) async throws -> [Link] {
        let text = try await database.text(SQLStatement("""
            SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'team_id', team_id, 'authed_user_id', authed_user_id,
                     'token', encode(access_token_encrypted, 'hex'), 'version', token_key_version) ORDER BY installed_at DESC), '[]')::text
              FROM public.slack_installations WHERE \(condition)
            """, binds)) ?? "[]"
        return try JSONDecoder().decode([Link].self, from: Data(text.utf8))
    }

    func open(_ link: Link) throws -> String {
        let location = SecretLocation(table: Self.table, column: Self.column, row: link.id)
        guard let sealed = SealedSecret(hex: link.token, version: link.version) else { throw SecretError.cannotOpen(location) }
        return try ring.open(sealed, at: location)
    }
}

/// Slack is not configured on this server.
public struct SlackNotConfigured: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "Slack is not configured on this server (VISIONARY_SLACK_*)" }
}

/// A Slack request the link rules refuse, with the reason to show.
public struct SlackRefusal: Error, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
