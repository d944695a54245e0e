import HTTPSupport
import HTTPTypes
import Hummingbird
import NIOCore
import RESTEngine
import RESTErrors
import RESTQuery
import Tokens

/// Registers `/rest/v1/**` behind the surface's edge — the error middleware (PostgREST's
/// envelope for everything thrown below it) and the caller middleware (the API key gate, then
/// the bearer token or the key's role) — and turns each request into parser input and the
/// service's answer into a response.
public struct RESTRoutes: Sendable {
    let service: RESTService
    /// Largest request body accepted.
    let bodyLimit: Int

    public init(service: RESTService, bodyLimit: Int = 8 << 20) {
        self.service = service
        self.bodyLimit = bodyLimit
    }

    public func register(on router: Router<AppRequestContext>) {
        let callers = service.callers
        let rest = router.group("rest/v1")
            .add(middleware: ErrorMiddleware(RESTError.self, surface: "rest"))
            .add(middleware: CallerMiddleware { request in
                let credentials = request.credentials
                _ = try callers.gate(credentials)
                return try callers.resolve(bearer: credentials.bearer, apiKey: credentials.apiKey)
            })
            .group(context: CallerRequestContext.self)
        for method in [HTTPRequest.Method.get, .head, .post, .patch, .put, .delete] {
            rest.on("", method: method) { request, context in try await handle(request, caller: context.caller) }
            rest.on("**", method: method) { request, context in try await handle(request, caller: context.caller) }
        }
    }

    /// The names the REST engine answers with, made once rather than parsed for every response.
    static let knownNames: [String: HTTPField.Name] = Dictionary(
        uniqueKeysWithValues: ["Content-Type", "Content-Range", "Content-Profile", "Preference-Applied", "Location"].map {
            ($0, HTTPField.Name($0)!)
        })

    func handle(_ request: Request, caller: Caller) async throws -> Response {
        let body: [UInt8]?
        if [.post, .patch, .put].contains(request.method) {
            do {
                body = Array(buffer: try await request.body(upTo: bodyLimit))
            } catch {
                throw RESTError.requestTooLarge(limit: bodyLimit)
            }
        } else {
            body = nil
        }
        let path = request.uri.path.dropFirst("/rest/v1".count)
        let form = RequestForm(
            method: request.method.rawValue, path: path.isEmpty ? "/" : String(path), query: request.uri.query ?? "",
            headers: request.headers.lazy.map { ($0.name.rawName, $0.value) })
        let answer = try await service.respond(to: form, body: body, caller: caller)
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = Self.knownNames[name] ?? HTTPField.Name(name) { headers[field] = value }
        }
        let status = HTTPResponse.Status(code: answer.status)
        guard let text = answer.body, request.method != .head else { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
