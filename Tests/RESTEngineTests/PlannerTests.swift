import Core
import RESTEngine
import RESTErrors
import RESTQuery
import SchemaCache
import Testing

/// The planner and renderer alone: a hand-made schema cache, no database.
@Suite("REST planner and renderer")
struct PlannerTests {
    static let cache = SchemaCache(
        relations: [
            Relation(
                schema: "public", name: "items", kind: .table,
                columns: [
                    Column(name: "id", type: "uuid", nullable: false, hasDefault: true, defaultExpression: "gen_random_uuid()",
                           generated: false, readableBy: ["anon", "authenticated", "service_role"], comment: nil),
                    Column(name: "name", type: "text", nullable: false, hasDefault: false, generated: false,
                           readableBy: ["anon", "authenticated", "service_role"], comment: nil),
                    Column(name: "secret", type: "bytea", nullable: true, hasDefault: false, generated: false,
                           readableBy: ["service_role"], comment: nil),
                    Column(name: "data", type: "jsonb", nullable: false, hasDefault: true, defaultExpression: "'{}'::jsonb",
                           generated: false, readableBy: ["anon", "authenticated", "service_role"], comment: nil),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"]], foreignKeys: [], comment: nil),
        ],
        routines: [
            Routine(schema: "public", name: "add", parameters: [.init(name: "a", type: "integer", hasDefault: false),
                                                               .init(name: "b", type: "integer", hasDefault: true)],
                    returnType: "integer", returnsSet: false, returnsComposite: false, volatility: .immutable, comment: nil),
        ])

    static func plan(_ query: String, method: String = "GET", path: String = "/items", body: String? = nil, role: String = "anon") -> Result<Plan, RESTError> {
        switch ApiRequestParser.parse(method: method, path: path, query: query, headers: [], body: body.map { Array($0.utf8) }) {
        case .failure(let error): return .failure(RESTError(status: 400, code: error.kind.rawValue, message: error.message))
        case .success(let request):
            do throws(RESTError) { return .success(try Planner(cache: cache).plan(request, role: role)) } catch { return .failure(error) }
        }
    }

    @Test("* expands to the columns the role may read")
    func starPerRole() throws {
        guard case .read(let anon) = try Self.plan("").get(), case .read(let service) = try Self.plan("", role: "service_role").get() else {
            Issue.record("not a read")
            return
        }
        #expect(anon.columns.map(\.key) == ["id", "name", "data"])
        #expect(service.columns.map(\.key) == ["id", "name", "secret", "data"])
    }

    @Test("unknown names are errors before any SQL", arguments: [
        ("/nothing", "", "PGRST205"),
        ("/items", "select=nope", "42703"),
        ("/items", "nope=eq.1", "42703"),
        ("/items", "order=nope.desc", "42703"),
        ("/items", "sub.name=eq.1", "PGRST108"),
        ("/rpc/nothing", "", "PGRST202"),
    ])
    func unknownNames(path: String, query: String, code: String) {
        guard case .failure(let error) = Self.plan(query, path: path) else {
            Issue.record("\(path)?\(query) planned")
            return
        }
        #expect(error.code == code)
    }

    @Test("values are bound, never spliced; identifiers are quoted")
    func rendering() throws {
        let plan = try Self.plan("select=name,kind:data->>kind&name=eq.x'; DROP TABLE items; --&order=name.desc.nullslast&limit=5&offset=10").get()
        let statement = StatementRenderer.render(plan)
        #expect(!statement.sql.contains("DROP TABLE"))
        #expect(statement.sql.contains(#""t"."name" = $1::text"#))
        #expect(statement.sql.contains(#""t"."data"->>'kind' AS "kind""#))
        #expect(statement.sql.contains("ORDER BY \"t\".\"name\" DESC NULLS LAST"))
        #expect(statement.binds == [.text("x'; DROP TABLE items; --"), .int(5), .int(10)])
    }

    @Test("inserts: absent keys take the column's default expression")
    func insertDefaults() throws {
        let plan = try Self.plan("", method: "POST", body: #"[{"name":"a"},{"name":"b","data":null}]"#).get()
        let sql = StatementRenderer.render(plan).sql
        #expect(sql.contains("ELSE '{}'::jsonb END"))
        #expect(sql.contains("json_array_elements"))
    }

    @Test("RPC arguments resolve by name; optional ones may be left out")
    func rpc() throws {
        guard case .call(let call) = try Self.plan("a=1", path: "/rpc/add").get() else {
            Issue.record("not a call")
            return
        }
        #expect(call.arguments.map(\.name) == ["a"])
        #expect(call.readOnly)
        guard case .failure(let error) = Self.plan("b=1", path: "/rpc/add") else {
            Issue.record("planned without the required argument")
            return
        }
        #expect(error.code == "PGRST202")
    }

    @Test("cast targets must be type names")
    func casts() {
        guard case .failure = Self.plan("select=name::text);drop") else {
            Issue.record("accepted an injected cast")
            return
        }
        #expect((try? Self.plan("select=name::varchar").get()) != nil)
    }
}
