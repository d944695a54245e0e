import Core
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import NIOCore
import Tokens

/// The Functions gateway: every method on `/functions/v1/<name>` and `/functions/v1/<name>/**`
/// goes to the function registered under `<name>`. Its edge is the error middleware (the
/// catalogue of `FunctionError`) and the caller middleware, which admits the caller by the
/// function's declared `FunctionAuthentication` before the function runs; the gateway then
/// hands over the request and relays the answer.
public struct FunctionsRoutes: Sendable {
    let functions: [String: any EdgeFunction]
    let callers: CallerResolver
    /// Largest request body accepted.
    let bodyLimit: Int

    public init(functions: [any EdgeFunction], callers: CallerResolver, bodyLimit: Int = 6 << 20) {
        self.functions = Dictionary(functions.map { ($0.documentation.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.callers = callers
        self.bodyLimit = bodyLimit
    }

    static let prefix = "/functions/v1"

    public func register(on router: Router<AppRequestContext>) {
        let functions = functions, callers = callers
        let gateway = router.group("functions/v1")
            .add(middleware: ErrorMiddleware(FunctionError.self, surface: "functions"))
            .add(middleware: CallerMiddleware { request in
                guard let function = functions[Self.target(of: request.uri.path).name] else { throw FunctionError.functionNotFound }
                return try Self.admit(request.credentials, to: function.documentation.authentication, callers: callers)
            })
            .group(context: CallerRequestContext.self)
        for method in [HTTPRequest.Method.get, .head, .post, .put, .patch, .delete, .options] {
            gateway.on("", method: method) { _, _ -> Response in throw FunctionError.functionNotFound }
            gateway.on("**", method: method) { request, context in try await handle(request, caller: context.caller) }
        }
    }

    /// The caller a function's authentication mode admits with these credentials, or the
    /// gateway's refusal.
    static func admit(
        _ credentials: CallerMiddleware.Credentials, to mode: FunctionAuthentication, callers: CallerResolver
    ) throws -> Caller {
        switch mode {
        case .user, .serviceRole:
            guard credentials.hasAuthorization else { throw FunctionError.missingAuthorization }
            guard let bearer = credentials.bearer else { throw FunctionError.invalidJWT }
            let caller = try callers.resolve(bearer: bearer, apiKey: credentials.apiKey)
            guard mode == .user || caller.role == "service_role" else { throw FunctionError.serviceRoleRequired }
            return caller
        case .signature:
            return .apiKey(role: "anon")
        case .public:
            return (try? callers.resolve(bearer: credentials.bearer, apiKey: credentials.apiKey)) ?? .apiKey(role: "anon")
        }
    }

    /// The function's name (the first path segment after the prefix, percent-decoded) and what
    /// follows it.
    static func target(of path: String) -> (name: String, subPath: String) {
        let rest = path.dropFirst(prefix.count).drop { $0 == "/" }
        let segment = rest.prefix { $0 != "/" }
        return (String(segment).removingPercentEncoding ?? "", String(rest.dropFirst(segment.count)))
    }

    func handle(_ request: Request, caller: Caller) async throws -> Response {
        let (name, subPath) = Self.target(of: request.uri.path)
        guard let function = functions[name] else { throw FunctionError.functionNotFound }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body(upTo: bodyLimit))
        } catch {
            throw FunctionError.payloadTooLarge(limit: bodyLimit)
        }
        let functionRequest = FunctionRequest(
            function: name, caller: caller, method: request.method.rawValue,
            subPath: subPath,
            query: FunctionRequest.decodeQuery(request.uri.query ?? ""),
            headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body)
        let answer = try await function.respond(to: functionRequest)
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let status = HTTPResponse.Status(code: answer.status)
        guard request.method != .head else { return Response(status: status, headers: headers) }
        if let stream = answer.stream {
            return Response(status: status, headers: headers, body: ResponseBody { writer in
                for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
