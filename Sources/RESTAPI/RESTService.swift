import Core
import Database
import RESTEngine
import RESTErrors
import RESTQuery
import SchemaCache
import Tokens

/// Serves one parsed `/rest/v1` request for a resolved caller: plan, render, execute in the
/// caller's role, and shape the response. Each stage is its own type; this only connects them.
/// Errors leave as thrown (catalogue entries, database errors) for the surface's error middleware.
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

    public init(
        cache: SchemaCacheStore, runner: APIRequestRunner, callers: CallerResolver, maxRows: Int? = nil,
        aggregatesEnabled: Bool = true, functions: [FunctionDescription] = [], planEnabled: Bool = false
    ) {
        self.planEnabled = planEnabled
        self.cache = cache
        self.runner = runner
        self.callers = callers
        self.maxRows = maxRows
        self.aggregatesEnabled = aggregatesEnabled
        self.functions = functions
    }

    /// The response to a parsed request, or the error it deserves.
    func respond(to request: ApiRequest, caller: Caller) async throws -> RESTResponse {
        let role = caller.role
        guard let cache = await cache.loaded() else { throw RESTError.schemaCacheUnavailable }
        if request.target == .schemaDescription {
            let schema = request.profile ?? "public"
            guard schema == "public" else { throw RESTError.unacceptableSchema(schema, exposed: ["public"]) }
            let document = OpenAPIDocument.render(cache: cache, role: role, schema: schema, functions: functions)
            let headersOnly = request.action == .describe(headersOnly: true)
            return RESTResponse(status: 200, headers: [("Content-Type", "application/openapi+json; charset=utf-8")], body: headersOnly ? nil : document)
        }
        if case .plan(let asked) = request.mediaType {
            guard planEnabled else { throw RESTError.unacceptableMediaTypes([asked.written]) }
            return try await explain(request, asked, cache: cache, caller: caller)
        }
        let plan = try Planner(cache: cache, maxRows: maxRows, aggregatesEnabled: aggregatesEnabled).plan(request, role: role)
        let statement = StatementRenderer.render(plan)
        let shaper = ResponseShaper(request: request, plan: plan)
        let readOnly = Self.readOnly(plan)
        let row = try await runner.run(
            role: role, claims: caller.claims, user: caller.userID, session: caller.sessionID, readOnly: readOnly,
            rollback: request.preferences.transaction == .rollback, statement, checkUndoes: shaper.checkUndoes,
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
