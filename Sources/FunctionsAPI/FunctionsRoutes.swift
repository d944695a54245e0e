import Core
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import Tokens

/// The Functions gateway: every method on `/functions/v1/<name>` and `/functions/v1/<name>/**`
/// goes to the function registered under `<name>`. It verifies the bearer token before the
/// function runs (when the function asks for it), hands over the request, and relays the answer;
/// a function that fails to answer becomes a 5xx with `x-relay-error: true`.
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
        for method in [HTTPRequest.Method.get, .head, .post, .put, .patch, .delete, .options] {
            router.on("functions/v1", method: method) { request, context in await handle(request, context: context) }
            router.on("functions/v1/**", method: method) { request, context in await handle(request, context: context) }
        }
    }

    func handle(_ request: Request, context: AppRequestContext) async -> Response {
        let response = await answer(request, context: context)
        guard request.method != .head else { return Response(status: response.status, headers: response.headers) }
        return response
    }

    func answer(_ request: Request, context: AppRequestContext) async -> Response {
        let rest = request.uri.path.dropFirst(Self.prefix.count).drop { $0 == "/" }
        let segment = rest.prefix { $0 != "/" }
        let name = String(segment).removingPercentEncoding ?? ""
        guard let function = functions[name] else {
            return .json(#"{"code":"NOT_FOUND","message":"Requested function was not found"}"#, status: .notFound)
        }
        let apiKey = request.headers[.apiKey] ?? request.uri.queryParameters["apikey"].map(String.init)
        let caller: Caller
        if function.documentation.verifiesJWT {
            guard request.headers[.authorization] != nil else {
                return .json(#"{"code":401,"message":"Missing authorization header"}"#, status: .unauthorized)
            }
            guard let bearer = request.bearerToken, let verified = try? callers.resolve(bearer: bearer, apiKey: apiKey) else {
                return .json(#"{"code":401,"message":"Invalid JWT"}"#, status: .unauthorized)
            }
            caller = verified
        } else {
            caller = (try? callers.resolve(bearer: request.bearerToken, apiKey: apiKey)) ?? .apiKey(role: "anon")
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body(upTo: bodyLimit))
        } catch {
            return .json(FunctionError(status: 413, code: "payload_too_large", message: "The request body is larger than \(bodyLimit) bytes").body,
                         status: .contentTooLarge)
        }
        let functionRequest = FunctionRequest(
            function: name, caller: caller, method: request.method.rawValue,
            subPath: String(rest.dropFirst(segment.count)),
            query: FunctionRequest.decodeQuery(request.uri.query ?? ""),
            headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body)
        do {
            return Self.response(try await function.respond(to: functionRequest))
        } catch let error as FunctionError {
            return .json(error.body, status: HTTPResponse.Status(code: error.status))
        } catch {
            context.logger.error("function failed", metadata: ["function": "\(name)", "error": "\(String(reflecting: error))"])
            return .json(
                #"{"error":"The function failed to run","code":"FUNCTION_ERROR","function":"# + name.jsonQuoted + "}",
                status: .internalServerError, headers: [HTTPField.Name("x-relay-error")!: "true"])
        }
    }

    static func response(_ answer: FunctionResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
