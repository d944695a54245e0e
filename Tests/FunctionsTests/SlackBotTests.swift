import AppConfig
import Core
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Slack
import Testing
import TestSupport
import Tokens

/// The Slack bot against a loopback Slack: installs only through a state the server signed,
/// bot tokens sealed at rest, Slack's requests admitted only with a fresh, unused signature, and
/// a Slack user acting only on the account whose link they installed.
@Suite("slack-bot: install, commands, buttons, messages, disconnect")
struct SlackBotTests {
    static let signingSecret = "slack-signing-secret"
    static let signer = SlackSignature(signingSecret: signingSecret)

    static func app(_ slack: SlackTestServer?, logger: Logger = TestCluster.logger) async throws -> TestApp {
        try await TestApp.make(logger: logger) { config in
            config.publicURL = "https://visionary.example"
            if let slack {
                config.integrations.slack = SlackApp(baseURL: slack.baseURL, clientID: "slack-client", clientSecret: "slack-secret",
                                                     signingSecret: signingSecret)
            }
        }
    }

    /// Slack's request: a form (or JSON) body signed now (or at `timestamp`).
    static func fromSlack(
        _ client: any TestClientProtocol, _ endpoint: String, _ body: String, json: Bool = false,
        timestamp: Int = Int(Date().timeIntervalSince1970), signature: String? = nil
    ) async throws -> (status: HTTPResponse.Status, body: String) {
        let stamp = String(timestamp)
        return try await client.execute(
            uri: "/functions/v1/slack-bot?endpoint=\(endpoint)", method: .post,
            headers: [.contentType: json ? "application/json" : "application/x-www-form-urlencoded",
                      HTTPField.Name("X-Slack-Request-Timestamp")!: stamp,
                      HTTPField.Name("X-Slack-Signature")!: signature ?? signer.sign(timestamp: stamp, body: Array(body.utf8))],
            body: ByteBuffer(string: body)
        ) { ($0.status, String(buffer: $0.body)) }
    }

    /// Slack's redirect back to the server after an install: a browser, so no key and no token.
    static func callback(_ client: any TestClientProtocol, code: String, state: String) async throws -> (status: HTTPResponse.Status, body: String) {
        try await client.execute(uri: "/functions/v1/slack-bot?endpoint=oauth&code=\(code)&state=\(state.uriComponentEncoded)", method: .get, headers: [:]) {
            ($0.status, String(buffer: $0.body))
        }
    }

    /// Installs the app for `user` into workspace `team` as Slack user `slackUser`.
    static func install(_ client: any TestClientProtocol, _ user: TestUser, team: String, slackUser: String) async throws {
        let start = try await user.functions.send(.post, "slack-bot?endpoint=oauth")
        let url = try #require(start.object["url"] as? String, "\(start.body)")
        let state = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
        let done = try await callback(client, code: "code-\(team)-\(slackUser)", state: state)
        #expect(done.status == .ok && done.body.contains("Slack is connected"), "\(done.body)")
    }

    static func command(_ text: String, team: String, slackUser: String) -> String {
        "token=ignored&trigger_id=\(UUID().uuidString)&team_id=\(team)&user_id=\(slackUser)&command=%2Fvisionary&text=\(text.uriComponentEncoded)&response_url=https%3A%2F%2Fhooks.slack.test"
    }

    @Test("install through the signed state, commands and buttons for the linked user only, send, settings, disconnect; no token in a dump or a log")
    func installAndUse() async throws {
        let slack = try await SlackTestServer(clientID: "slack-client", clientSecret: "slack-secret")
        defer { slack.stop() }
        let log = CapturedLog()
        let app = try await Self.app(slack, logger: log.logger)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@slack.test")
            let bob = try await signUp(client, app: app, email: "bob@slack.test")

            // The install page: Slack's authorize URL, our redirect URI, a state that is not the user id.
            let start = try await ann.functions.call("slack-bot", nil, #"{"action":"oauth"}"#)
            let url = try #require(start.object["url"] as? String, "\(start.body)")
            let items = URLComponents(string: url)?.queryItems ?? []
            #expect(url.hasPrefix(slack.baseURL + "/oauth/v2/authorize?"))
            #expect(items.first { $0.name == "redirect_uri" }?.value == "https://visionary.example/functions/v1/slack-bot?endpoint=oauth")
            let state = try #require(items.first { $0.name == "state" }?.value)
            #expect(!state.contains(ann.id))
            let anonStart = try await FunctionsClient(client: client, apiKey: app.keys.anon).send(.post, "slack-bot?endpoint=oauth")
            #expect(anonStart.status == .unauthorized)

            // Callbacks the server did not sign, signed for another purpose, or expired link nothing.
            for forged in [ann.id, "x.y.z", OAuthStates(projectSecret: "another-project-secret-0123456789abcdef").issue(user: UUID(uuidString: bob.id)!, provider: "slack", now: Date()),
                           OAuthStates(projectSecret: TestApp.secret).issue(user: UUID(uuidString: bob.id)!, provider: "teams", now: Date()),
                           OAuthStates(projectSecret: TestApp.secret).issue(user: UUID(uuidString: bob.id)!, provider: "slack", now: Date() - 3600),
                           ann.token] {
                let refused = try await Self.callback(client, code: "code-T1-U9", state: forged)
                #expect(refused.status == .badRequest && refused.body.contains("<html"), "\(forged): \(refused.status) \(refused.body)")
            }
            #expect(slack.issuedTokens.isEmpty, "no forged state reaches Slack")
            let cancelled = try await client.execute(uri: "/functions/v1/slack-bot?endpoint=oauth&error=access_denied&state=x", method: .get, headers: [:]) { $0 }
            #expect(cancelled.status == .ok)

            // Ann's state links Ann, once: the same state again is refused.
            let done = try await Self.callback(client, code: "code-T1-U1", state: state)
            #expect(done.status == .ok && done.body.contains("Team &lt;T1&gt;"), "the team name is escaped: \(done.body)")
            #expect(slack.redirects.last == "https://visionary.example/functions/v1/slack-bot?endpoint=oauth")
            #expect(try await Self.callback(client, code: "code-T1-U7", state: state).status == .badRequest)
            let annToken = try #require(slack.issuedTokens.first)
            let stored = try await app.owner.text(SQLStatement("""
                SELECT user_id || ' ' || team_id || ' ' || authed_user_id || ' ' || token_key_version || ' '
                       || (position(convert_to($1, 'UTF8') IN access_token_encrypted) = 0)
                  FROM public.slack_installations WHERE is_active
                """, [.text(annToken)]))
            #expect(stored == "\(ann.id) T1 U1 2 true")
            let rest = try await client.execute(uri: "/rest/v1/slack_installations?select=access_token_encrypted", method: .get,
                                                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)"])
            #expect(rest.status == .unauthorized || rest.status == .forbidden, "\(rest.status)")

            let status = try await ann.functions.call("slack-bot", nil, "{}")
            #expect(status.object["connected"] as? Bool == true && (status.object["installation"] as? [String: Any])?["teamName"] as? String == "Team <T1>", "\(status.body)")
            #expect(!status.body.contains(annToken))
            #expect(try await bob.functions.call("slack-bot", nil, "{}").object["connected"] as? Bool == false)

            // Bob links the same workspace as another Slack user; each Slack user acts for their own account only.
            try await Self.install(client, bob, team: "T1", slackUser: "U2")
            let created = try await ann.functions.call("habit-service", "create", #"{"title":"Morning run"}"#)
            let runID = try #require((created.object["habit"] as? [String: Any])?["id"] as? String, "\(created.body)")
            let bobs = try await bob.functions.call("habit-service", "create", #"{"title":"Read <!channel>"}"#)
            let readID = try #require((bobs.object["habit"] as? [String: Any])?["id"] as? String)

            let habits = try await Self.fromSlack(client, "commands", Self.command("habits", team: "T1", slackUser: "U1"))
            #expect(habits.status == .ok && habits.body.contains("Morning run") && habits.body.contains("complete_habit_\(runID)") && !habits.body.contains("Read"), "\(habits.body)")
            let bobsList = try await Self.fromSlack(client, "commands", Self.command("habits", team: "T1", slackUser: "U2"))
            #expect(bobsList.body.contains("Read &lt;!channel&gt;") && !bobsList.body.contains("<!channel>") && !bobsList.body.contains("Morning"), "\(bobsList.body)")
            let stranger = try await Self.fromSlack(client, "commands", Self.command("habits", team: "T2", slackUser: "U1"))
            #expect(stranger.status == .ok && stranger.body.contains("not linked"), "another workspace's U1 is not Ann: \(stranger.body)")

            // Bob's Slack user cannot check off Ann's habit, by name or by button.
            let byName = try await Self.fromSlack(client, "commands", Self.command("complete morning", team: "T1", slackUser: "U2"))
            #expect(byName.body.contains("No active habit matches"), "\(byName.body)")
            let button = #"{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U2"},"actions":[{"action_id":"complete_habit_\#(runID)","type":"button"}]}"#
            let pressed = try await Self.fromSlack(client, "interactions", "payload=\(button.uriComponentEncoded)")
            #expect(pressed.status == .ok && pressed.body.contains("not one of your"), "\(pressed.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.habit_completions WHERE habit_id = $1::uuid", [.text(runID)])) == "0")

            // Ann's own: by name, then the button again says it is done already.
            let completed = try await Self.fromSlack(client, "commands", Self.command("complete morning RUN", team: "T1", slackUser: "U1"))
            #expect(completed.body.contains("Morning run is done"), "\(completed.body)")
            let annButton = button.replacingOccurrences(of: #""id":"U2""#, with: #""id":"U1""#)
            let again = try await Self.fromSlack(client, "interactions", "payload=\(annButton.uriComponentEncoded)")
            #expect(again.body.contains("already completed"), "\(again.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.habit_completions WHERE habit_id = $1::uuid", [.text(runID)])) == "1")
            let progress = try await Self.fromSlack(client, "commands", Self.command("progress", team: "T1", slackUser: "U1"))
            #expect(progress.body.contains("1/1 done"), "\(progress.body)")

            // Unsigned, mis-signed, stale and replayed requests are refused before anything runs.
            let body = Self.command("complete read", team: "T1", slackUser: "U2")
            let stamp = Int(Date().timeIntervalSince1970)
            let unsigned = try await client.execute(uri: "/functions/v1/slack-bot?endpoint=commands", method: .post,
                                                    headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body)) { $0.status }
            #expect(unsigned == .unauthorized)
            #expect(try await Self.fromSlack(client, "commands", body, signature: "v0=" + String(repeating: "0", count: 64)).status == .unauthorized)
            let otherSecret = SlackSignature(signingSecret: "not-the-secret").sign(timestamp: String(stamp), body: Array(body.utf8))
            #expect(try await Self.fromSlack(client, "commands", body, timestamp: stamp, signature: otherSecret).status == .unauthorized)
            #expect(try await Self.fromSlack(client, "commands", body, timestamp: stamp - 310).status == .unauthorized)
            #expect(try await Self.fromSlack(client, "commands", body, timestamp: stamp + 310).status == .unauthorized)
            let tampered = Self.signer.sign(timestamp: String(stamp), body: Array(body.utf8))
            #expect(try await Self.fromSlack(client, "commands", body.replacingOccurrences(of: "U2", with: "U1"), timestamp: stamp, signature: tampered).status == .unauthorized)
            #expect(try await Self.fromSlack(client, "commands", body, timestamp: stamp, signature: tampered).status == .ok)
            #expect(try await Self.fromSlack(client, "commands", body, timestamp: stamp, signature: tampered).status == .unauthorized, "a replay")
            #expect(try await Self.fromSlack(client, "commands", body, timestamp: stamp, signature: tampered.uppercased().replacingOccurrences(of: "V0=", with: "v0=")).status == .unauthorized,
                    "a replay with the hex in upper case")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.habit_completions WHERE habit_id = $1::uuid", [.text(readID)])) == "1")

            // Events: the URL check, and a mention answered in its thread with the workspace's token.
            let challenge = try await Self.fromSlack(client, "events", #"{"type":"url_verification","challenge":"c-123"}"#, json: true)
            #expect(challenge.status == .ok && challenge.body == "c-123")
            let mention = try await Self.fromSlack(client, "events",
                #"{"type":"event_callback","team_id":"T1","event":{"type":"app_mention","channel":"C9","ts":"1.2","text":"hi"}}"#, json: true)
            #expect(mention.status == .ok && slack.posts.last?.channel == "C9" && slack.posts.last?.body.contains(#""thread_ts":"1.2""#) == true)

            // Send: the server's alone; a direct message to the linked Slack user.
            let service = FunctionsClient(client: client, apiKey: app.keys.anon, bearer: app.keys.serviceRole)
            let sent = try await service.send(.post, "slack-bot?endpoint=send", body: json(["userId": ann.id, "messageType": "morning_habits"]))
            #expect(sent.status == .ok && (sent.object["messageId"] as? String)?.isEmpty == false, "\(sent.body)")
            #expect(slack.posts.last?.channel == "U1" && slack.posts.last?.token == annToken && slack.posts.last?.body.contains("Morning run") == true)
            #expect(try await ann.functions.send(.post, "slack-bot?endpoint=send", body: json(["userId": bob.id, "messageType": "custom", "customMessage": "hi"])).status == .forbidden)
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.anon).send(.post, "slack-bot?endpoint=send", body: json(["userId": bob.id])).status == .unauthorized)
            let nobody = try await service.send(.post, "slack-bot?endpoint=send", body: json(["userId": UUID().uuidString, "messageType": "custom", "customMessage": "x"]))
            #expect(nobody.status == .notFound)

            // Settings: checked, the caller's own link only.
            let saved = try await ann.functions.call("slack-bot", nil, #"{"action":"settings","morningReminder":false,"reminderTime":"07:30"}"#)
            #expect(saved.status == .ok && (saved.object["settings"] as? [String: Any])?["reminder_time"] as? String == "07:30", "\(saved.body)")
            for time in ["25:00", "+1:05", "7:30", "07:3a"] {
                #expect(try await ann.functions.call("slack-bot", nil, json(["action": "settings", "reminderTime": time])).status == .badRequest, "\(time)")
            }
            #expect(try await ann.functions.call("slack-bot", nil, #"{"action":"settings","morningReminder":"yes"}"#).status == .badRequest)
            #expect(try await app.owner.text(SQLStatement(
                "SELECT string_agg(settings ->> 'reminder_time', ',' ORDER BY user_id = $1::uuid) FROM public.slack_installations", [.text(ann.id)])) == "08:00,07:30")

            // Ann's ciphertext copied into Bob's row does not open there: Slack never gets Ann's token for Bob.
            let postsBefore = slack.posts.count
            try await app.owner.execute(SQLStatement("""
                UPDATE public.slack_installations SET access_token_encrypted = (SELECT access_token_encrypted FROM public.slack_installations WHERE user_id = $1::uuid)
                 WHERE user_id = $2::uuid
                """, [.text(ann.id), .text(bob.id)]))
            let moved = try await service.send(.post, "slack-bot?endpoint=send", body: json(["userId": bob.id, "messageType": "custom", "customMessage": "x"]))
            #expect(moved.status.code >= 500 && slack.posts.count == postsBefore, "\(moved.status) \(moved.body)")

            // A Slack user another account holds is not taken over: Ann's link stays hers.
            let bobStart = try await bob.functions.send(.post, "slack-bot?endpoint=oauth")
            let bobState = try #require(URLComponents(string: bobStart.object["url"] as? String ?? "")?.queryItems?.first { $0.name == "state" }?.value)
            let takeover = try await Self.callback(client, code: "code-T1-U1", state: bobState)
            #expect(takeover.status == .badRequest && takeover.body.contains("linked to another Visionary account"), "\(takeover.body)")
            #expect(try await ann.functions.call("slack-bot", nil, "{}").object["connected"] as? Bool == true)
            let stillAnns = try await Self.fromSlack(client, "commands", Self.command("habits", team: "T1", slackUser: "U1"))
            #expect(stillAnns.body.contains("Morning run"), "\(stillAnns.body)")

            // Links are switched on and off by the server only.
            let reactivate = try await client.execute(
                uri: "/rest/v1/slack_installations?user_id=eq.\(ann.id)", method: .patch,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"is_active":false}"#)) { $0.status }
            #expect(reactivate == .unauthorized || reactivate == .forbidden, "\(reactivate)")

            // Disconnect: the rows go; the bot token is revoked at Slack once no other link to the workspace shares it.
            let bobToken = try #require(slack.issuedTokens.dropFirst().first)
            #expect(try await bob.functions.call("slack-bot", nil, #"{"action":"disconnect"}"#).status == .ok)
            #expect(!slack.isRevoked(bobToken) && !slack.isRevoked(annToken), "Ann's link to T1 is still active")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.slack_installations WHERE user_id = $1::uuid", [.text(bob.id)])) == "0")
            let disconnected = try await ann.functions.call("slack-bot", nil, #"{"action":"disconnect"}"#)
            #expect(disconnected.status == .ok && slack.isRevoked(annToken), "\(disconnected.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.slack_installations")) == "0")
            let unlinked = try await Self.fromSlack(client, "commands", Self.command("habits", team: "T1", slackUser: "U1"))
            #expect(unlinked.body.contains("not linked"))

            // No token Slack issued is in a plain dump of the database, nor in any logged line.
            let bin = try #require(ProcessInfo.processInfo.environment["VISIONARY_PG_BIN"])
            let dump = try await Program.run(bin + "/pg_dump", ["--format=plain", "--data-only", app.database.url])
            #expect(dump.status == 0 && dump.output.contains("slack_installations"))
            #expect(slack.issuedTokens.count == 3 && !slack.issuedTokens.contains { dump.output.contains($0) })
            let lines = log.lines
            #expect(lines.contains { $0.contains("slack-bot") })
            #expect(!slack.issuedTokens.contains { token in lines.contains { $0.contains(token) } })
        }
    }

    @Test("without Slack configured: 503 slack_not_configured, and Slack's endpoints refuse")
    func notConfigured() async throws {
        let app = try await Self.app(SlackTestServer?.none)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@noslack.test")
            let start = try await ann.functions.call("slack-bot", nil, #"{"action":"oauth"}"#)
            #expect(start.status == .serviceUnavailable && start.code == "slack_not_configured", "\(start.body)")
            #expect(try await Self.fromSlack(client, "commands", Self.command("habits", team: "T1", slackUser: "U1")).status == .serviceUnavailable)
            let status = try await ann.functions.call("slack-bot", nil, "{}")
            #expect(status.status == .ok && status.object["connected"] as? Bool == false, "\(status.body)")
            #expect(try await ann.functions.call("slack-bot", nil, #"{"action":"nonsense"}"#).status == .badRequest)
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.anon).call("slack-bot", nil, "{}").status == .unauthorized)
        }
    }
}
