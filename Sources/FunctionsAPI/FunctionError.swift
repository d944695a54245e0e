import Core
import Database
import HTTPSupport
import HTTPTypes
import Hummingbird
import NIOCore
import Tokens

/// The Functions surface's error catalogue. A function refuses a request with a 4xx and
/// `{"error": message, "code": code}`, the body the Supabase clients read the message from; the
/// gateway's own answers (no such function, no or a bad token) keep the bodies of Supabase's
/// relay; a function that fails to answer is a 500 marked `x-relay-error: true`.
public struct FunctionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    /// A stable, machine-readable reason (`invalid_request`, `not_found`, `conflict`, …).
    public let code: String
    public let message: String
    /// The gateway's own body, for the entries that are not a function's refusal.
    let gatewayBody: String?
    /// Whether the answer is the relay's report of a failed function.
    let relayError: Bool
    /// Seconds until the request may succeed (`Retry-After`), for 429s and 503s.
    public var retryAfter: Int? = nil

    public init(status: Int, code: String, message: String) {
        self.init(status: status, code: code, message: message, gatewayBody: nil, relayError: false)
    }

    init(status: Int, code: String, message: String, gatewayBody: String?, relayError: Bool) {
        self.status = status
        self.code = code
        self.message = message
        self.gatewayBody = gatewayBody
        self.relayError = relayError
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// The error's JSON body.
    public var body: String {
        gatewayBody ?? #"{"error":"# + message.jsonQuoted + #","code":"# + code.jsonQuoted + "}"
    }

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
    public static func payloadTooLarge(limit: Int) -> FunctionError {
        FunctionError(status: 413, code: "payload_too_large", message: "The request body is larger than \(limit) bytes")
    }
    /// The outside service a function needs is not configured on this server (`feature`
    /// names it in the code: `phone_not_configured`, …).
    public static func notConfigured(_ feature: String, _ message: String) -> FunctionError {
        FunctionError(status: 503, code: "\(feature)_not_configured", message: message)
    }
    /// The caller used up an allowance; `Retry-After` says when it refills.
    public static func tooManyRequests(_ message: String, retryAfter: Int) -> FunctionError {
        var error = FunctionError(status: 429, code: "too_many_requests", message: message)
        error.retryAfter = max(1, retryAfter)
        return error
    }
    /// The outside service a function relayed to refused or could not be reached.
    public static func upstream(_ message: String) -> FunctionError {
        FunctionError(status: 502, code: "upstream_error", message: message)
    }
    /// The statement ran past the database's time limit (57014).
    public static let timedOut = FunctionError(
        status: 503, code: "statement_timeout", message: "The request took longer than the database allows; try again with less")
    /// The database cannot be reached; the request may succeed later.
    public static let unavailable = FunctionError(
        status: 503, code: "unavailable", message: "The database is unavailable; try again shortly")

    // MARK: The gateway's own answers

    /// No function has the requested name.
    public static let functionNotFound = FunctionError(
        status: 404, code: "NOT_FOUND", message: "Requested function was not found",
        gatewayBody: #"{"code":"NOT_FOUND","message":"Requested function was not found"}"#, relayError: false)
    /// A function that verifies tokens was called without an `Authorization` header.
    public static let missingAuthorization = FunctionError(
        status: 401, code: "401", message: "Missing authorization header",
        gatewayBody: #"{"code":401,"message":"Missing authorization header"}"#, relayError: false)
    /// The bearer token is not a valid, live token of the project.
    public static let invalidJWT = FunctionError(
        status: 401, code: "401", message: "Invalid JWT", gatewayBody: #"{"code":401,"message":"Invalid JWT"}"#, relayError: false)
    /// A function for the server only was called without the service_role key.
    public static let serviceRoleRequired = FunctionError(
        status: 403, code: "forbidden", message: "This function is for the server only (service_role key)")
}

extension FunctionError: ErrorCatalogue {
    /// The one place the errors of lower layers (tokens, the database) become this catalogue's.
    public init?(translating error: any Error) {
        switch error {
        case let error as FunctionError: self = error
        case is TokenError: self = .invalidJWT
        case is CallerRequired: self = .missingAuthorization
        case let error as DatabaseError:
            guard let entry = FunctionError(database: error) else { return nil }
            self = entry
        default: return nil
        }
    }

    /// A refused statement by SQLSTATE class; nil for failures that are the server's.
    init?(database error: DatabaseError) {
        let message = error.serverMessage ?? error.message
        if error.isUnavailable {
            self = .unavailable
            return
        }
        switch error.sqlState ?? "" {
        case "42501": self = error.role == "anon" ? .unauthorized(message) : .forbidden(message)
        case "P0002": self = .notFound(message)
        case DatabaseError.sessionEnded: self = .invalidJWT
        case "23505", "23503", "40001", "40P01": self = .conflict(message)
        case "23514", "P0001": self = .unprocessable(message)
        case "23502", "54000", "54001", "54011": self = .invalid(message)
        case "57014": self = .timedOut
        case let state where state.hasPrefix("22"): self = .invalid(message)
        case let state where state.hasPrefix("PT"):
            // A custom status the SQL chose (PT429: too many), as REST answers it.
            guard let status = Int(state.dropFirst(2)), (400...499).contains(status) else { return nil }
            self = FunctionError(status: status, code: status == 429 ? "too_many_requests" : "request_refused", message: message)
        default: return nil
        }
    }

    public static let internalError = FunctionError(
        status: 500, code: "FUNCTION_ERROR", message: "The function failed to run",
        gatewayBody: #"{"error":"The function failed to run","code":"FUNCTION_ERROR"}"#, relayError: true)

    public func response(to request: Request) -> Response {
        let head = request.method == .head
        var headers: HTTPFields = [.contentType: "application/json"]
        if relayError { headers[HTTPField.Name("x-relay-error")!] = "true" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let status = HTTPResponse.Status(code: status)
        return head ? Response(status: status, headers: headers)
            : Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
