import Core

/// A request a function refuses: a 4xx status with `{"error": message, "code": code}`, the body
/// the Supabase clients read the message from.
public struct FunctionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    /// A stable, machine-readable reason (`invalid_request`, `not_found`, `conflict`, …).
    public let code: String
    public let message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// The error's JSON body.
    public var body: String { #"{"error":"# + message.jsonQuoted + #","code":"# + code.jsonQuoted + "}" }

    public static func invalid(_ message: String) -> FunctionError {
        FunctionError(status: 400, code: "invalid_request", message: message)
    }
    public static func unauthorized(_ message: String) -> FunctionError {
        FunctionError(status: 401, code: "unauthorized", message: message)
    }
    public static func forbidden(_ message: String) -> FunctionError {
        FunctionError(status: 403, code: "forbidden", message: message)
    }
    public static func notFound(_ message: String) -> FunctionError {
        FunctionError(status: 404, code: "not_found", message: message)
    }
    public static func conflict(_ message: String) -> FunctionError {
        FunctionError(status: 409, code: "conflict", message: message)
    }
    /// Well-formed, but against a rule of the domain (a future day, a paid order, …).
    public static func unprocessable(_ message: String) -> FunctionError {
        FunctionError(status: 422, code: "rule_violation", message: message)
    }
}
