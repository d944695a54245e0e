@testable import RESTQuery
import Testing

@Suite("paths, verbs and bodies")
struct RoutingAndPayloadTests {
    static let routes: [(String, String, ApiRequest.Target, ApiRequest.Action)] = [
        ("GET", "/habits", .relation("habits"), .read(headersOnly: false)),
        ("HEAD", "/habits", .relation("habits"), .read(headersOnly: true)),
        ("POST", "/habits", .relation("habits"), .insert),
        ("PATCH", "/habits", .relation("habits"), .update),
        ("PUT", "/habits", .relation("habits"), .singleUpsert),
        ("DELETE", "/habits", .relation("habits"), .delete),
        ("GET", "habits", .relation("habits"), .read(headersOnly: false)),
        ("GET", "/my%20table", .relation("my table"), .read(headersOnly: false)),
        ("GET", "/a+b", .relation("a+b"), .read(headersOnly: false)),
        ("GET", "/caf%C3%A9", .relation("café"), .read(headersOnly: false)),
        ("GET", "/rpc", .relation("rpc"), .read(headersOnly: false)),
        ("GET", "/rpc/add", .routine("add"), .call(readOnly: true, headersOnly: false)),
        ("HEAD", "/rpc/add", .routine("add"), .call(readOnly: true, headersOnly: true)),
        ("POST", "/rpc/add", .routine("add"), .call(readOnly: false, headersOnly: false)),
        ("POST", "/rpc/a%2Fb", .routine("a/b"), .call(readOnly: false, headersOnly: false)),
        ("GET", "/", .schemaDescription, .describe(headersOnly: false)),
        ("GET", "", .schemaDescription, .describe(headersOnly: false)),
        ("HEAD", "/", .schemaDescription, .describe(headersOnly: true)),
    ]

    @Test("paths and verbs", arguments: routes)
    func route(method: String, path: String, target: ApiRequest.Target, action: ApiRequest.Action) throws {
        let body: String? = ["POST", "PATCH", "PUT"].contains(method) ? "{}" : nil
        let parsed = try #require(request(method, path, body: body))
        #expect(parsed.target == target)
        #expect(parsed.action == action)
    }

    @Test("deeper or empty-segment paths are PGRST125", arguments: [
        "/a/b", "/a/b/c", "/rpc/f/x", "/rpc/", "//a", "/a/", "/a//b", "/%FF",
    ])
    func invalidPath(path: String) throws {
        let error = try #require(failure("GET", path))
        #expect(error == RESTQueryError(.invalidPath, "Invalid path specified in request URL"))
    }

    @Test("verbs a relation or the root does not take are PGRST117", arguments: [
        ("OPTIONS", "/t"), ("TRACE", "/t"), ("get", "/t"), ("CONNECT", "/t"), ("POST", "/"), ("DELETE", "/"), ("PATCH", "/"),
    ])
    func unsupportedMethod(method: String, path: String) throws {
        let error = try #require(failure(method, path))
        #expect(error == RESTQueryError(.unsupportedMethod, "Unsupported HTTP method: \(method)", details: method))
    }

    @Test("verbs other than GET, HEAD and POST on a function are PGRST101", arguments: ["PUT", "PATCH", "DELETE", "OPTIONS"])
    func routineMethod(method: String) throws {
        let error = try #require(failure(method, "/rpc/f", body: "{}"))
        #expect(error == RESTQueryError(.routineMethod, "Cannot use the \(method) method on RPC", details: method))
    }

    @Test("the path is checked before the query, the query before the body")
    func errorOrder() {
        #expect(failure("POST", "/a/b", query: "select=(", body: "x")?.kind == .invalidPath)
        #expect(failure("PUT", "/rpc/f", query: "select=(", body: "x")?.kind == .routineMethod)
        #expect(failure("POST", "/t", query: "select=(", body: "x")?.kind == .query)
        #expect(failure("POST", "/t", query: "limit=-1", body: "x")?.kind == .range)
        #expect(failure("POST", "/t", query: "select=id", body: "x")?.kind == .body)
        #expect(failure("GET", "/t", query: "order=a.b.c&or=(x", body: nil)?.message.hasPrefix("\"failed to parse order") == true)
    }

    // MARK: - Bodies

    static let rows: [(String, Payload.Shape, [String])] = [
        ("{\"a\":1,\"b\":2}", .object, ["a", "b"]),
        ("{}", .object, []),
        ("  {\"title\": \"Run\", \"done\": false, \"meta\": {\"x\": [1, {\"y\": null}]}}\n", .object, ["title", "done", "meta"]),
        ("{\"b\":1,\"a\":2,\"b\":3}", .object, ["b", "a"]),
        ("{\"\\u0061\\n\":1,\"\\ud83d\\ude00\":2,\"caf\u{E9}\":3}", .object, ["a\n", "😀", "café"]),
        ("[]", .array, []),
        ("[{}]", .array, []),
        ("[{\"a\":1},{\"a\":2}]", .array, ["a"]),
        ("[{\"a\":1,\"b\":2},{\"c\":3,\"a\":4},{\"d\":{\"inner\":1}}]", .array, ["a", "b", "c", "d"]),
        ("[{\"a\":[{\"nested\":1}]}]", .array, ["a"]),
        ("{\"n\":-0.5e+10,\"m\":0,\"o\":1E-2,\"t\":true,\"f\":false,\"z\":null,\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", .object,
         ["n", "m", "o", "t", "f", "z", "s"]),
    ]

    @Test("write bodies: an object, or an array of objects; keys in first-seen order", arguments: rows)
    func writeBodies(body: String, shape: Payload.Shape, keys: [String]) throws {
        for method in ["POST", "PATCH", "PUT"] {
            let parsed = try #require(request(method, "/t", body: body))
            #expect(parsed.payload == Payload(json: body, shape: shape, keys: keys))
        }
    }

    static let badRows: [(String?, String)] = [
        (nil, "Empty or invalid json"),
        ("", "Empty or invalid json"),
        ("   \n", "Empty or invalid json"),
        ("{", "Empty or invalid json"),
        ("{\"a\":1,}", "Empty or invalid json"),
        ("{\"a\" 1}", "Empty or invalid json"),
        ("{a:1}", "Empty or invalid json"),
        ("{'a':1}", "Empty or invalid json"),
        ("[{\"a\":1}", "Empty or invalid json"),
        ("{\"a\":1}{\"b\":2}", "Empty or invalid json"),
        ("{\"a\":01}", "Empty or invalid json"),
        ("{\"a\":1.}", "Empty or invalid json"),
        ("{\"a\":.5}", "Empty or invalid json"),
        ("{\"a\":+1}", "Empty or invalid json"),
        ("{\"a\":NaN}", "Empty or invalid json"),
        ("{\"a\":tru}", "Empty or invalid json"),
        ("{\"a\":\"\\x\"}", "Empty or invalid json"),
        ("{\"a\":\"\\u12\"}", "Empty or invalid json"),
        ("{\"a\":\"tab\there\"}", "Empty or invalid json"),
        ("{\"a\":\"unterminated}", "Empty or invalid json"),
        ("\u{FEFF}{}", "Empty or invalid json"),
        ("[1,2]", "All elements of the JSON array must be objects"),
        ("[{\"a\":1},2]", "All elements of the JSON array must be objects"),
        ("[{\"a\":1},[]]", "All elements of the JSON array must be objects"),
        ("[null]", "All elements of the JSON array must be objects"),
        ("5", "The JSON body must be an object or an array of objects"),
        ("\"text\"", "The JSON body must be an object or an array of objects"),
        ("null", "The JSON body must be an object or an array of objects"),
    ]

    @Test("bad write bodies are PGRST102", arguments: badRows)
    func badWriteBodies(body: String?, message: String) throws {
        for method in ["POST", "PATCH", "PUT"] {
            let error = try #require(failure(method, "/t", body: body))
            #expect(error.kind == .body)
            #expect(error.message == message)
        }
    }

    @Test("bodies that are not UTF-8 are PGRST102")
    func notUTF8() throws {
        let result = ApiRequestParser.parse(method: "POST", path: "/t", query: "", headers: [], body: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])
        #expect(result.failureValue?.kind == .body)
    }

    @Test("function calls by POST take an object; an empty body is {}")
    func routineBodies() throws {
        #expect(request("POST", "/rpc/f", body: nil)?.payload == Payload(json: "{}", shape: .object, keys: []))
        #expect(request("POST", "/rpc/f", body: "")?.payload == Payload(json: "{}", shape: .object, keys: []))
        #expect(request("POST", "/rpc/f", body: " \n")?.payload == Payload(json: "{}", shape: .object, keys: []))
        #expect(request("POST", "/rpc/f", body: "{\"a\":1,\"b\":[1]}")?.payload == Payload(json: "{\"a\":1,\"b\":[1]}", shape: .object, keys: ["a", "b"]))
        for body in ["[{\"a\":1}]", "[]", "5", "null", "\"x\""] {
            let error = try #require(failure("POST", "/rpc/f", body: body))
            #expect(error.kind == .body)
            #expect(error.message == "The JSON body must be an object of named arguments")
        }
        #expect(failure("POST", "/rpc/f", body: "{")?.message == "Empty or invalid json")
    }

    @Test("reads, deletes and function reads ignore any body (py sends {} on DELETE)", arguments: [
        ("GET", "/t"), ("HEAD", "/t"), ("DELETE", "/t"), ("GET", "/rpc/f"), ("HEAD", "/rpc/f"), ("GET", "/"),
    ])
    func ignoredBodies(method: String, path: String) throws {
        for body in ["{}", "not json", ""] {
            let parsed = try #require(request(method, path, body: body))
            #expect(parsed.payload == nil)
        }
    }

    @Test("deeply nested JSON is validated without recursion, and refused past the depth the database can read")
    func deepJSON() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(failure("POST", "/t", body: deep)?.kind == .body)
        let deepest = Payload.maxDepth - 1
        let allowed = "{\"a\":" + String(repeating: "[", count: deepest) + String(repeating: "]", count: deepest) + "}"
        #expect(request("POST", "/t", body: allowed)?.payload?.keys == ["a"])
        let tooDeep = "{\"a\":" + String(repeating: "[", count: deepest + 1) + String(repeating: "]", count: deepest + 1) + "}"
        #expect(failure("POST", "/t", body: tooDeep)?.kind == .body)
        let unbalanced = "{\"a\":" + String(repeating: "[", count: 100_000) + "}"
        #expect(failure("POST", "/t", body: unbalanced)?.kind == .body)
    }
}
