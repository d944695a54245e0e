/// What one server-side function under `/functions/v1` offers, for the API descriptions (the
/// README's tables and the OpenAPI document of `GET /rest/v1/`): its actions and their inputs.
public struct FunctionDescription: Sendable, Equatable {
    /// The function's name: its path segment after `/functions/v1/`.
    public var name: String
    public var summary: String
    /// Whether the gateway requires a valid project JWT (the anon key suffices) before it runs.
    public var verifiesJWT: Bool
    public var actions: [ActionDescription]

    public init(name: String, summary: String, verifiesJWT: Bool = true, actions: [ActionDescription] = []) {
        self.name = name
        self.summary = summary
        self.verifiesJWT = verifiesJWT
        self.actions = actions
    }
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
