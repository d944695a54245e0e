import Core
import Database
import Foundation
import FunctionsAPI
import Slack
import Tokens

/// `slack-bot`: the reminder bot in Slack, one function with the original's endpoints
/// (`?endpoint=` or the body's `action`). The gateway admits anyone (`public`): each endpoint
/// demands its own proof — Slack's signature for what Slack sends (`events`, `commands`,
/// `interactions`), the server's signed state for the install callback, a signed-in user for
/// the app's calls, the service_role key for `send`. A Slack user acts only on the Visionary
/// account whose link they installed.
struct SlackBot: EdgeFunction {
    let slack: SlackService
    let database: CallerDatabase
    let commands: ChatCommands
    let now: @Sendable () -> Date

    init(slack: SlackService, database: CallerDatabase, now: @escaping @Sendable () -> Date = Date.init) {
        self.slack = slack
        self.database = database
        commands = ChatCommands(database: database)
        self.now = now
    }

    var documentation: FunctionDescription {
        let signed = "Slack (X-Slack-Signature, five minutes, once)"
        return FunctionDescription(name: "slack-bot", summary: "The reminder bot in Slack: install, commands, buttons, messages.", authentication: .public, actions: [
            ActionDescription("oauth", "Signed in: {success, url} — Slack's install page with a state bound to the caller. Slack's redirect back (`code`, `state`) stores the link, the bot token sealed; answers an HTML page.",
                              parameters: [ParameterDescription("code", "string", "from Slack's redirect"),
                                           ParameterDescription("state", "string", "the state this server issued")]),
            ActionDescription("events", "Slack's Events API: `url_verification` answers the challenge; `app_mention` is answered in its thread.", access: signed),
            ActionDescription("commands", "`/visionary habits | complete <habit> | progress | help` for the linked user; an ephemeral Block Kit reply.", access: signed),
            ActionDescription("interactions", "A `complete_habit_<id>` button: checks the habit off for the linked user.", access: signed),
            ActionDescription("send", "Posts to a user's Slack: {success, messageId}; 404 without an active link.", access: "service_role only",
                              parameters: [ParameterDescription("userId", "string (uuid)", required: true, "the user"),
                                           ParameterDescription("messageType", "string", "morning_habits, evening_summary, goal_reminder or custom (default)"),
                                           ParameterDescription("customMessage", "string", "the text of a custom message")]),
            ActionDescription("status", "The caller's link: {success, connected, installation: {teamName, teamId, installedAt, settings}} (the default endpoint)."),
            ActionDescription("disconnect", "Revokes the bot token at Slack and deletes the caller's links: {success, message}."),
            ChatBots.settingsDescription,
        ])
    }

    func respond(to request: FunctionRequest) async throws -> FunctionResponse {
        do {
            switch ChatBots.endpoint(of: request) {
            case "oauth": return try await oauth(request)
            case "events": return try await events(request)
            case "commands": return try await command(request)
            case "interactions": return try await interaction(request)
            case "send": return try await send(request)
            case "status":
                try ChatBots.requireUser(request.caller)
                return try await ChatBots.status(database, request.caller, table: "slack_installations", fields: """
                    jsonb_build_object('teamName', i.team_name, 'teamId', i.team_id, 'installedAt', i.installed_at, 'settings', i.settings)
                    """)
            case "disconnect":
                let user = try await database.liveUser(request.caller)
                let had = try await slack.disconnect(user: user)
                return .json(#"{"success":true,"message":\#((had ? "Slack workspace disconnected" : "No Slack workspace was connected").jsonQuoted)}"#)
            case "settings":
                try ChatBots.requireUser(request.caller)
                return try await ChatBots.updateSettings(database, try ActionInput(request: request), table: "slack_installations")
            case let other:
                throw FunctionError.invalid("unknown endpoint '\(other.prefix(50))' of slack-bot: expected oauth, events, commands, interactions, send, status, disconnect or settings")
            }
        } catch {
            throw Self.translate(error)
        }
    }

    // MARK: Install

    func oauth(_ request: FunctionRequest) async throws -> FunctionResponse {
        try await ChatBots.oauth(request, database, service: "Slack", translate: Self.translate,
                                 installURL: { try slack.installURL(user: $0, now: now()) }) { code, state in
            let team = try await slack.finishInstall(code: code, state: state, now: now())
            return "Your Slack workspace \(team) is connected. Try /visionary help in Slack."
        }
    }

    // MARK: What Slack sends

    func admit(_ request: FunctionRequest) async throws {
        guard request.method == "POST" else { throw FunctionError(status: 405, code: "method_not_allowed", message: "Slack posts to this endpoint") }
        try await slack.admit(timestamp: request.header("X-Slack-Request-Timestamp"), signature: request.header("X-Slack-Signature"),
                              body: request.body, now: now())
    }

    func events(_ request: FunctionRequest) async throws -> FunctionResponse {
        try await admit(request)
        guard case .object(let payload)? = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)) else {
            throw FunctionError.invalid("the body is not a JSON object")
        }
        switch payload["type"]?.stringValue {
        case "url_verification":
            guard let challenge = payload["challenge"]?.stringValue, challenge.utf8.count <= 200 else {
                throw FunctionError.invalid("`challenge` is missing")
            }
            return FunctionResponse(headers: [("Content-Type", "text/plain")], body: Array(challenge.utf8))
        case "event_callback":
            if case .object(let event)? = payload["event"], event["type"]?.stringValue == "app_mention",
               let team = payload["team_id"]?.stringValue, let channel = event["channel"]?.stringValue {
                _ = try await slack.reply(team: team, channel: channel, threadTS: event["ts"]?.stringValue,
                                          text: "Hi! I'm the Visionary bot. Try `/visionary help` to see what I can do.")
            }
        default:
            break
        }
        return FunctionResponse(headers: [("Content-Type", "text/plain")], body: Array("ok".utf8))
    }

    func command(_ request: FunctionRequest) async throws -> FunctionResponse {
        try await admit(request)
        let form = Dictionary(FunctionRequest.decodeQuery(String(decoding: request.body, as: UTF8.self)), uniquingKeysWith: { first, _ in first })
        guard let team = form["team_id"], let slackUser = form["user_id"] else { throw FunctionError.invalid("`team_id` and `user_id` are required") }
        guard let user = try await slack.linkedUser(team: team, slackUser: slackUser) else {
            return Self.ephemeral(text: "Your Slack account is not linked to Visionary. Connect it from the Visionary app's settings.")
        }
        switch ChatCommands.Command(String((form["text"] ?? "").prefix(500))) {
        case .habits:
            return .json(JSONValue.object(["response_type": .string("ephemeral"), "text": .string("Today's habits"),
                                           "blocks": SlackMessages.habits(try await commands.habits(of: user))]).jsonText)
        case .complete(let name):
            guard !name.isEmpty else { return Self.ephemeral(text: "Usage: `/visionary complete <habit name>`") }
            return Self.ephemeral(text: SlackMessages.completion(try await commands.complete(user: user, matching: name, note: "Completed in Slack"), asked: name))
        case .progress:
            return .json(JSONValue.object(["response_type": .string("ephemeral"), "text": .string("Your progress"),
                                           "blocks": SlackMessages.progress(try await commands.progress(of: user))]).jsonText)
        case .help:
            return .json(JSONValue.object(["response_type": .string("ephemeral"), "text": .string("Visionary commands"), "blocks": SlackMessages.help]).jsonText)
        }
    }

    func interaction(_ request: FunctionRequest) async throws -> FunctionResponse {
        try await admit(request)
        let form = Dictionary(FunctionRequest.decodeQuery(String(decoding: request.body, as: UTF8.self)), uniquingKeysWith: { first, _ in first })
        guard let text = form["payload"], case .object(let payload)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              let team = payload["team"]?["id"]?.stringValue, let slackUser = payload["user"]?["id"]?.stringValue
        else { throw FunctionError.invalid("`payload` must be Slack's interaction JSON") }
        guard payload["type"]?.stringValue == "block_actions", case .array(let actions)? = payload["actions"],
              let actionID = actions.first?["action_id"]?.stringValue, actionID.hasPrefix("complete_habit_"),
              let habit = UUID(uuidString: String(actionID.dropFirst("complete_habit_".count)))
        else { return .json(#"{"ok":true}"#) }
        guard let user = try await slack.linkedUser(team: team, slackUser: slackUser) else {
            return Self.ephemeral(text: "Your Slack account is not linked to Visionary.")
        }
        let outcome = try await commands.complete(user: user, habit: habit, note: "Completed in Slack")
        return .json(JSONValue.object(["replace_original": .bool(false), "response_type": .string("ephemeral"),
                                       "text": .string(SlackMessages.completion(outcome, asked: nil))]).jsonText)
    }

    // MARK: The server's

    func send(_ request: FunctionRequest) async throws -> FunctionResponse {
        try ChatBots.requireServer(request.caller)
        let input = try ActionInput(request: request)
        let user = try input.requiredID("userId")
        let kind = try input.choice("messageType", ["morning_habits", "evening_summary", "goal_reminder", "custom"]) ?? "custom"
        let text: String, blocks: JSONValue?
        switch kind {
        case "morning_habits":
            (text, blocks) = ("Good morning! Here are your habits for today.", SlackMessages.habits(try await commands.habits(of: user)))
        case "evening_summary":
            (text, blocks) = ("Here is how your day went.", SlackMessages.progress(try await commands.progress(of: user)))
        case "goal_reminder":
            (text, blocks) = ("A reminder to keep your goals in sight: open Visionary to review your plan.", nil)
        default:
            (text, blocks) = (try input.text("customMessage", maxLength: 3000), nil)
        }
        guard let posted = try await slack.post(to: user, text: text, blocks: blocks) else {
            throw FunctionError.notFound("this user has no active Slack link")
        }
        return .json(#"{"success":true,"messageId":\#(posted.jsonQuoted)}"#)
    }

    static func ephemeral(text: String) -> FunctionResponse {
        .json(JSONValue.object(["response_type": .string("ephemeral"), "text": .string(text)]).jsonText)
    }

    /// Slack's and the link rules' errors in the Functions catalogue.
    static func translate(_ error: any Error) -> any Error {
        switch error {
        case is SlackNotConfigured: FunctionError.notConfigured("slack", "Slack is not configured on this server")
        case let failure as SlackSignature.Failure: FunctionError.unauthorized(failure.description)
        case let refusal as SlackRefusal: FunctionError.invalid(refusal.message)
        case let refused as SlackClient.Refused: FunctionError.upstream("Slack refused: \(refused.code)")
        default: error
        }
    }
}
