import Core
import FunctionsAPI
import Tokens

/// Who may call an action.
enum Access: Sendable {
    /// Any verified caller, the anon key included (catalogues).
    case anyone
    /// A signed-in user's access token.
    case user
    /// The service_role key (server-side callers: webhooks, jobs).
    case serviceRole
    /// A signed-in user acting for themselves, or the server naming the user it acts for.
    case userOrServer

    var label: String? {
        switch self {
        case .anyone: "anyone with a valid key"
        case .user: nil
        case .serviceRole: "service_role only"
        case .userOrServer: "a signed-in user, or service_role naming userId"
        }
    }
}

/// One `?action=<verb>` of a function: its description and its work.
struct Action: Sendable {
    let description: ActionDescription
    let access: Access
    let run: @Sendable (ActionInput) async throws -> FunctionResponse

    init(
        _ name: String, _ summary: String, access: Access = .user, parameters: [ParameterDescription] = [],
        run: @escaping @Sendable (ActionInput) async throws -> FunctionResponse
    ) {
        description = ActionDescription(name, summary, access: access.label, parameters: parameters)
        self.access = access
        self.run = run
    }
}

/// A function made of named actions. The action is named by `?action=<verb>`, else by the first
/// segment after the function's name (`/habit-service/complete`), else by the body's `action`
/// member, else by what `inferAction` reads from the inputs, else the function's default; inputs
/// come from the JSON body and the query string.
struct ActionFunction: EdgeFunction {
    let documentation: FunctionDescription
    let actions: [String: Action]
    let defaultAction: String?
    /// The action a request that names none unmistakably asks for (from its inputs), or nil.
    let inferAction: (@Sendable (ActionInput) -> String?)?

    init(name: String, summary: String, defaultAction: String? = nil, inferAction: (@Sendable (ActionInput) -> String?)? = nil,
         actions: [Action]) {
        documentation = FunctionDescription(name: name, summary: summary, actions: actions.map(\.description))
        self.actions = Dictionary(actions.map { ($0.description.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaultAction = defaultAction
        self.inferAction = inferAction
    }

    func respond(to request: FunctionRequest) async throws -> FunctionResponse {
        let input = try ActionInput(request: request)
        let segment = request.subPath.split(separator: "/").first.map(String.init)
        let named = try input.string("action", maxLength: 100)
        guard let name = request.queryValue("action") ?? segment ?? named ?? inferAction?(input) ?? defaultAction else {
            throw FunctionError.invalid("name an action with ?action=<verb>: one of \(actionList)")
        }
        guard let action = actions[name] else {
            throw FunctionError.invalid("unknown action '\(name)' of \(documentation.name): expected one of \(actionList)")
        }
        switch action.access {
        case .anyone:
            break
        case .user:
            guard request.caller.subject != nil else {
                throw FunctionError.unauthorized("\(documentation.name) '\(name)' acts for a signed-in user: send the user's access token as the bearer")
            }
        case .serviceRole:
            guard request.caller.role == "service_role" else {
                throw FunctionError.forbidden("\(documentation.name) '\(name)' is for the server only (service_role key)")
            }
        case .userOrServer:
            guard request.caller.subject != nil || request.caller.role == "service_role" else {
                throw FunctionError.unauthorized("\(documentation.name) '\(name)' acts for a user: send the user's access token as the bearer")
            }
        }
        return try await action.run(input)
    }

    var actionList: String { documentation.actions.map(\.name).joined(separator: ", ") }
}
