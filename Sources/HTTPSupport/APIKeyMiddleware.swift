import HTTPTypes
import Hummingbird

/// The gateway check of `/auth/v1` and `/rest/v1`: the `apikey` header (or `?apikey=`) must be
/// one of the project's keys. Preflights and the few Auth paths reached from links are exempt.
/// It only admits the request; who the caller is comes from the bearer token.
public struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let isKnownKey: @Sendable (String) -> Bool

    static var gatedPrefixes: [String] { ["/auth/v1", "/rest/v1"] }
    static var exemptPaths: Set<String> {
        ["/auth/v1/verify", "/auth/v1/callback", "/auth/v1/authorize", "/auth/v1/.well-known/jwks.json"]
    }

    public init(isKnownKey: @escaping @Sendable (String) -> Bool) {
        self.isKnownKey = isKnownKey
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method != .options,
              Self.gatedPrefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") }),
              !Self.exemptPaths.contains(path.hasSuffix("/") ? String(path.dropLast()) : path)
        else { return try await next(request, context) }

        guard let key = request.headers[.apiKey] ?? request.uri.queryParameters["apikey"].map(String.init), !key.isEmpty else {
            return .json(
                #"{"message":"No API key found in request","hint":"No `apikey` request header or url param was found."}"#,
                status: .unauthorized)
        }
        guard isKnownKey(key) else {
            return .json(
                #"{"message":"Invalid API key","hint":"Double check your Supabase `anon` or `service_role` API key."}"#,
                status: .unauthorized)
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    public static let apiKey = Self("apikey")!
    public static let supabaseAPIVersion = Self("X-Supabase-Api-Version")!
}
