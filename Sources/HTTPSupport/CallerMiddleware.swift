import HTTPTypes
import Hummingbird
import Tokens

/// The one place a surface learns who is calling: in front of each surface's route group, it
/// reads the request's API key and bearer token, asks the surface's rule for the caller, and
/// stores it in the context. A rule that refuses throws (a `TokenError`, an `APIKeyError`, …),
/// and the surface's `ErrorMiddleware`, outside this one, answers in the surface's envelope.
public struct CallerMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    /// The credentials a request carries.
    public struct Credentials: Sendable {
        /// The `apikey` header, or the `apikey` query parameter.
        public let apiKey: String?
        /// The bearer token of the `Authorization` header.
        public let bearer: String?
        /// Whether an `Authorization` header was sent at all (with any scheme).
        public let hasAuthorization: Bool
    }

    let rule: @Sendable (Request) throws -> Caller?

    /// - Parameter rule: the caller of a request (its `credentials`, and for the Functions gateway
    ///   the function its path names); nil when there is none and the surface admits that
    ///   (handlers that need one are in a `CallerRequestContext` group).
    public init(_ rule: @escaping @Sendable (Request) throws -> Caller?) {
        self.rule = rule
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            context.caller = try rule(request)
        } catch let deferral as CallerDeferral {
            context.callerRefusal = deferral.refusal
        }
        return try await next(request, context)
    }
}

/// Thrown by a caller rule to refuse the credentials only for the handlers that need a caller:
/// the request goes on without one, and `CallerRequestContext` throws `refusal`. The Auth API
/// uses it, where signing in or up must work whatever stale token a client still sends.
public struct CallerDeferral: Error {
    public let refusal: any Error & Sendable

    public init(_ refusal: any Error & Sendable) {
        self.refusal = refusal
    }
}

extension Request {
    /// The API key and bearer token this request carries.
    public var credentials: CallerMiddleware.Credentials {
        CallerMiddleware.Credentials(
            apiKey: headers.value(of: .apiKey) ?? uri.queryParameters["apikey"].map(String.init), bearer: bearerToken,
            hasAuthorization: headers.contains(.authorization))
    }
}

/// The gateway's refusal of a request without one of the project's API keys (`/auth/v1` and `/rest/v1`).
public enum APIKeyError: Error, Equatable {
    case missing
    case unknown

    /// The body the Supabase gateway answers with (status 401).
    public var body: String {
        switch self {
        case .missing: #"{"message":"No API key found in request","hint":"No `apikey` request header or url param was found."}"#
        case .unknown: #"{"message":"Invalid API key","hint":"Double check your Supabase `anon` or `service_role` API key."}"#
        }
    }
}

extension CallerResolver {
    /// The role of the request's API key, or why the gateway refuses it.
    public func gate(_ credentials: CallerMiddleware.Credentials) throws(APIKeyError) -> String {
        guard let key = credentials.apiKey, !key.isEmpty else { throw .missing }
        guard let role = apiKeyRole(key) else { throw .unknown }
        return role
    }
}

extension HTTPField.Name {
    public static let apiKey = Self("apikey")!
    public static let supabaseAPIVersion = Self("X-Supabase-Api-Version")!
}
