/// What one server-side function under `/functions/v1` offers, for the API descriptions (the
/// README's tables and the OpenAPI document of `GET /rest/v1/`): its actions and their inputs.
public struct FunctionDescription: Sendable, Equatable {
    /// The function's name: its path segment after `/functions/v1/`.
    public var name: String
    public var summary: String
    /// Whom the gateway admits before the function runs.
    public var authentication: FunctionAuthentication
    public var actions: [ActionDescription]

    public init(name: String, summary: String, authentication: FunctionAuthentication = .user, actions: [ActionDescription] = []) {
        self.name = name
        self.summary = summary
        self.authentication = authentication
        self.actions = actions
    }

    /// Whether the gateway requires a valid project JWT (Supabase's `verify_jwt`).
    public var verifiesJWT: Bool { authentication.verifiesToken }
}

/// How the Functions gateway admits a function's callers: declared once, in the function's
/// description, and enforced by the gateway before the function runs.
public enum FunctionAuthentication: String, Sendable, Equatable {
    /// A valid, live token of the project: a user's access token or an API key (Supabase's
    /// `verify_jwt`; the anon key suffices, and each action says whether it needs a signed-in user).
    case user
    /// The service_role key (or a service_role token) only: server-side callers such as jobs.
    case serviceRole = "service_role"
    /// No token: the function verifies the request's own signature (webhooks). It runs as anon,
    /// whatever bearer is sent.
    case signature
    /// No token: OAuth redirects and callbacks that carry none. A valid bearer, when sent,
    /// still names the caller; otherwise it runs as anon.
    case `public`

    public var verifiesToken: Bool { self == .user || self == .serviceRole }
}

/// One `?action=<verb>` of a function: what it does, who may call it, and its inputs.
public struct ActionDescription: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// Who may call it, when narrower than any signed-in user (e.g. "service_role only").
    public var access: String?
    public var parameters: [ParameterDescription]

    public init(_ name: String, _ summary: String, access: String? = nil, parameters: [ParameterDescription] = []) {
        self.name = name
        self.summary = summary
        self.access = access
        self.parameters = parameters
    }
}

/// One input of an action: a member of the JSON body (or a query parameter of the same name).
public struct ParameterDescription: Sendable, Equatable {
    public var name: String
    /// A JSON type, e.g. `string (uuid)`, `integer`, `array of string`.
    public var type: String
    public var required: Bool
    public var summary: String

    public init(_ name: String, _ type: String, required: Bool = false, _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

extension Array where Element == ParameterDescription {
    /// The same parameters with the named ones marked required.
    public func requiring(_ names: String...) -> [ParameterDescription] {
        map { parameter in
            var parameter = parameter
            parameter.required = parameter.required || names.contains(parameter.name)
            return parameter
        }
    }
}
