import Core
import RESTEngine
import RESTErrors
import RESTQuery
import SchemaCache
import Testing

/// Aggregate functions planned and rendered alone (docs/wire-compatibility.md, Aggregates):
/// customers with orders, as in PostgREST's documentation, no database.
@Suite("REST planner: aggregates")
struct AggregatePlannerTests {
    static func column(_ name: String, _ type: String, readableBy: [String] = ["anon", "authenticated", "service_role"]) -> Column {
        Column(name: name, type: type, nullable: true, hasDefault: false, generated: false, readableBy: readableBy, comment: nil)
    }

    static let cache = SchemaCache(
        relations: [
            Relation(
                schema: "public", name: "customers", kind: .table,
                columns: [
                    column("id", "uuid"), column("name", "text"), column("city", "text"), column("joined_date", "date"),
                    column("secret", "text", readableBy: ["service_role"]),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"]], foreignKeys: [], comment: nil),
            Relation(
                schema: "public", name: "orders", kind: .table,
                columns: [
                    column("id", "uuid"), column("customer_id", "uuid"), column("amount", "numeric"),
                    column("order_date", "date"), column("details", "jsonb"),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"]],
                foreignKeys: [
                    ForeignKey(constraintName: "orders_customer_id_fkey", schema: "public", table: "orders", columns: ["customer_id"],
                               referencedSchema: "public", referencedTable: "customers", referencedColumns: ["id"]),
                ],
                comment: nil),
            Relation(
                schema: "public", name: "tallies", kind: .table, columns: [column("id", "uuid"), column("count", "integer")],
                primaryKey: ["id"], uniqueKeys: [["id"]], foreignKeys: [], comment: nil),
        ],
        routines: [
            Routine(schema: "public", name: "close_orders", parameters: [], returnType: "orders", returnsSet: true,
                    returnsComposite: true, volatility: .volatile, comment: nil,
                    resultColumns: [.init(name: "id", type: "uuid"), .init(name: "amount", type: "numeric")],
                    resultRelation: QualifiedName(schema: "public", name: "orders")),
        ])

    static func plan(
        _ path: String, _ query: String, method: String = "GET", headers: [(String, String)] = [], body: String? = nil,
        enabled: Bool = true, role: String = "anon"
    ) -> Result<Plan, RESTError> {
        let parsed = ApiRequestParser.parse(
            method: method, path: path, query: query, headers: headers.map { (name: $0.0, value: $0.1) }, body: body.map { Array($0.utf8) })
        switch parsed {
        case .failure(let error): return .failure(RESTError(status: 400, code: error.kind.rawValue, message: error.message))
        case .success(let request):
            do throws(RESTError) {
                return .success(try Planner(cache: cache, aggregatesEnabled: enabled).plan(request, role: role))
            } catch {
                return .failure(error)
            }
        }
    }

    struct NotARead: Error {}

    static func read(_ path: String, _ query: String, headers: [(String, String)] = [], enabled: Bool = true) throws -> ReadPlan {
        guard case .read(let read) = try plan(path, query, headers: headers, enabled: enabled).get() else { throw NotARead() }
        return read
    }

    static func sql(_ path: String, _ query: String, headers: [(String, String)] = []) throws -> String {
        StatementRenderer.render(.read(try read(path, query, headers: headers))).sql
    }

    static func amount(cast: String? = nil) -> ColumnExpression {
        ColumnExpression(column: "amount", columnType: "numeric", jsonPath: [], cast: cast)
    }

    @Test("a function after a column aggregates it; the key is the function's name, or the alias")
    func aggregateColumns() throws {
        let read = try Self.read("/orders", "select=amount.sum(),average:amount.avg(),amount.max(),amount.min(),n:id.count()")
        #expect(read.columns.map(\.key) == ["sum", "average", "max", "min", "n"])
        #expect(read.columns.map(\.value) == [
            .aggregate(Aggregation(function: .sum, input: .column(Self.amount()))),
            .aggregate(Aggregation(function: .avg, input: .column(Self.amount()))),
            .aggregate(Aggregation(function: .max, input: .column(Self.amount()))),
            .aggregate(Aggregation(function: .min, input: .column(Self.amount()))),
            .aggregate(Aggregation(function: .count, input: .column(ColumnExpression(column: "id", columnType: "uuid", jsonPath: [])))),
        ])
        #expect(read.root.isAggregated)
        let sql = StatementRenderer.render(.read(read)).sql
        #expect(sql.contains(#"sum("t"."amount") AS "c1", avg("t"."amount") AS "c2", max("t"."amount") AS "c3""#))
        #expect(sql.contains(#"count("t"."id") AS "c5""#))
        #expect(sql.contains(#""g_1"."c2" AS "average""#))
        #expect(!sql.contains("GROUP BY"), "nothing else selected: one row over all rows")
    }

    @Test("count() counts rows; with other columns it counts per group of them")
    func countRows() throws {
        let alone = try Self.read("/orders", "select=count()")
        #expect(alone.columns == [OutputColumn(value: .aggregate(Aggregation(function: .count, input: .rows)), key: "count")])
        #expect(StatementRenderer.render(.read(alone)).sql.contains("count(*) AS \"c1\""))

        let grouped = try Self.sql("/orders", "select=count(),order_date")
        #expect(grouped.contains(#"count(*) AS "c1", "t"."order_date" AS "c2" FROM "public"."orders" AS "t" GROUP BY 2)"#))
        #expect(grouped.contains(#""g_1"."c1" AS "count", "g_1"."c2" AS "order_date""#))
    }

    @Test("every other selected value groups the rows, * included, in select order")
    func grouping() throws {
        let sql = try Self.sql("/orders", "select=order_date,amount.sum(),customer_id,amount.avg()")
        #expect(sql.contains("GROUP BY 1, 3"))
        let star = try Self.read("/customers", "select=*,count()")
        #expect(star.columns.map(\.key) == ["id", "name", "city", "joined_date", "count"], "* expands to what the role may read")
        #expect(StatementRenderer.render(.read(star)).sql.contains("GROUP BY 1, 2, 3, 4"))
        let service = try #require(try Self.plan("/customers", "select=*,count()", role: "service_role").get().readPlan)
        #expect(service.columns.count == 6)
    }

    @Test("casts before the function cast its input, after it its result; both must be type names")
    func casts() throws {
        let read = try Self.read("/orders", "select=total:amount::int.sum()::text,details->tax::numeric.avg()")
        #expect(read.columns.map(\.key) == ["total", "avg"])
        #expect(read.columns.first?.value == .aggregate(Aggregation(function: .sum, input: .column(Self.amount(cast: "int")), cast: "text")))
        let sql = StatementRenderer.render(.read(read)).sql
        #expect(sql.contains(#"CAST(sum(CAST("t"."amount" AS int)) AS text) AS "c1""#))
        #expect(sql.contains(#"avg(CAST("t"."details"->'tax' AS numeric)) AS "c2""#))
        #expect(try Self.sql("/orders", "select=count()::text").contains("CAST(count(*) AS text)"))
        for query in ["select=amount.sum()::int8--x", "select=amount::$x.sum()", "select=count()::$x"] {
            let error = Self.plan("/orders", query).failureValue
            #expect(error?.code == "PGRST100", "\(query)")
        }
    }

    @Test("order and window apply to the groups; filters to the rows before grouping; values stay bound")
    func orderAndWindow() throws {
        let read = try Self.read(
            "/orders", "select=order_date,amount.sum()&amount=gt.10&order=order_date.desc&limit=2&offset=1")
        let statement = StatementRenderer.render(.read(read))
        #expect(statement.sql.contains(
            #"WHERE "t"."amount" > $1::numeric GROUP BY 1 ORDER BY "t"."order_date" DESC LIMIT $2 OFFSET $3) AS "g_1""#))
        #expect(statement.binds == [.text("10"), .int(2), .int(1)])
    }

    @Test("Prefer: count=exact counts the groups, which are the rows of the response")
    func countsGroups() throws {
        let sql = try Self.sql("/orders", "select=order_date,amount.sum()&limit=1", headers: [("Prefer", "count=exact")])
        #expect(sql.contains(#"(SELECT count(*) FROM (SELECT "t"."order_date" AS "c1", sum("t"."amount") AS "c2" FROM "public"."orders" AS "t" GROUP BY 1) AS "g_2")::text"#))
    }

    @Test("inside an embedding: aggregated per parent row, grouped by the embedding's own values")
    func embedded() throws {
        let read = try Self.read("/customers", "select=name,orders(amount.sum(),order_date)")
        let orders = try #require(read.root.embeddings.first)
        #expect(!read.root.isAggregated)
        #expect(orders.node.isAggregated)
        #expect(orders.node.columns.map(\.key) == ["sum", "order_date"])
        let sql = StatementRenderer.render(.read(read)).sql
        #expect(sql.contains(
            #"FROM (SELECT "g_3"."c1" AS "sum", "g_3"."c2" AS "order_date" FROM (SELECT sum("t_2"."amount") AS "c1", "t_2"."order_date" AS "c2" FROM "public"."orders" AS "t_2" WHERE "t_2"."customer_id" = "t"."id" GROUP BY 2) AS "g_3") AS s"#))
    }

    @Test("an embedding's bare count is the count aggregate, unless the relation has a column named count")
    func bareCount() throws {
        let read = try Self.read("/customers", "select=*,orders(count)")
        let orders = try #require(read.root.embeddings.first?.node)
        #expect(orders.columns == [OutputColumn(value: .aggregate(Aggregation(function: .count, input: .rows)), key: "count")])
        let aliased = try Self.read("/customers", "select=name,orders(n:count::text)")
        #expect(aliased.root.embeddings.first?.node.columns.first?.key == "n")
        #expect(StatementRenderer.render(.read(aliased)).sql.contains("CAST(count(*) AS text)"))
        let tallies = try Self.read("/tallies", "select=count")
        #expect(tallies.columns.first?.value == .column(ColumnExpression(column: "count", columnType: "integer", jsonPath: [])))
        #expect(!tallies.root.isAggregated)
    }

    @Test("embeddings of an aggregated node group it as jsonb; json has no equality")
    func embeddingsAsGroups() throws {
        let sql = try Self.sql("/orders", "select=amount.sum(),customers(name)")
        #expect(sql.contains(#"sum("t"."amount") AS "c1", ("e_1"."body")::jsonb AS "c2""#))
        #expect(sql.contains("GROUP BY 2"))
    }

    @Test("a to-one spread's aggregates are computed in its parent, over the parent's groups")
    func hoisting() throws {
        let read = try Self.read("/orders", "select=order_date,...customers(latest:joined_date.max(),city,count())")
        #expect(read.columns.map(\.key) == ["order_date", "latest", "city", "count"])
        #expect(read.columns.dropFirst().map(\.value) == [
            .aggregate(Aggregation(function: .max, input: .spread(0, key: "latest"))),
            .spread(0, key: "city"),
            .aggregate(Aggregation(function: .count, input: .rows)),
        ])
        let customers = try #require(read.root.embeddings.first?.node)
        #expect(!customers.isAggregated)
        #expect(customers.columns.map(\.key) == ["latest", "city"])
        let sql = StatementRenderer.render(.read(read)).sql
        #expect(sql.contains(#"max("e_1"."latest") AS "c2", "e_1"."city" AS "c3", count(*) AS "c4""#))
        #expect(sql.contains("GROUP BY 1, 3"))

        // To-many spreads are not hoisted: the embedding aggregates its own rows.
        let many = try Self.read("/customers", "select=name,...orders(amount.sum())")
        #expect(!many.root.isAggregated)
        #expect(many.root.embeddings.first?.node.isAggregated == true)
        #expect(many.columns.map(\.value) == [
            .column(ColumnExpression(column: "name", columnType: "text", jsonPath: [])), .spread(0, key: "sum"),
        ])
    }

    @Test("aggregates in a write's representation read the columns they aggregate from the written rows")
    func representation() throws {
        let plan = try Self.plan(
            "/orders", "select=amount.sum(),count()", method: "POST", headers: [("Prefer", "return=representation")],
            body: #"[{"amount":1},{"amount":2}]"#).get()
        guard case .mutate(let mutate) = plan else { throw NotARead() }
        #expect(mutate.returning.isAggregated)
        let sql = StatementRenderer.render(plan).sql
        #expect(sql.contains(#"RETURNING "amount""#))
        #expect(sql.contains(#"sum("t"."amount") AS "c1", count(*) AS "c2" FROM "pgrst_written" AS "t""#))
        // The second column still counts the rows written, not the groups of the representation.
        #expect(sql.contains(#"SELECT NULL::text, (SELECT count(*) FROM "pgrst_written")::text, coalesce(json_agg(s), '[]')::text FROM"#))
    }

    @Test("max-affected and a singular Accept limit the rows written or returned, not the groups shown")
    func limitsSeeRowsNotGroups() throws {
        let strict = [("Prefer", "return=representation, handling=strict, max-affected=1")]
        let update = try ApiRequestParser.parse(
            method: "PATCH", path: "/orders", query: "select=count()", headers: strict.map { (name: $0.0, value: $0.1) },
            body: Array(#"{"amount":1}"#.utf8)).get()
        let updatePlan = try Planner(cache: Self.cache).plan(update, role: "authenticated")
        #expect(StatementRenderer.render(updatePlan).sql.contains(#"(SELECT count(*) FROM "pgrst_written")::text"#))
        let updateShaper = ResponseShaper(request: update, plan: updatePlan)
        #expect(throws: RESTError.maxAffectedViolation(rowCount: 3)) { try updateShaper.check([nil, "3", #"[{"count":3}]"#]) }

        let call = try ApiRequestParser.parse(
            method: "POST", path: "/rpc/close_orders", query: "select=count()", headers: strict.map { (name: $0.0, value: $0.1) },
            body: Array("{}".utf8)).get()
        let callPlan = try Planner(cache: Self.cache).plan(call, role: "authenticated")
        #expect(StatementRenderer.render(callPlan).sql.contains(#", (SELECT count(*) FROM "pgrst_called")::text"#))
        let callShaper = ResponseShaper(request: call, plan: callPlan)
        #expect(throws: RESTError.maxAffectedViolation(rowCount: 4)) { try callShaper.check([nil, "1", #"[{"count":4}]"#, "4"]) }
        try callShaper.check([nil, "1", #"[{"count":1}]"#, "1"])
    }

    @Test("disabled: every aggregate is PGRST123, at any depth; a bare count alone still counts", arguments: [
        "select=count()", "select=amount.sum()", "select=c:amount::int.avg()::text", "select=order_date,amount.max()",
        "select=*,customers(count())", "select=order_date,...customers(joined_date.min())", "select=count,order_date",
        "select=order_date,...customers(count)",
    ])
    func disabled(query: String) throws {
        let error = try #require(Self.plan("/orders", query, enabled: false).failureValue)
        #expect(error.status == 400)
        #expect(error.code == "PGRST123")
        #expect(error.message == "Use of aggregate functions is not allowed")
        #expect(Self.plan("/orders", query, enabled: true).failureValue == nil, "\(query) is fine when enabled")
    }

    @Test("disabled: a bare count as all a node selects works as in PostgREST")
    func disabledBareCount() throws {
        let read = try Self.read("/customers", "select=name,orders(count)", enabled: false)
        #expect(read.root.embeddings.first?.node.isAggregated == true)
        #expect(try Self.read("/orders", "select=count", enabled: false).root.isAggregated)
    }

    @Test("unknown columns inside aggregates are 42703, before any SQL", arguments: [
        ("/orders", "select=nope.sum()"), ("/customers", "select=orders(nope.avg())"), ("/orders", "select=...customers(nope.max())"),
    ])
    func unknownColumns(path: String, query: String) {
        #expect(Self.plan(path, query).failureValue?.code == "42703")
    }
}

extension Plan {
    var readPlan: ReadPlan? {
        if case .read(let read) = self { return read }
        return nil
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
