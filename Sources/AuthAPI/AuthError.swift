import Core
import Database
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import Tokens

/// Every error the Auth API answers with: a stable code, an HTTP status and a message. Rendered
/// in the 2024-01-01 format (`{"code","message"}` plus `X-Supabase-Api-Version` and
/// `x-sb-error-code`) when the request names that API version, else in the legacy format; the
/// token endpoint's malformed requests in OAuth's `{"error","error_description"}`.
public struct AuthError: Error, Sendable {
    public let code: String
    public let status: HTTPResponse.Status
    public let message: String
    /// Reasons of a `weak_password` error.
    public var weakPasswordReasons: [String]? = nil
    /// Seconds until a rate-limited client may retry.
    public var retryAfter: Int? = nil
    /// Whether the body is OAuth's (`error` = `code`, `error_description` = `message`).
    var isOAuth = false

    static let apiVersion = "2024-01-01"

    /// The response, in the envelope the request's API version asks for.
    public func response(to request: Request) -> Response {
        var headers: HTTPFields = [.xSbErrorCode: code]
        if let seconds = retryAfter { headers[HTTPField.Name.retryAfter] = "\(seconds)" }
        let weak = weakPasswordReasons.map {
            #","weak_password":{"message":"# + message.jsonQuoted + #","reasons":["#
                + $0.map(\.jsonQuoted).joined(separator: ",") + "]}"
        } ?? ""
        let body: String
        if isOAuth {
            headers = [:]
            body = #"{"error":"# + code.jsonQuoted + #","error_description":"# + message.jsonQuoted + "}"
        } else if let version = request.headers[.supabaseAPIVersion], version >= Self.apiVersion {
            headers[.supabaseAPIVersion] = Self.apiVersion
            body = #"{"code":"# + code.jsonQuoted + #","error_code":"# + code.jsonQuoted
                + #","message":"# + message.jsonQuoted + weak + "}"
        } else {
            body = #"{"code":\#(status.code),"error_code":"# + code.jsonQuoted + #","msg":"# + message.jsonQuoted + weak + "}"
        }
        guard request.method != .head else {
            headers[.contentType] = "application/json"
            return Response(status: status, headers: headers)
        }
        return .json(body, status: status, headers: headers)
    }

    init(_ code: String, _ status: HTTPResponse.Status, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    static func validation(_ message: String, status: HTTPResponse.Status = .badRequest) -> AuthError {
        AuthError("validation_failed", status, message)
    }
    static let badJSON = AuthError("bad_json", .badRequest, "Could not parse request body as JSON")
    static let nulCharacter = AuthError.validation("Text may not contain NUL characters")
    static let invalidCredentials = AuthError("invalid_credentials", .badRequest, "Invalid login credentials")
    static let emailNotConfirmed = AuthError("email_not_confirmed", .badRequest, "Email not confirmed")
    static let userBanned = AuthError("user_banned", .badRequest, "User is banned")
    static let userBannedBearer = AuthError("user_banned", .forbidden, "User is banned")
    static func weakPassword(minimum: Int) -> AuthError {
        var error = AuthError("weak_password", .unprocessableContent, "Password should be at least \(minimum) characters.")
        error.weakPasswordReasons = ["length"]
        return error
    }
    static let userAlreadyExists = AuthError("user_already_exists", .unprocessableContent, "User already registered")
    static let emailExists = AuthError("email_exists", .unprocessableContent, "A user with this email address has already been registered")
    static let reauthenticationNeeded = AuthError(
        "reauthentication_needed", .badRequest, "Changing the email or password requires reauthentication")
    static let reauthenticationNotValid = AuthError("reauthentication_not_valid", .badRequest, "Requires a valid reauthentication nonce")
    static let currentPasswordMismatch = AuthError("current_password_mismatch", .badRequest, "Current password is incorrect")
    static let samePassword = AuthError("same_password", .unprocessableContent, "New password should be different from the old password.")
    static let signupDisabled = AuthError("signup_disabled", .unprocessableContent, "Signups not allowed for this instance")
    static let anonymousDisabled = AuthError("anonymous_provider_disabled", .unprocessableContent, "Anonymous sign-ins are disabled")
    static let refreshTokenNotFound = AuthError("refresh_token_not_found", .badRequest, "Invalid Refresh Token: Refresh Token Not Found")
    static let refreshTokenAlreadyUsed = AuthError("refresh_token_already_used", .badRequest, "Invalid Refresh Token: Already Used")
    static let refreshSessionNotFound = AuthError("session_not_found", .badRequest, "Invalid Refresh Token: No Valid Session Found")
    static let sessionNotFound = AuthError("session_not_found", .forbidden, "Session from session_id claim in JWT does not exist")
    static let noAuthorization = AuthError("no_authorization", .unauthorized, "This endpoint requires a valid Bearer token")
    static let badJWT = AuthError("bad_jwt", .forbidden, "invalid JWT: unable to parse or verify signature, token is malformed, expired or not signed by this server")
    static let missingSub = AuthError("bad_jwt", .forbidden, "invalid claim: missing sub claim")
    static let notAdmin = AuthError("not_admin", .forbidden, "User not allowed")
    static let userNotFoundBearer = AuthError("user_not_found", .forbidden, "User from sub claim in JWT does not exist")
    static let userNotFound = AuthError("user_not_found", .notFound, "User not found")
    static let otpExpired = AuthError("otp_expired", .forbidden, "Token has expired or is invalid")
    static let conflict = AuthError("conflict", .conflict, "Concurrent requests could not be serialised; try again")
    static func rateLimited(retryAfter: Int) -> AuthError {
        var error = AuthError("over_request_rate_limit", .tooManyRequests, "Request rate limit reached")
        error.retryAfter = retryAfter
        return error
    }
    /// A malformed token request, in OAuth's shape.
    static func invalidRequest(_ description: String) -> AuthError {
        var error = AuthError("invalid_request", .badRequest, description)
        error.isOAuth = true
        return error
    }
    static let databaseUnavailable = AuthError("service_unavailable", .serviceUnavailable, "The database is unavailable; try again shortly")
    static let unexpected = AuthError("unexpected_failure", .internalServerError, "Unexpected failure, please check server logs for more information")
}

extension HTTPField.Name {
    static let xSbErrorCode = Self("x-sb-error-code")!
}

extension AuthError: ErrorCatalogue {
    /// The one place errors of lower layers become Auth errors: a refused or missing token, and
    /// the database's refusals the client caused or cannot help (it is unavailable).
    public init?(translating error: any Error) {
        switch error {
        case let error as AuthError: self = error
        case is TokenError: self = .badJWT
        case is CallerRequired: self = .noAuthorization
        case let error as DatabaseError where error.isUnavailable: self = .databaseUnavailable
        // Characters PostgreSQL cannot store (a NUL in a query parameter, say): the client's fault.
        case let error as DatabaseError where error.sqlState == "22021" || error.sqlState == "22P05": self = .nulCharacter
        default: return nil
        }
    }

    public static var internalError: AuthError { .unexpected }
}
