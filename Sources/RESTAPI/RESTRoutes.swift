import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import RESTErrors
import RESTQuery

/// Registers `/rest/v1/**`: reads the HTTP request into parser input and writes the service's
/// answer, or its error in PostgREST's envelope, back. No request ever gets a bare 500.
public struct RESTRoutes: Sendable {
    let service: RESTService
    /// Largest request body accepted.
    let bodyLimit: Int

    public init(service: RESTService, bodyLimit: Int = 8 << 20) {
        self.service = service
        self.bodyLimit = bodyLimit
    }

    public func register(on router: Router<AppRequestContext>) {
        for method in [HTTPRequest.Method.get, .head, .post, .patch, .put, .delete] {
            router.on("rest/v1", method: method) { request, context in await handle(request, context: context) }
            router.on("rest/v1/**", method: method) { request, context in await handle(request, context: context) }
        }
    }

    func handle(_ request: Request, context: AppRequestContext) async -> Response {
        do {
            let caller = try service.identify(bearer: request.bearerToken, apiKey: request.headers[.apiKey] ?? request.uri.queryParameters["apikey"].map(String.init))
            let body: [UInt8]?
            do {
                body = [.post, .patch, .put].contains(request.method)
                    ? Array(buffer: try await request.body(upTo: bodyLimit)) : nil
            } catch {
                throw RESTError(status: 413, code: "PGRST413", message: "The request body is larger than \(bodyLimit) bytes")
            }
            let path = String(request.uri.path.dropFirst("/rest/v1".count))
            let parsed = ApiRequestParser.parse(
                method: request.method.rawValue, path: path.isEmpty ? "/" : path, query: request.uri.query ?? "",
                headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body)
            let apiRequest: ApiRequest
            switch parsed {
            case .success(let value): apiRequest = value
            case .failure(let error): throw RESTError.parse(error)
            }
            let answer = try await service.respond(to: apiRequest, caller: caller)
            var headers = HTTPFields()
            for (name, value) in answer.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
            let status = HTTPResponse.Status(code: answer.status)
            guard let body = answer.body, request.method != .head else { return Response(status: status, headers: headers) }
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        } catch let error as RESTError {
            return Self.response(for: error, head: request.method == .head)
        } catch {
            context.logger.error("rest request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return Self.response(for: .internalError, head: request.method == .head)
        }
    }

    static func response(for error: RESTError, head: Bool) -> Response {
        var headers: HTTPFields = [.contentType: RESTError.contentType]
        for header in error.responseHeaders {
            if let name = HTTPField.Name(header.name) { headers[name] = header.value }
        }
        let status = HTTPResponse.Status(code: error.status)
        return head ? Response(status: status, headers: headers)
            : Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: error.body)))
    }
}

extension RESTError {
    /// A parse failure of the request, in the catalogue's terms.
    static func parse(_ error: RESTQueryError) -> RESTError {
        switch error.kind {
        case .query: return .queryParameterParseError(message: error.message, details: error.details ?? "")
        case .body: return .invalidBody(error.message)
        case .range:
            return RESTError(status: 416, code: "PGRST103", message: "Requested range not satisfiable", details: error.details ?? error.message)
        case .mediaType: return .unacceptableMediaTypes([error.message])
        case .routineMethod: return RESTError(status: 405, code: "PGRST101", message: error.message)
        case .unsupportedMethod: return RESTError(status: 405, code: "PGRST117", message: error.message)
        case .aggregates: return .aggregatesNotAllowed
        case .invalidPath: return .invalidResourcePath
        case .other: return RESTError(status: 400, code: "PGRST100", message: error.message, details: error.details, hint: error.hint)
        }
    }
}
