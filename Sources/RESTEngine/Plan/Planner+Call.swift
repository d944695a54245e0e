import RESTErrors
import RESTQuery
import SchemaCache

/// RPC: a function found by name and argument names, its arguments typed by its parameters;
/// a row-set result read like a relation (`select`, filters, `order`, window, count).
extension Planner {
    func planCall(_ request: ApiRequest, schema: String, name: String, role: String) throws(RESTError) -> CallPlan {
        guard case .call(let readOnly, let headersOnly) = request.action else { throw RESTError.invalidResourcePath }
        let candidates = cache.routines(schema, name)
        var arguments: [String: CallArgument.Source] = [:]
        if readOnly {
            for parameter in request.query.filters { arguments[parameter.key] = .text(parameter.value) }
        } else {
            for key in request.payload?.keys ?? [] { arguments[key] = .body(request.payload?.json ?? "{}") }
        }
        let given = Set(arguments.keys)
        let matching = candidates.filter { routine in
            let names = Set(routine.parameters.map(\.name))
            let required = Set(routine.parameters.filter { !$0.hasDefault }.map(\.name))
            // On GET, query keys that are not parameters filter the result.
            return readOnly ? required.isSubset(of: given) : given.isSubset(of: names) && required.isSubset(of: given)
        }
        guard let routine = matching.first else {
            throw RESTError.functionNotFound(schema: schema, name: name, arguments: given.sorted(), jsonBody: !readOnly)
        }
        // Overloads the argument names cannot tell apart: PostgREST refuses to guess.
        guard matching.count == 1 else {
            throw RESTError.ambiguousFunction(matching.map { routine in
                RESTError.RoutineSignature(
                    schema: schema, name: name,
                    parameters: routine.parameters.map { .init(name: $0.name, type: $0.type) })
            })
        }
        let parameterNames = Set(routine.parameters.map(\.name))
        let callArguments = routine.parameters.compactMap { parameter -> CallArgument? in
            arguments[parameter.name].map { CallArgument(name: parameter.name, type: parameter.type, source: $0) }
        }
        var query = request.query
        if readOnly { query.filters.removeAll { parameterNames.contains($0.key) } }
        let single = request.mediaType.isSingleObject
        var result: ReadNode?
        if routine.returnsSet, routine.returnsComposite, let columns = routine.resultColumns {
            try checkPaths(query)
            var node = try readNode(query.select, of: resultRelation(routine, columns: columns, role: role), path: [], query: query, role: role)
            let (limit, offset) = try window(request)
            node.limit = limit
            node.offset = offset
            result = node
        } else if !query.filters.isEmpty || !query.logic.isEmpty || !query.order.isEmpty {
            throw RESTError.queryParameterParseError(
                message: "Filters and order apply to functions returning rows only",
                details: "\(schema).\(name) returns \(routine.returnsSet ? "a set of " : "")\(routine.returnType)")
        }
        // A volatile function called by GET runs all the same: the transaction is read-only, so
        // PostgreSQL refuses any write it attempts (25006 → 405).
        let root = request.query.ranges.first { $0.path.isEmpty }
        var plan = CallPlan(
            routine: QualifiedName(schema: schema, name: name), arguments: callArguments,
            returnsSet: routine.returnsSet, returnsComposite: routine.returnsComposite,
            returnsVoid: routine.returnType == "void", readOnly: readOnly, headersOnly: headersOnly,
            single: single, count: request.preferences.count != nil,
            limit: result?.limit ?? root?.limit, offset: result?.offset ?? root?.offset ?? 0,
            result: result, csv: request.mediaType == .csv)
        plan.stripNulls = request.mediaType.stripsNulls
        return plan
    }

    /// What the rows of a function's result are read as: the relation it returns rows of (so
    /// embeddings follow that relation's keys), or its own columns; every column readable, since
    /// the function decided what it returns.
    func resultRelation(_ routine: Routine, columns: [Routine.ResultColumn], role: String) -> Relation {
        if let name = routine.resultRelation, var relation = cache.relation(name.schema, name.name) {
            for index in relation.columns.indices { relation.columns[index].readableBy = [role] }
            return relation
        }
        return Relation(
            schema: routine.schema, name: routine.name, kind: .view,
            columns: columns.map {
                Column(name: $0.name, type: $0.type, nullable: true, hasDefault: false, generated: false, readableBy: [role], comment: nil)
            },
            primaryKey: [], uniqueKeys: [], foreignKeys: [], comment: nil)
    }
}
