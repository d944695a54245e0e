import Core
import Foundation
import FunctionsAPI
import Tokens

/// What the Slack and Teams bots share: how a request names its endpoint, the signed-in
/// endpoints over a user's link (`status`, `settings`), and the pages an install ends on.
enum ChatBots {
    /// The endpoint a request asks for: `?endpoint=`, else the JSON body's `action` (as the app
    /// sends it), else `status`.
    static func endpoint(of request: FunctionRequest) -> String {
        if let endpoint = request.queryValue("endpoint") { return endpoint }
        if request.header("content-type")?.lowercased().hasPrefix("application/json") ?? true,
           case .object(let members)? = try? JSONDecoder().decode(JSONValue.self, from: Data(request.body)),
           case .string(let action)? = members["action"] {
            return action
        }
        return "status"
    }

    /// `status`: `{success, connected, installation}` with the caller's active link, read as the
    /// caller; `fields` builds the installation's members from the row `i`.
    static func status(_ database: CallerDatabase, _ caller: Caller, table: String, fields: String) async throws -> FunctionResponse {
        .json(try await database.json(caller, readOnly: true, """
            SELECT jsonb_build_object('success', true, 'connected', count(*) > 0,
                     'installation', (array_agg(\(fields) ORDER BY i.installed_at DESC))[1])::text
              FROM public.\(table) i WHERE i.user_id = auth.uid() AND i.is_active
            """) ?? "null")
    }

    /// The `settings` endpoint as the API descriptions show it.
    static let settingsDescription = ActionDescription(
        "settings", "Updates the reminder settings of the caller's link: {success, message, settings}.",
        parameters: [ParameterDescription("morningReminder", "boolean", "morning habit list"),
                     ParameterDescription("eveningSummary", "boolean", "evening summary"),
                     ParameterDescription("goalReminders", "boolean", "goal reminders"),
                     ParameterDescription("reminderTime", "string (HH:MM)", "local time of the morning reminder")])

    /// `settings`: the reminder settings the app sends (`morningReminder`, `eveningSummary`,
    /// `goalReminders`, `reminderTime`), each optional and checked, merged into the caller's
    /// active links as the caller; 404 without one.
    static func updateSettings(_ database: CallerDatabase, _ input: ActionInput, table: String) async throws -> FunctionResponse {
        var settings: [String: JSONValue] = [:]
        for (member, key) in [("morningReminder", "morning_reminder"), ("eveningSummary", "evening_summary"), ("goalReminders", "goal_reminders")] {
            if let flag = try input.bool(member) { settings[key] = .bool(flag) }
        }
        if let time = try input.string("reminderTime", maxLength: 5) {
            guard time.count == 5, time.enumerated().allSatisfy({ $0.offset == 2 ? $0.element == ":" : $0.element.isASCII && $0.element.isNumber }),
                  let hours = Int(time.prefix(2)), let minutes = Int(time.suffix(2)),
                  (0...23).contains(hours), (0...59).contains(minutes)
            else { throw FunctionError.invalid("`reminderTime` must be a time of day as HH:MM") }
            settings["reminder_time"] = .string(time)
        }
        let updated = try await database.json(input.caller, """
            WITH changed AS (
              UPDATE public.\(table) SET settings = settings || $1::jsonb WHERE user_id = auth.uid() AND is_active RETURNING settings)
            SELECT (SELECT settings FROM changed LIMIT 1)::text
            """, [.text(JSONValue.object(settings).jsonText)])
        guard let updated else { throw FunctionError.notFound("you have no active link to update") }
        return .json(#"{"success":true,"message":"Settings updated","settings":\#(updated)}"#)
    }

    /// `oauth`: a provider's redirect back (`code` and `state`, or `error`) finishes the link and
    /// answers a page; without them the signed-in caller gets `{success, url}`, the provider's
    /// page with a state bound to them.
    static func oauth(
        _ request: FunctionRequest, _ database: CallerDatabase, service: String, translate: (any Error) -> any Error,
        installURL: (UUID) throws -> String, finish: (_ code: String, _ state: String) async throws -> String
    ) async throws -> FunctionResponse {
        if request.queryValue("error") != nil {
            return page(title: "Connection cancelled", "\(service) was not connected.")
        }
        guard let code = request.queryValue("code"), let state = request.queryValue("state") else {
            let user = try await database.liveUser(request.caller)
            return .json(#"{"success":true,"url":\#(try installURL(user).jsonQuoted)}"#)
        }
        guard code.utf8.count <= 4000, state.utf8.count <= 2000 else {
            return page(status: 400, title: "\(service) was not connected", "The link is malformed.")
        }
        do {
            return page(title: "\(service) is connected", try await finish(code, state))
        } catch let refused as OAuthStates.Refused {
            return page(status: 400, title: "\(service) was not connected", refused.message)
        } catch {
            let refusal = FunctionError(translating: translate(error)) ?? FunctionError.upstream("\(service) could not be reached")
            return page(status: refusal.status, title: "\(service) was not connected", refusal.message)
        }
    }

    /// A signed-in caller (whose session the query run as them then checks).
    static func requireUser(_ caller: Caller) throws(FunctionError) {
        guard caller.userID != nil else { throw .unauthorized("send the user's access token as the bearer") }
    }

    /// The server's own call (the service_role key).
    static func requireServer(_ caller: Caller) throws(FunctionError) {
        guard caller.role == "service_role" else { throw caller.role == "anon" ? .missingAuthorization : .serviceRoleRequired }
    }

    /// The page a browser shows when an install ends (in the pop-up the app opened).
    static func page(status: Int = 200, title: String, _ message: String) -> FunctionResponse {
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(title.markupEscaped)</title></head>
            <body><h1>\(title.markupEscaped)</h1><p>\(message.markupEscaped)</p>\
            <script>setTimeout(function () { window.close(); }, 5000);</script></body></html>
            """
        return FunctionResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8"),
                                                          ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'")],
                                body: Array(html.utf8))
    }
}
