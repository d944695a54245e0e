import Core
import Foundation
import FunctionsAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// A stand-in function that answers what it received: caller, method, sub-path, query, headers
/// and body.
struct EchoFunction: EdgeFunction {
    var documentation: FunctionDescription { FunctionDescription(name: "echo", summary: "echo") }

    func respond(to request: FunctionRequest) async throws -> FunctionResponse {
        let answer: [String: Any] = [
            "role": request.caller.role, "subject": request.caller.subject ?? NSNull(),
            "method": request.method, "sub_path": request.subPath,
            "query": Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }),
            "authorization": request.header("authorization") ?? NSNull(),
            "content_type": request.header("content-type") ?? NSNull(),
            "body": String(decoding: request.body, as: UTF8.self),
        ]
        let data = try JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys])
        return FunctionResponse(status: 200, headers: [("Content-Type", "application/json"), ("X-Echo", "yes")], body: Array(data))
    }
}

/// A stand-in function that refuses (4xx) or fails (throws) as asked by its sub-path.
struct FailingFunction: EdgeFunction {
    struct Crash: Error {}
    var authentication = FunctionAuthentication.user
    var name: String {
        switch authentication {
        case .user: "fails"
        case .public: "open"
        case .serviceRole: "internal"
        case .signature: "hook"
        }
    }
    var documentation: FunctionDescription { FunctionDescription(name: name, summary: "fails", authentication: authentication) }

    func respond(to request: FunctionRequest) async throws -> FunctionResponse {
        switch request.subPath {
        case "/refuse": throw FunctionError.unprocessable("that cannot be done")
        case "/crash": throw Crash()
        default: return .json(#"{"role":"# + request.caller.role.jsonQuoted + "}")
        }
    }
}

@Suite("Functions gateway (checklist 45-48)")
struct GatewayTests {
    @Test("45/46: POST with a JSON body, the caller's token, method, sub-path and query reach the function; its answer comes back intact")
    func passthrough() async throws {
        let app = try await TestApp.make()
        try await app.run(adding: [EchoFunction()]) { client in
            let user = try await signUp(client, app: app, email: "echo@functions.test")
            let reply = try await user.functions.send(.post, "echo", body: #"{"hello":"wörld","n":[1,2]}"#)
            #expect(reply.status == .ok)
            #expect(reply.header("X-Echo") == "yes")
            #expect(reply.header("Content-Type") == "application/json")
            #expect(reply.object["method"] as? String == "POST")
            #expect(reply.object["role"] as? String == "authenticated")
            #expect(reply.object["subject"] as? String == user.id)
            #expect(reply.object["authorization"] as? String == "Bearer \(user.token)")
            #expect(reply.object["content_type"] as? String == "application/json")
            #expect(reply.object["body"] as? String == #"{"hello":"wörld","n":[1,2]}"#)
            #expect(reply.object["sub_path"] as? String == "")

            let get = try await user.functions.send(.get, "echo/a/b%20c?x=1&y=two+words&z=%26")
            #expect(get.status == .ok)
            #expect(get.object["method"] as? String == "GET")
            #expect(get.object["sub_path"] as? String == "/a/b%20c")
            #expect(get.object["query"] as? [String: String] == ["x": "1", "y": "two words", "z": "&"])

            for method in [HTTPRequest.Method.put, .patch, .delete] {
                let other = try await user.functions.send(method, "echo/x")
                #expect(other.object["method"] as? String == method.rawValue)
            }
            let head = try await user.functions.send(.head, "echo")
            #expect(head.status == .ok)
            #expect(head.body.isEmpty)

            // The anon key as the bearer is a valid project JWT: the function runs as anon.
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            #expect(try await anon.send(.post, "echo").object["role"] as? String == "anon")
            // Not apikey-gated: no apikey header at all is fine.
            let noKey = try await client.execute(uri: "/functions/v1/echo", method: .post,
                                                 headers: [.authorization: "Bearer \(app.keys.anon)"]) { $0.status }
            #expect(noKey == .ok)
            // CORS headers are added to the function's answer; preflights need nothing.
            let cors = try await anon.send(.post, "echo", headers: [("Origin", "https://app.example")])
            #expect(cors.header("Access-Control-Allow-Origin") == "https://app.example")
            #expect(cors.header("Access-Control-Expose-Headers")?.contains("x-relay-error") == true)
            let preflight = try await client.execute(
                uri: "/functions/v1/echo", method: .options,
                headers: [HTTPField.Name("Origin")!: "https://app.example", HTTPField.Name("Access-Control-Request-Headers")!: "authorization, x-client-info"]
            ) { $0 }
            #expect(preflight.status.code < 300)
            #expect(preflight.headers[HTTPField.Name("Access-Control-Allow-Headers")!] == "authorization, x-client-info")
        }
    }

    @Test("47: a 4xx answer keeps its error JSON; a thrown failure is a 500 with x-relay-error; an unknown function is 404")
    func errors() async throws {
        let app = try await TestApp.make()
        try await app.run(adding: [FailingFunction()]) { client in
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            let refused = try await anon.send(.post, "fails/refuse")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.error == "that cannot be done")
            #expect(refused.header("x-relay-error") == nil)

            let crashed = try await anon.send(.post, "fails/crash")
            #expect(crashed.status == .internalServerError)
            #expect(crashed.header("x-relay-error") == "true")
            #expect(crashed.error != nil)

            let unknown = try await anon.send(.post, "no-such-function")
            #expect(unknown.status == .notFound)
            #expect(unknown.object["code"] as? String == "NOT_FOUND")
            #expect(unknown.object["message"] as? String == "Requested function was not found")
            #expect(try await anon.send(.get, "").status == .notFound)

            let unknownAction = try await anon.call("habit-service", "fly")
            #expect(unknownAction.status == .badRequest)
            #expect(unknownAction.error?.contains("unknown action 'fly'") == true)
            let badJSON = try await anon.send(.post, "credits?action=balance", body: "{not json")
            #expect(badJSON.status == .badRequest)
        }
    }

    @Test("48: each function's authentication mode is enforced before it runs: user (any valid token), service_role, public, signature")
    func verification() async throws {
        let app = try await TestApp.make()
        let modes: [FunctionAuthentication] = [.user, .public, .serviceRole, .signature]
        try await app.run(adding: modes.map { FailingFunction(authentication: $0) }) { client in
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            let missing = try await anon.send(.post, "fails/crash", authorization: .some(nil))
            #expect(missing.status == .unauthorized)
            #expect(missing.object["message"] as? String == "Missing authorization header")
            #expect(missing.header("x-relay-error") == nil, "the function did not run")

            let forged = APIKeys(secret: "another-secret-of-at-least-32-characters!!").anon
            for value in ["Bearer \(forged)", "Bearer not-a-jwt", "Basic abc", "Bearer "] {
                let refused = try await anon.send(.post, "fails/crash", authorization: .some(value))
                #expect(refused.status == .unauthorized, "\(value)")
                #expect(refused.object["message"] as? String == "Invalid JWT")
            }
            let claims: [String: JSONValue] = [
                "role": .string("authenticated"), "sub": .string(UUID().uuidString), "exp": .number(Date().timeIntervalSince1970 - 3600),
            ]
            let expired = try HS256(secret: TestApp.secret).sign(claims)
            #expect(try await anon.send(.post, "fails/crash", authorization: .some("Bearer \(expired)")).status == .unauthorized)

            // The domain functions verify too.
            #expect(try await anon.send(.post, "habit-service?action=list", authorization: .some(nil)).status == .unauthorized)

            // A function with verification off runs without a token, as anon.
            let open = try await anon.send(.post, "open", authorization: .some(nil))
            #expect(open.status == .ok)
            #expect(open.object["role"] as? String == "anon")
            let service = try await FunctionsClient(client: client, apiKey: app.keys.serviceRole).send(.post, "open")
            #expect(service.object["role"] as? String == "service_role")

            // A function for the server only: the service key runs it; the anon key, a user's
            // token, no token and a forged one do not.
            let user = try await signUp(client, app: app, email: "gateway@functions.test")
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.serviceRole).send(.post, "internal").object["role"] as? String == "service_role")
            #expect(try await anon.send(.post, "internal").status == .forbidden)
            #expect(try await user.functions.send(.post, "internal").status == .forbidden)
            #expect(try await anon.send(.post, "internal", authorization: .some(nil)).status == .unauthorized)
            #expect(try await anon.send(.post, "internal", authorization: .some("Bearer \(APIKeys(secret: "another-secret-of-at-least-32-characters!!").serviceRole)")).status == .unauthorized)

            // A webhook verifies its own signature: it runs as anon, whatever bearer is sent.
            #expect(try await anon.send(.post, "hook", authorization: .some(nil)).object["role"] as? String == "anon")
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.serviceRole).send(.post, "hook").object["role"] as? String == "anon")
        }
    }
}

@Suite("Functions documentation")
struct FunctionsDocumentationTests {
    @Test("GET /rest/v1/ describes every function and action under x-functions")
    func openAPI() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let reply = try await client.execute(
                uri: "/rest/v1/", method: .get, headers: [HTTPField.Name("apikey")!: app.keys.anon]
            ) { String(buffer: $0.body) }
            let document = try #require(try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any])
            let extensionObject = try #require(document["x-functions"] as? [String: Any])
            let functions = extensionObject["functions"] as? [[String: Any]] ?? []
            let names = Set(functions.compactMap { $0["name"] as? String })
            for expected in app.parts.functions.map(\.documentation.name) {
                #expect(names.contains(expected), "\(expected) is described")
            }
            let habits = try #require(functions.first { $0["name"] as? String == "habit-service" })
            let actions = (habits["actions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(actions) == ["list", "get", "create", "update", "delete", "complete", "uncomplete", "stats"])
            for function in functions {
                for action in function["actions"] as? [[String: Any]] ?? [] {
                    #expect((action["summary"] as? String)?.isEmpty == false, "\(function["name"] ?? "") \(action["name"] ?? "") has a summary")
                }
            }
        }
    }
}

extension FunctionsDocumentationTests {
    @Test("the README documents every function and every action")
    func readme() async throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md"), encoding: .utf8)
        let app = try await TestApp.make()
        let functions = app.parts.functions.map(\.documentation)
        try await TestCluster.shared.dropDatabase(app.database)
        for function in functions {
            let heading = "#### `\(function.name)`"
            let start = try #require(readme.range(of: heading), "README has a section \(heading)")
            let rest = readme[start.upperBound...]
            let section = rest.range(of: "\n#### ").map { rest[..<$0.lowerBound] } ?? rest
            for action in function.actions {
                #expect(section.contains("| `\(action.name)`") || section.contains(", `\(action.name)` |"),
                        "README section \(function.name) documents action \(action.name)")
            }
        }
    }
}
