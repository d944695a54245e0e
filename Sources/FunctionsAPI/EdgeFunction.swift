import Core

/// A server-side function served under `/functions/v1/<name>`: the gateway verifies the caller
/// (when `documentation.verifiesJWT`), hands it the request, and relays its answer.
public protocol EdgeFunction: Sendable {
    /// The function's name, JWT setting and actions, as the API descriptions show them.
    var documentation: FunctionDescription { get }
    /// The answer to one request. A thrown `FunctionError` becomes its JSON error response; any
    /// other error is a failure of the function, relayed as a 5xx with `x-relay-error: true`.
    func respond(to request: FunctionRequest) async throws -> FunctionResponse
}
