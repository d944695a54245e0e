import Core

/// A server-side function served under `/functions/v1/<name>`: the gateway admits the caller
/// as `documentation.authentication` says, hands it the request, and relays its answer.
public protocol EdgeFunction: Sendable {
    /// The function's name, authentication mode and actions, as the API descriptions show them.
    var documentation: FunctionDescription { get }
    /// The answer to one request. A thrown `FunctionError` (or a database refusal, which the
    /// gateway translates) becomes its JSON error response; any other error is a failure of the
    /// function, relayed as a 500 with `x-relay-error: true`.
    func respond(to request: FunctionRequest) async throws -> FunctionResponse
}
