import HTTPTypes
import Hummingbird
import Logging

/// A surface's error catalogue: every way a request of the surface can fail, in its envelope.
public protocol ErrorCatalogue: Error, Sendable {
    /// The catalogue's entry for an error thrown while a request was handled: the catalogue's
    /// own entries as they are, and the errors of lower layers (tokens, the API key gate, the
    /// query parser, the database, the object store) translated — the one place each surface
    /// does so. Nil for a fault the surface has no entry for: it is logged and answered with
    /// `internalError`.
    init?(translating error: any Error)
    /// The answer to a fault.
    static var internalError: Self { get }
    /// The response carrying this error to `request` (no body for HEAD; the Auth API's envelope
    /// also depends on the API version the request names).
    func response(to request: Request) -> Response
}

/// The one error middleware of a surface, outermost in its route group: whatever its handlers
/// and its caller middleware throw leaves in the surface's envelope (the API key gate's refusal
/// in the gateway's), never as a bare 500.
public struct ErrorMiddleware<Catalogue: ErrorCatalogue, Context: RequestContext>: RouterMiddleware {
    let surface: String

    /// - Parameter surface: the surface's name, for the log line of a fault.
    public init(_ catalogue: Catalogue.Type, surface: String) {
        self.surface = surface
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIKeyError {
            // The gateway's refusal reads the same on every surface, as Supabase's gateway
            // answers before the service is reached.
            return request.method == .head ? Response(status: .unauthorized) : .json(error.body, status: .unauthorized)
        } catch {
            let entry: Catalogue
            if let known = Catalogue(translating: error) {
                entry = known
            } else {
                context.logger.error(
                    "\(surface) request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
                entry = .internalError
            }
            return entry.response(to: request)
        }
    }
}
