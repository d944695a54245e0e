import Core
import Database
import RESTEngine
import RESTErrors
import RESTQuery
import SchemaCache
import Tokens

/// Serves one `/rest/v1` request for a resolved caller: parse, plan, render, execute in the
/// caller's role, and shape the response. Each stage is its own type; this only connects them,
/// and keeps what reads compile to (`CompiledReads`). Errors leave as thrown (catalogue entries,
/// database errors) for the surface's error middleware.
public struct RESTService: Sendable {
    let cache: SchemaCacheStore
    let runner: APIRequestRunner
    let callers: CallerResolver
    let maxRows: Int?
    /// Whether `select` may use aggregate functions (`count()`, `amount.sum()`, …).
    let aggregatesEnabled: Bool
    /// The functions under `/functions/v1`, described in `GET /rest/v1/` too.
    let functions: [FunctionDescription]
    /// Whether execution plans may be asked for (`Accept: application/vnd.pgrst.plan…`).
    let planEnabled: Bool
    /// GETs and HEADs compiled so far.
    public let compiledReads: CompiledReads

    public init(
        cache: SchemaCacheStore, runner: APIRequestRunner, callers: CallerResolver, maxRows: Int? = nil,
        aggregatesEnabled: Bool = true, functions: [FunctionDescription] = [], planEnabled: Bool = false
    ) {
        self.compiledReads = CompiledReads()
        self.planEnabled = planEnabled
        self.cache = cache
        self.runner = runner
        self.callers = callers
        self.maxRows = maxRows
        self.aggregatesEnabled = aggregatesEnabled
        self.functions = functions
    }

    /// The response to a request of `form` (and `body`), or the error it deserves. A GET or
    /// HEAD compiled before for the same role and schema cache skips parsing, planning and
    /// rendering.
    func respond(to form: RequestForm, body: [UInt8]?, caller: Caller) async throws -> RESTResponse {
        guard let loaded = await cache.current() else { throw RESTError.schemaCacheUnavailable }
        let key = (form.method == "GET" || form.method == "HEAD") && compiledReads.admits(form)
            ? CompiledReads.Key(form: form, role: caller.role, generation: loaded.generation) : nil
        if let key, let compiled = compiledReads.compiled(key) {
            return try await run(compiled, caller: caller)
        }
        let request = try form.parse(body: body).get()
        if request.target == .schemaDescription {
            return try describe(request, cache: loaded.cache, role: caller.role)
        }
        if case .plan(let asked) = request.mediaType {
            guard planEnabled else { throw RESTError.unacceptableMediaTypes([asked.written]) }
            return try await explain(request, asked, cache: loaded.cache, caller: caller)
        }
        let compiled = try compile(request, cache: loaded.cache, role: caller.role)
        if let key { compiledReads.keep(compiled, for: key) }
        return try await run(compiled, caller: caller)
    }

    /// The OpenAPI description of the exposed schema, as `role` sees it.
    func describe(_ request: ApiRequest, cache: SchemaCache, role: String) throws -> RESTResponse {
        let schema = request.profile ?? "public"
        guard schema == "public" else { throw RESTError.unacceptableSchema(schema, exposed: ["public"]) }
        let document = OpenAPIDocument.render(cache: cache, role: role, schema: schema, functions: functions)
        let headersOnly = request.action == .describe(headersOnly: true)
        return RESTResponse(status: 200, headers: [("Content-Type", "application/openapi+json; charset=utf-8")], body: headersOnly ? nil : document)
    }

    /// Plans and renders a request for `role`: how its statement runs and how its row is shaped.
    func compile(_ request: ApiRequest, cache: SchemaCache, role: String) throws -> CompiledRequest {
        let plan = try Planner(cache: cache, maxRows: maxRows, aggregatesEnabled: aggregatesEnabled).plan(request, role: role)
        let shaper = ResponseShaper(request: request, plan: plan)
        let execution = APIExecution(
            StatementRenderer.render(plan), readOnly: Self.readOnly(plan), rollback: request.preferences.transaction == .rollback,
            checkUndoes: shaper.checkUndoes)
        return CompiledRequest(execution: execution, shaper: shaper)
    }

    /// Runs a compiled request as the caller and shapes its row into the response.
    func run(_ compiled: CompiledRequest, caller: Caller) async throws -> RESTResponse {
        let shaper = compiled.shaper
        let row = try await runner.run(
            role: caller.role, claims: caller.claims, user: caller.userID, session: caller.sessionID, compiled.execution,
            check: { row in try shaper.check(row) })
        return try shaper.response(row)
    }

    /// PostgreSQL's plan of the statement the request would run for the media type the plan is
    /// `for`, in the caller's role: EXPLAIN with the asked options, in a transaction that is
    /// always rolled back (so `analyze` of a write changes nothing).
    func explain(_ request: ApiRequest, _ asked: PlanRequest, cache: SchemaCache, caller: Caller) async throws -> RESTResponse {
        var planned = request
        planned.mediaType = asked.target
        let plan = try Planner(cache: cache, maxRows: maxRows, aggregatesEnabled: aggregatesEnabled).plan(planned, role: caller.role)
        let statement = StatementRenderer.render(plan)
        let options = (["FORMAT \(asked.format == .json ? "JSON" : "TEXT")"] + asked.options.map { $0.uppercased() }).joined(separator: ", ")
        let readOnly = Self.readOnly(plan)
        let lines = try await runner.transaction(
            role: caller.role, claims: caller.claims, user: caller.userID, session: caller.sessionID, readOnly: readOnly, rollback: true
        ) { transaction in
            try await transaction.texts(SQLStatement("EXPLAIN (\(options)) " + statement.sql, statement.binds))
        }
        let parameters = "; for=\"\(asked.targetName)\"" + (asked.options.isEmpty ? "" : "; options=" + asked.options.joined(separator: "|"))
        return RESTResponse(
            status: 200, headers: [("Content-Type", "application/vnd.pgrst.plan+\(asked.format.rawValue)\(parameters); charset=utf-8")],
            body: lines.compactMap { $0 }.joined(separator: "\n"))
    }

    /// Whether a plan only reads: reads, and calls of functions that do not write.
    static func readOnly(_ plan: Plan) -> Bool {
        switch plan {
        case .read: true
        case .mutate: false
        case .call(let call): call.readOnly
        }
    }
}
