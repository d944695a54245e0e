import Core
import Database
import Foundation
import FunctionsAPI
import Teams
import Tokens

/// `teams-bot`: the reminder bot in Microsoft Teams, one function with the original's endpoints
/// (`?endpoint=` or the body's `action`). The gateway admits anyone (`public`): `messages` must
/// carry a Bot Framework token (RS256, our app id, the activity's service URL), the sign-in
/// callback a state the server signed, the app's calls the user's token, `send` the
/// service_role key. A Teams user acts only on the Visionary account whose link they made.
struct TeamsBot: EdgeFunction {
    let teams: TeamsService
    let database: CallerDatabase
    let commands: ChatCommands
    let now: @Sendable () -> Date

    init(teams: TeamsService, database: CallerDatabase, now: @escaping @Sendable () -> Date = Date.init) {
        self.teams = teams
        self.database = database
        commands = ChatCommands(database: database)
        self.now = now
    }

    var documentation: FunctionDescription {
        FunctionDescription(name: "teams-bot", summary: "The reminder bot in Microsoft Teams: sign-in link, messages, reminders.", authentication: .public, actions: [
            ActionDescription("oauth", "Signed in: {success, url} — Microsoft's sign-in page with a state bound to the caller. Microsoft's redirect back (`code`, `state`) stores the link, its tokens sealed; answers an HTML page.",
                              parameters: [ParameterDescription("code", "string", "from Microsoft's redirect"),
                                           ParameterDescription("state", "string", "the state this server issued")]),
            ActionDescription("messages", "The Bot Framework's activities: `habits`, `complete <habit>`, `progress`, `help` messages and Complete buttons for the linked user; replies go to the conversation.",
                              access: "the Bot Framework (RS256 bearer for our app id)"),
            ActionDescription("send", "Sends to a user's Teams conversation with the bot: {success}; 404 without an active link the bot has heard from (messageType custom by default).", access: "service_role only",
                              parameters: [ParameterDescription("userId", "string (uuid)", required: true, "the user"),
                                           ParameterDescription("messageType", "string", "morning_habits, evening_summary or custom (default)"),
                                           ParameterDescription("customMessage", "string", "the text of a custom message")]),
            ActionDescription("status", "The caller's link: {success, connected, installation: {displayName, email, tenantId, installedAt, settings}} (the default endpoint)."),
            ActionDescription("disconnect", "Deletes the caller's links and their sealed tokens: {success, message}."),
            ChatBots.settingsDescription,
        ])
    }

    func respond(to request: FunctionRequest) async throws -> FunctionResponse {
        do {
            switch ChatBots.endpoint(of: request) {
            case "oauth": return try await oauth(request)
            case "messages": return try await messages(request)
            case "send": return try await send(request)
            case "status":
                try ChatBots.requireUser(request.caller)
                return try await ChatBots.status(database, request.caller, table: "teams_installations", fields: """
                    jsonb_build_object('displayName', i.teams_display_name, 'email', i.teams_user_email, 'tenantId', i.tenant_id,
                                       'installedAt', i.installed_at, 'settings', i.settings)
                    """)
            case "disconnect":
                let had = try await teams.disconnect(user: try await database.liveUser(request.caller))
                return .json(#"{"success":true,"message":\#((had ? "Microsoft Teams disconnected" : "Microsoft Teams was not connected").jsonQuoted)}"#)
            case "settings":
                try ChatBots.requireUser(request.caller)
                return try await ChatBots.updateSettings(database, try ActionInput(request: request), table: "teams_installations")
            case let other:
                throw FunctionError.invalid("unknown endpoint '\(other.prefix(50))' of teams-bot: expected oauth, messages, send, status, disconnect or settings")
            }
        } catch {
            throw Self.translate(error)
        }
    }

    func oauth(_ request: FunctionRequest) async throws -> FunctionResponse {
        try await ChatBots.oauth(request, database, service: "Microsoft Teams", translate: Self.translate,
                                 installURL: { try teams.installURL(user: $0, now: now()) }) { code, state in
            let name = try await teams.finishInstall(code: code, state: state, now: now())
            return "Signed in as \(name). Say help to the Visionary bot in Teams."
        }
    }

    func messages(_ request: FunctionRequest) async throws -> FunctionResponse {
        guard request.method == "POST" else { throw FunctionError(status: 405, code: "method_not_allowed", message: "the Bot Framework posts to this endpoint") }
        guard case .object(let activity)? = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)) else {
            throw FunctionError.invalid("the body is not a Bot Framework activity")
        }
        let serviceURL = activity["serviceUrl"]?.stringValue
        try await teams.admit(authorization: request.header("Authorization"), channelID: activity["channelId"]?.stringValue,
                              serviceURL: serviceURL, now: now())
        guard let serviceURL, let conversation = activity["conversation"]?["id"]?.stringValue, conversation.utf8.count <= 500 else {
            throw FunctionError.invalid("the activity names no conversation")
        }
        let botID = activity["recipient"]?["id"]?.stringValue
        let from = TeamsService.Conversation(
            serviceURL: serviceURL, id: conversation, type: activity["conversation"]?["conversationType"]?.stringValue,
            tenantID: activity["channelData"]?["tenant"]?["id"]?.stringValue ?? activity["conversation"]?["tenantId"]?.stringValue, botID: botID)
        func reply(_ message: JSONValue) async throws {
            try await teams.reply(serviceURL: serviceURL, conversationID: conversation, activity: message)
        }
        switch activity["type"]?.stringValue {
        case "conversationUpdate":
            if case .array(let added)? = activity["membersAdded"], added.contains(where: { $0["id"]?.stringValue == botID }) {
                try await reply(TeamsMessages.text("Welcome to Visionary! Link your account in the Visionary app's settings, then say **help**."))
            }
        case "message", "invoke":
            guard let teamsUser = activity["from"]?["aadObjectId"]?.stringValue, teamsUser.utf8.count <= 100,
                  let user = try await teams.linkedUser(teamsUser: teamsUser, in: from)
            else {
                try await reply(TeamsMessages.text("Your Teams account is not linked to Visionary. Connect it from the Visionary app's settings."))
                return .json("{}")
            }
            if let action = activity["value"]?["action"]?.stringValue, action.hasPrefix("complete_") {
                let habit = UUID(uuidString: String(action.dropFirst("complete_".count)))
                let outcome = habit == nil ? .noMatch : try await commands.complete(user: user, habit: habit, note: "Completed in Teams")
                let text = TeamsMessages.completion(outcome, asked: nil)
                if activity["type"]?.stringValue == "invoke" {
                    return .json(#"{"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":\#(text.jsonQuoted)}"#)
                }
                try await reply(TeamsMessages.text(text))
                return .json("{}")
            }
            let said = TeamsMessages.withoutMentions(String((activity["text"]?.stringValue ?? "").prefix(500)))
            switch ChatCommands.Command(said) {
            case .habits: try await reply(TeamsMessages.habits(try await commands.habits(of: user)))
            case .complete(let name) where name.isEmpty: try await reply(TeamsMessages.text("Say **complete** and the habit's name."))
            case .complete(let name):
                try await reply(TeamsMessages.text(TeamsMessages.completion(try await commands.complete(user: user, matching: name, note: "Completed in Teams"), asked: name)))
            case .progress: try await reply(TeamsMessages.progress(try await commands.progress(of: user)))
            case .help: try await reply(TeamsMessages.help)
            }
        default:
            break
        }
        return .json("{}")
    }

    func send(_ request: FunctionRequest) async throws -> FunctionResponse {
        try ChatBots.requireServer(request.caller)
        let input = try ActionInput(request: request)
        let user = try input.requiredID("userId")
        let message: JSONValue
        switch try input.choice("messageType", ["morning_habits", "evening_summary", "custom"]) ?? "custom" {
        case "morning_habits": message = TeamsMessages.habits(try await commands.habits(of: user), greeting: "Good morning! Here are your habits for today.")
        case "evening_summary": message = TeamsMessages.progress(try await commands.progress(of: user))
        default: message = TeamsMessages.text(try input.text("customMessage", maxLength: 3000))
        }
        guard try await teams.post(to: user, activity: message) else {
            throw FunctionError.notFound("this user has no active Teams link the bot has heard from")
        }
        return .json(#"{"success":true}"#)
    }

    static func translate(_ error: any Error) -> any Error {
        switch error {
        case is TeamsNotConfigured: FunctionError.notConfigured("teams", "Microsoft Teams is not configured on this server")
        case let failure as BotFrameworkAuthentication.Failure: FunctionError.unauthorized(failure.description)
        case let refusal as TeamsRefusal: FunctionError.invalid(refusal.message)
        case let refused as MicrosoftClient.Refused: FunctionError.upstream("Microsoft refused: \(refused.code)")
        default: error
        }
    }
}
