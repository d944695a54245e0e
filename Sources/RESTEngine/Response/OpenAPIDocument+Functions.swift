import Core

extension OpenAPIDocument {
    /// The `x-functions` member: the domain operations under `/functions/v1` (they live outside
    /// this document's base path), each with its actions, who may call them and their inputs.
    static func functionsExtension(_ functions: [FunctionDescription]) -> [String: Any] {
        let base = "/functions/v1"
        return [
            "basePath": base,
            "description": "Call with any method (POST by default) on \(base)/{name}?action={action} with a JSON body "
                + "of the action's parameters and the caller's bearer token; errors are {\"error\", \"code\"} with a 4xx status.",
            "functions": functions.map { function -> [String: Any] in
                [
                    "name": function.name,
                    "path": "\(base)/\(function.name)",
                    "summary": function.summary,
                    "verify_jwt": function.verifiesJWT,
                    "authentication": function.authentication.rawValue,
                    "actions": function.actions.map { action -> [String: Any] in
                        var entry: [String: Any] = [
                            "name": action.name,
                            "summary": action.summary,
                            "invoke": "POST \(base)/\(function.name)?action=\(action.name)",
                            "parameters": action.parameters.map {
                                ["name": $0.name, "type": $0.type, "required": $0.required, "description": $0.summary] as [String: Any]
                            },
                        ]
                        if let access = action.access { entry["access"] = access }
                        return entry
                    },
                ]
            },
        ]
    }
}
