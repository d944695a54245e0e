import HTTPTypes
import Hummingbird

/// CORS for browser clients: answers preflights on the API prefixes without authentication and
/// adds the allow-origin and expose-headers fields to every response.
public struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        if request.method == .options {
            var headers = HTTPFields()
            addOrigin(origin, to: &headers)
            headers[.accessControlAllowMethods] = CORSHeaders.allowMethods
            headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? CORSHeaders.defaultAllowHeaders
            headers[.accessControlMaxAge] = "86400"
            return Response(status: .noContent, headers: headers)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        addOrigin(origin, to: &response.headers)
        response.headers[.accessControlExposeHeaders] = CORSHeaders.exposeHeaders
        return response
    }

    /// A real origin is echoed with credentials allowed; `Origin: null` (sandboxed frames, local
    /// files, redirects: anyone can send it) and no origin get `*`, without credentials.
    func addOrigin(_ origin: String?, to headers: inout HTTPFields) {
        if let origin, origin.lowercased() != "null" {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowCredentials] = "true"
            headers[.vary] = "Origin"
        } else {
            headers[.accessControlAllowOrigin] = "*"
        }
    }
}

/// The CORS header values, made once (a generic middleware cannot hold static stored values).
enum CORSHeaders {
    static let allowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    static let defaultAllowHeaders =
        "authorization, apikey, content-type, x-client-info, x-supabase-api-version, prefer, accept-profile, "
        + "content-profile, range, accept, x-upsert, cache-control, x-metadata, x-retry-count, x-region"
    static let exposeHeaders =
        "Content-Range, Content-Location, Location, Range-Unit, Preference-Applied, Proxy-Status, "
        + "X-Supabase-Api-Version, X-Total-Count, Link, Content-Type, Content-Length, Content-Disposition, "
        + "ETag, Last-Modified, Cache-Control, x-relay-error"
}
