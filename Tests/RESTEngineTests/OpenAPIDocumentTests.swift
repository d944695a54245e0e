import Core
import Foundation
import RESTEngine
import SchemaCache
import Testing

/// `GET /rest/v1/` rendered from a hand-made schema cache: only what the role may use appears,
/// and `x-functions` describes the `/functions/v1` operations. No database.
@Suite("OpenAPI description")
struct OpenAPIDocumentTests {
    static let everyone = ["anon", "authenticated", "service_role"]

    static let cache = SchemaCache(
        relations: [
            Relation(
                schema: "public", name: "items", kind: .table,
                columns: [
                    Column(name: "id", type: "uuid", nullable: false, hasDefault: true, generated: false,
                           readableBy: everyone, comment: nil),
                    Column(name: "name", type: "text", nullable: false, hasDefault: false, generated: false,
                           readableBy: everyone, comment: "What the item is called"),
                    Column(name: "tags", type: "text[]", nullable: true, hasDefault: false, generated: false,
                           readableBy: ["authenticated", "service_role"], comment: nil),
                    Column(name: "secret", type: "bytea", nullable: false, hasDefault: false, generated: false,
                           readableBy: ["service_role"], comment: nil),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"]], foreignKeys: [], comment: "Things on a board"),
            // No column anon or authenticated may read: the relation is not theirs to see.
            Relation(
                schema: "public", name: "audit_log", kind: .table,
                columns: [
                    Column(name: "entry", type: "jsonb", nullable: false, hasDefault: false, generated: false,
                           readableBy: ["service_role"], comment: nil),
                ],
                primaryKey: [], uniqueKeys: [], foreignKeys: [], comment: nil),
            // Another schema: never in the public document.
            Relation(
                schema: "internal", name: "settings", kind: .table,
                columns: [
                    Column(name: "key", type: "text", nullable: false, hasDefault: false, generated: false,
                           readableBy: everyone, comment: nil),
                ],
                primaryKey: ["key"], uniqueKeys: [["key"]], foreignKeys: [], comment: nil),
        ],
        routines: [
            Routine(schema: "public", name: "add", parameters: [.init(name: "a", type: "integer", hasDefault: false),
                                                               .init(name: "b", type: "integer", hasDefault: true)],
                    returnType: "integer", returnsSet: false, returnsComposite: false, volatility: .immutable, comment: "Adds",
                    executableBy: everyone),
            Routine(schema: "public", name: "purge", parameters: [], returnType: "void", returnsSet: false,
                    returnsComposite: false, volatility: .volatile, comment: nil, executableBy: ["service_role"]),
            Routine(schema: "public", name: "touch", parameters: [], returnType: "void", returnsSet: false,
                    returnsComposite: false, volatility: .volatile, comment: nil, executableBy: ["anon", "authenticated"]),
            Routine(schema: "internal", name: "rotate", parameters: [], returnType: "void", returnsSet: false,
                    returnsComposite: false, volatility: .volatile, comment: nil),
        ])

    static let functions = [
        FunctionDescription(
            name: "boards", summary: "Vision boards",
            actions: [
                ActionDescription("share", "Shares a board", parameters: [
                    ParameterDescription("board_id", "string (uuid)", required: true, "The board"),
                    ParameterDescription("note", "string", "A message"),
                ]),
                ActionDescription("reindex", "Rebuilds the search index", access: "service_role only"),
            ]),
        FunctionDescription(name: "billing-webhook", summary: "Payment events", authentication: .signature),
        FunctionDescription(name: "nightly", summary: "Nightly jobs", authentication: .serviceRole),
        FunctionDescription(name: "oauth-callback", summary: "OAuth redirects", authentication: .public),
    ]

    /// The document for `role`, parsed back into JSON objects.
    static func document(_ role: String, functions: [FunctionDescription] = functions) throws -> [String: Any] {
        let text = OpenAPIDocument.render(cache: cache, role: role, schema: "public", functions: functions)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func keys(_ object: Any?) -> [String] {
        ((object as? [String: Any]) ?? [:]).keys.sorted()
    }

    @Test("anon sees the relations and columns it may read, the functions it may execute, nothing else")
    func anon() throws {
        let document = try Self.document("anon")
        #expect(document["swagger"] as? String == "2.0")
        #expect(document["basePath"] as? String == "/rest/v1")
        #expect(Self.keys(document["definitions"]) == ["items"])
        let definitions = try #require(document["definitions"] as? [String: Any])
        let items = try #require(definitions["items"] as? [String: Any])
        #expect(Self.keys(items["properties"]) == ["id", "name"])
        #expect(Self.keys(document["paths"]) == ["/", "/items", "/rpc/add", "/rpc/touch"])
    }

    @Test("authenticated sees one more column; service_role sees every relation, column and function")
    func perRole() throws {
        let authenticated = try Self.document("authenticated")
        let authenticatedItems = try #require((authenticated["definitions"] as? [String: Any])?["items"] as? [String: Any])
        #expect(Self.keys(authenticatedItems["properties"]) == ["id", "name", "tags"])

        let service = try Self.document("service_role")
        #expect(Self.keys(service["definitions"]) == ["audit_log", "items"])
        let serviceItems = try #require((service["definitions"] as? [String: Any])?["items"] as? [String: Any])
        #expect(Self.keys(serviceItems["properties"]) == ["id", "name", "secret", "tags"])
        #expect(Self.keys(service["paths"]) == ["/", "/audit_log", "/items", "/rpc/add", "/rpc/purge"])
    }

    @Test("filters are offered on the readable columns only, with select/order/limit/offset")
    func filters() throws {
        let paths = try #require(try Self.document("anon")["paths"] as? [String: Any])
        let get = try #require((paths["/items"] as? [String: Any])?["get"] as? [String: Any])
        let names = try #require(get["parameters"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(names == ["id", "name", "select", "order", "limit", "offset"])
        #expect(Self.keys(paths["/items"]) == ["delete", "get", "patch", "post"])
        #expect(get["summary"] as? String == "Things on a board")
    }

    @Test("columns: types, required (not null, no default), comments, the primary-key note")
    func columns() throws {
        let items = try #require((try Self.document("authenticated")["definitions"] as? [String: Any])?["items"] as? [String: Any])
        #expect(items["required"] as? [String] == ["name"])
        #expect(items["description"] as? String == "Things on a board")
        let properties = try #require(items["properties"] as? [String: [String: Any]])
        #expect(properties["id"]?["type"] as? String == "string")
        #expect(properties["id"]?["format"] as? String == "uuid")
        #expect(properties["id"]?["description"] as? String == "Note:\nThis is a Primary Key.<pk/>")
        #expect(properties["name"]?["description"] as? String == "What the item is called")
        #expect(properties["tags"]?["type"] as? String == "array")
        #expect((properties["tags"]?["items"] as? [String: Any])?["type"] as? String == "string")
    }

    @Test("functions: arguments with the required ones; GET only for functions that do not write")
    func routines() throws {
        let paths = try #require(try Self.document("service_role")["paths"] as? [String: Any])
        let add = try #require(paths["/rpc/add"] as? [String: Any])
        #expect(Self.keys(add) == ["get", "post"])
        let post = try #require(add["post"] as? [String: Any])
        #expect(post["summary"] as? String == "Adds")
        let arguments = try #require((post["parameters"] as? [[String: Any]])?.first?["schema"] as? [String: Any])
        #expect(Self.keys(arguments["properties"]) == ["a", "b"])
        #expect(arguments["required"] as? [String] == ["a"])
        #expect(Self.keys(paths["/rpc/purge"]) == ["post"])
    }

    @Test("x-functions: every function with its path, verify_jwt and authentication")
    func functionsExtension() throws {
        let extensionObject = try #require(try Self.document("anon")["x-functions"] as? [String: Any])
        #expect(extensionObject["basePath"] as? String == "/functions/v1")
        let functions = try #require(extensionObject["functions"] as? [[String: Any]])
        #expect(functions.compactMap { $0["name"] as? String } == ["boards", "billing-webhook", "nightly", "oauth-callback"])
        #expect(functions.compactMap { $0["path"] as? String }
            == ["/functions/v1/boards", "/functions/v1/billing-webhook", "/functions/v1/nightly", "/functions/v1/oauth-callback"])
        #expect(functions.compactMap { $0["verify_jwt"] as? Bool } == [true, false, true, false])
        #expect(functions.compactMap { $0["authentication"] as? String } == ["user", "signature", "service_role", "public"])
    }

    @Test("x-functions: actions with how to invoke them, who may, and their parameters")
    func actions() throws {
        let extensionObject = try #require(try Self.document("anon")["x-functions"] as? [String: Any])
        let boards = try #require((extensionObject["functions"] as? [[String: Any]])?.first)
        let actions = try #require(boards["actions"] as? [[String: Any]])
        #expect(actions.compactMap { $0["name"] as? String } == ["share", "reindex"])
        #expect(actions[0]["invoke"] as? String == "POST /functions/v1/boards?action=share")
        #expect(actions[0]["access"] == nil)
        #expect(actions[1]["access"] as? String == "service_role only")
        let parameters = try #require(actions[0]["parameters"] as? [[String: Any]])
        #expect(parameters.compactMap { $0["name"] as? String } == ["board_id", "note"])
        #expect(parameters.compactMap { $0["required"] as? Bool } == [true, false])
        #expect(parameters.compactMap { $0["type"] as? String } == ["string (uuid)", "string"])
    }

    @Test("no functions: x-functions is there with an empty list")
    func noFunctions() throws {
        let extensionObject = try #require(try Self.document("anon", functions: [])["x-functions"] as? [String: Any])
        #expect((extensionObject["functions"] as? [Any])?.isEmpty == true)
    }
}
