import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Teams
import Testing
import TestSupport
import Tokens
import VisionaryApp
import _CryptoExtras

/// The Teams bot against a loopback Microsoft: links made only through a state the server
/// signed, tokens sealed at rest and refreshed, the messages endpoint admitted only with a Bot
/// Framework token for our app id and the activity's service URL, and a Teams user acting only
/// on the account whose link they made.
@Suite("teams-bot: sign-in link, messages, reminders, token refresh, disconnect")
struct TeamsBotTests {
    static func app(_ microsoft: MicrosoftTestServer?, logger: Logger = TestCluster.logger) async throws -> TestApp {
        try await TestApp.make(logger: logger) { config in
            config.publicURL = "https://visionary.example"
            if let microsoft {
                config.integrations.teams = TeamsApp(appID: microsoft.appID, appPassword: "teams-password", openIDMetadataURL: microsoft.metadataURL,
                                                     loginBaseURL: microsoft.baseURL, graphBaseURL: microsoft.baseURL)
            }
        }
    }

    static func activity(
        _ text: String, from aad: String, conversation: String = "conv-1", serviceURL: String, value: String? = nil, type: String = "message",
        channel: String = "msteams", conversationType: String = "personal", tenant: String = "tenant-1"
    ) -> String {
        #"{"type":"\#(type)","channelId":"\#(channel)","text":"\#(text)","serviceUrl":"\#(serviceURL)","conversation":{"id":"\#(conversation)","conversationType":"\#(conversationType)"},"#
            + #""from":{"id":"29:x","aadObjectId":"\#(aad)"},"recipient":{"id":"28:bot"},"channelData":{"tenant":{"id":"\#(tenant)"}}\#(value.map { #","value":\#($0)"# } ?? "")}"#
    }

    static func post(_ client: any TestClientProtocol, _ body: String, token: String?) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/functions/v1/teams-bot?endpoint=messages", method: .post, headers: headers, body: ByteBuffer(string: body)) {
            ($0.status, String(buffer: $0.body))
        }
    }

    static func link(_ client: any TestClientProtocol, _ user: TestUser, aad: String) async throws {
        let start = try await user.functions.send(.post, "teams-bot?endpoint=oauth")
        let url = try #require(start.object["url"] as? String, "\(start.body)")
        let state = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
        let done: (status: HTTPResponse.Status, body: String) = try await client.execute(
            uri: "/functions/v1/teams-bot?endpoint=oauth&code=code-\(aad)&state=\(state.uriComponentEncoded)", method: .get, headers: [:]) {
            ($0.status, String(buffer: $0.body))
        }
        #expect(done.status == .ok && done.body.contains("User &lt;\(aad)&gt;"), "\(done.body)")
    }

    @Test("link through the signed state, Bot Framework tokens checked, commands for the linked user only, reminders, refresh, disconnect; no token in a dump or a log")
    func linkAndUse() async throws {
        let microsoft = try await MicrosoftTestServer(appID: "app-1", appPassword: "teams-password")
        defer { microsoft.stop() }
        let log = CapturedLog()
        let app = try await Self.app(microsoft, logger: log.logger)
        let serviceURL = microsoft.serviceURL
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@teams.test")
            let bob = try await signUp(client, app: app, email: "bob@teams.test")

            let start = try await ann.functions.call("teams-bot", nil, #"{"action":"oauth"}"#)
            let url = try #require(start.object["url"] as? String, "\(start.body)")
            #expect(url.hasPrefix(microsoft.baseURL + "/common/oauth2/v2.0/authorize?") && url.contains("teams-bot%3Fendpoint%3Doauth"))
            let forged = [ann.id, OAuthStates(projectSecret: TestApp.secret).issue(user: UUID(uuidString: bob.id)!, provider: "slack", now: Date())]
            for state in forged {
                let refused = try await client.execute(uri: "/functions/v1/teams-bot?endpoint=oauth&code=code-aad9&state=\(state.uriComponentEncoded)", method: .get, headers: [:]) { $0.status }
                #expect(refused == .badRequest)
            }
            #expect(microsoft.issuedTokens.isEmpty)

            try await Self.link(client, ann, aad: "aad1")
            try await Self.link(client, bob, aad: "aad2")
            let access = try #require(microsoft.issuedTokens.first)
            #expect(try await app.owner.text(SQLStatement("""
                SELECT teams_user_id || ' ' || tenant_id || ' ' || token_key_version || ' ' || (position(convert_to($2, 'UTF8') IN access_token_encrypted) = 0)
                  FROM public.teams_installations WHERE user_id = $1::uuid
                """, [.text(ann.id), .text(access)])) == "aad1 tenant-1 2 true")
            let status = try await ann.functions.call("teams-bot", nil, #"{"action":"status"}"#)
            #expect(status.object["connected"] as? Bool == true && (status.object["installation"] as? [String: Any])?["email"] as? String == "aad1@contoso.test", "\(status.body)")

            _ = try await ann.functions.call("habit-service", "create", #"{"title":"Morning run"}"#)
            let good = try microsoft.token(serviceURL: serviceURL)

            // Tokens that are not the Bot Framework's for this app and this service URL are refused.
            let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let body = Self.activity("habits", from: "aad1", serviceURL: serviceURL)
            for (token, why) in [(nil, "none"), ("x.y.z", "garbage"), (try microsoft.token(audience: "another-app", serviceURL: serviceURL), "audience"),
                                 (try microsoft.token(serviceURL: serviceURL, issuer: "https://evil.test"), "issuer"),
                                 (try microsoft.token(serviceURL: serviceURL, expires: Date().addingTimeInterval(-600)), "expired"),
                                 (try microsoft.token(serviceURL: serviceURL, key: otherKey), "foreign key"),
                                 (try microsoft.token(serviceURL: "https://evil.test/connector/"), "service URL"),
                                 (try microsoft.token(serviceURL: serviceURL, key: microsoft.webChatKey, kid: "bf-web"), "a key not endorsed for Teams"),
                                 (app.keys.serviceRole, "our own key")] as [(String?, String)] {
                #expect(try await Self.post(client, body, token: token).status == .unauthorized, "\(why)")
            }
            // Web Chat and Direct Line senders name themselves: only the msteams channel is heard.
            #expect(try await Self.post(client, Self.activity("habits", from: "aad1", serviceURL: serviceURL, channel: "webchat"), token: good).status == .unauthorized)
            #expect(microsoft.sent.isEmpty, "nothing was answered")

            // A verified message from Ann's Teams user: her habits, into her conversation.
            #expect(try await Self.post(client, body, token: good).status == .ok)
            let reply = try #require(microsoft.sent.last)
            #expect(reply.conversation == "conv-1" && reply.body.contains("Morning run") && reply.authorization.hasPrefix("Bearer bot-"), "\(reply.body)")
            // Bob's Teams user sees his own (none), and cannot complete Ann's habit by name.
            _ = try await Self.post(client, Self.activity("<at>Visionary</at> complete morning", from: "aad2", conversation: "conv-2", serviceURL: serviceURL), token: good)
            #expect(microsoft.sent.last?.body.contains("No active habit matches") == true, "\(microsoft.sent.last?.body ?? "")")
            _ = try await Self.post(client, Self.activity("hi", from: "aad9", conversation: "conv-9", serviceURL: serviceURL), token: good)
            #expect(microsoft.sent.last?.conversation == "conv-9" && microsoft.sent.last?.body.contains("not linked") == true)
            _ = try await Self.post(client, Self.activity("complete run", from: "aad1", serviceURL: serviceURL), token: good)
            #expect(microsoft.sent.last?.body.contains("Morning run is done") == true, "\(microsoft.sent.last?.body ?? "")")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.habit_completions WHERE user_id = $1::uuid", [.text(ann.id)])) == "1")
            // The same Azure AD id from another tenant is not Ann; a group chat is answered but not remembered for reminders.
            _ = try await Self.post(client, Self.activity("habits", from: "aad1", conversation: "conv-x", serviceURL: serviceURL, tenant: "tenant-2"), token: good)
            #expect(microsoft.sent.last?.conversation == "conv-x" && microsoft.sent.last?.body.contains("not linked") == true)
            _ = try await Self.post(client, Self.activity("progress", from: "aad1", conversation: "group-1", serviceURL: serviceURL, conversationType: "groupChat"), token: good)
            #expect(microsoft.sent.last?.conversation == "group-1" && microsoft.sent.last?.body.contains("Your progress") == true)

            // Reminders: the server's alone, to the conversation the bot last heard the user in.
            let service = FunctionsClient(client: client, apiKey: app.keys.anon, bearer: app.keys.serviceRole)
            let sent = try await service.send(.post, "teams-bot?endpoint=send", body: json(["userId": ann.id, "messageType": "evening_summary"]))
            #expect(sent.status == .ok && microsoft.sent.last?.conversation == "conv-1" && microsoft.sent.last?.body.contains("1/1 done") == true, "\(sent.body)")
            #expect(try await ann.functions.send(.post, "teams-bot?endpoint=send", body: json(["userId": bob.id, "messageType": "custom", "customMessage": "x"])).status == .forbidden)

            // The refresh job: tokens near expiry are refreshed and sealed again; a refused refresh token drops the tokens, not the link.
            try await app.owner.execute(SQLStatement("UPDATE public.teams_installations SET token_expires_at = now() + interval '1 minute'"))
            let tokens = TeamsTokens(database: app.owner, ring: TestApp.keyRing, microsoft: MicrosoftClient(app: app.parts.config.integrations.teams!))
            let bobRefresh = try #require(microsoft.issuedTokens.dropFirst(3).first, "Bob's refresh token")
            microsoft.revoke(refreshToken: bobRefresh)
            #expect(try await tokens.refreshExpiring(within: 1800) == 1)
            #expect(microsoft.refreshCount == 1)
            #expect(try await app.owner.text(SQLStatement("""
                SELECT string_agg(coalesce((token_expires_at > now() + interval '30 minutes')::text, 'none') || '/' || (refresh_token_encrypted IS NULL)::text || '/' || is_active::text, ',' ORDER BY user_id = $1::uuid DESC)
                  FROM public.teams_installations
                """, [.text(ann.id)])) == "true/false/true,none/true/true")

            // A copied ciphertext does not open in another row.
            try await app.owner.execute(SQLStatement("""
                UPDATE public.teams_installations SET refresh_token_encrypted = (SELECT refresh_token_encrypted FROM public.teams_installations WHERE user_id = $1::uuid),
                       token_key_version = 2, token_expires_at = now()
                 WHERE user_id = $2::uuid
                """, [.text(ann.id), .text(bob.id)]))
            await #expect(throws: (any Error).self) { try await tokens.refreshExpiring(within: 1800) }
            #expect(microsoft.refreshCount == 1)

            // Ann's Teams user is not taken over by Bob's sign-in; disconnect deletes the rows.
            let bobStart = try await bob.functions.send(.post, "teams-bot?endpoint=oauth")
            let bobState = try #require(URLComponents(string: bobStart.object["url"] as? String ?? "")?.queryItems?.first { $0.name == "state" }?.value)
            let takeover: (status: HTTPResponse.Status, body: String) = try await client.execute(
                uri: "/functions/v1/teams-bot?endpoint=oauth&code=code-aad1&state=\(bobState.uriComponentEncoded)", method: .get, headers: [:]) {
                ($0.status, String(buffer: $0.body))
            }
            #expect(takeover.status == .badRequest && takeover.body.contains("linked to another Visionary account"), "\(takeover.body)")
            #expect(try await ann.functions.call("teams-bot", nil, "{}").object["connected"] as? Bool == true)
            #expect(try await bob.functions.call("teams-bot", nil, #"{"action":"disconnect"}"#).status == .ok)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.teams_installations WHERE user_id = $1::uuid", [.text(bob.id)])) == "0")

            let bin = try #require(ProcessInfo.processInfo.environment["VISIONARY_PG_BIN"])
            let dump = try await Program.run(bin + "/pg_dump", ["--format=plain", "--data-only", app.database.url])
            #expect(dump.status == 0 && dump.output.contains("teams_installations"))
            #expect(microsoft.issuedTokens.count >= 8 && !microsoft.issuedTokens.contains { dump.output.contains($0) })
            let lines = log.lines
            #expect(lines.contains { $0.contains("teams-bot") })
            #expect(!microsoft.issuedTokens.contains { token in lines.contains { $0.contains(token) } })
        }
    }

    @Test("without Teams configured: 503 teams_not_configured; the messages endpoint refuses")
    func notConfigured() async throws {
        let app = try await Self.app(MicrosoftTestServer?.none)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@noteams.test")
            let start = try await ann.functions.call("teams-bot", nil, #"{"action":"oauth"}"#)
            #expect(start.status == .serviceUnavailable && start.code == "teams_not_configured", "\(start.body)")
            #expect(try await Self.post(client, Self.activity("hi", from: "a", serviceURL: "http://127.0.0.1:9/"), token: "x").status == .serviceUnavailable)
            #expect(try await ann.functions.call("teams-bot", nil, "{}").object["connected"] as? Bool == false)
        }
    }
}
