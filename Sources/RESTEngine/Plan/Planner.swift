import Core
import Foundation
import RESTErrors
import RESTQuery
import SchemaCache

/// Resolves an `ApiRequest` against the schema cache, for the role the request runs as. Every
/// identifier that reaches SQL comes from the cache; anything the cache does not know is a
/// PostgREST error, never a database round trip.
public struct Planner: Sendable {
    public let cache: SchemaCache
    public let exposedSchemas: [String]
    public let maxRows: Int?
    /// Whether `select` may use aggregate functions (PostgREST's `db-aggregates-enabled`); when
    /// not, they are PGRST123.
    public let aggregatesEnabled: Bool

    public init(cache: SchemaCache, exposedSchemas: [String] = ["public"], maxRows: Int? = nil, aggregatesEnabled: Bool = true) {
        self.cache = cache
        self.exposedSchemas = exposedSchemas
        self.maxRows = maxRows
        self.aggregatesEnabled = aggregatesEnabled
    }

    public func plan(_ request: ApiRequest, role: String) throws(RESTError) -> Plan {
        let schema = request.profile ?? exposedSchemas[0]
        guard exposedSchemas.contains(schema) else { throw RESTError.unacceptableSchema(schema, exposed: exposedSchemas) }
        if case .unsupported(let types) = request.mediaType { throw RESTError.unacceptableMediaTypes([types]) }
        if request.preferences.handling == .strict, !request.preferences.unrecognised.isEmpty {
            throw RESTError.invalidPreferences(request.preferences.unrecognised)
        }
        switch request.target {
        case .relation(let name):
            guard let relation = cache.relation(schema, name) else { throw RESTError.tableNotFound(schema: schema, name: name) }
            return try planRelation(request, relation: relation, role: role)
        case .routine(let name):
            return .call(try planCall(request, schema: schema, name: name, role: role))
        case .schemaDescription:
            throw RESTError.openAPIDisabled
        }
    }

    // MARK: Relations

    func planRelation(_ request: ApiRequest, relation: Relation, role: String) throws(RESTError) -> Plan {
        let single = request.mediaType.isSingleObject
        let csv = request.mediaType == .csv
        try checkPaths(request.query)
        var query = request.query
        if case .read = request.action {} else {
            // Writes ignore `order` on the written rows, as PostgREST does.
            query.order.removeAll { $0.path.isEmpty }
        }
        var root = try readNode(query.select, of: relation, path: [], query: query, role: role)
        let count = request.preferences.count != nil
        let name = QualifiedName(schema: relation.schema, name: relation.name)
        switch request.action {
        case .read(let headersOnly):
            let (limit, offset) = try window(request)
            root.limit = limit
            root.offset = offset
            var plan = ReadPlan(root: root, count: count, single: single, headersOnly: headersOnly, csv: csv)
            plan.stripNulls = request.mediaType.stripsNulls
            return .read(plan)
        case .insert, .update, .singleUpsert, .delete:
            // The root's filters pick the rows written; the embeddings' own filters shape the
            // representation read back. Order and window stay on reads.
            if root.conditions.contains(where: \.testsEmbedding) {
                throw RESTError(
                    status: 400, code: "PGRST120", message: "Filters on embedded resources cannot pick the rows of a write",
                    details: "Only reads can filter on the presence of an embedded resource")
            }
            let writeConditions = root.conditions
            root.conditions = []
            root.order = []
            root.limit = nil
            root.offset = 0
            let representation = request.preferences.return == .representation
            if request.action == .delete {
                var plan = MutatePlan(
                    relation: name, kind: .delete, payload: nil, payloadIsArray: false, conditions: writeConditions,
                    returning: root, representation: representation, count: count, single: single, csv: csv,
                    primaryKey: relation.primaryKey)
                plan.stripNulls = request.mediaType.stripsNulls
                return .mutate(plan)
            }
            guard let payload = request.payload else { throw RESTError.invalidBody() }
            if request.action == .singleUpsert {
                try checkSingleUpsert(request, payload: payload, conditions: writeConditions, relation: relation)
            }
            let written = try writeColumns(request, payload: payload, relation: relation)
            let kind: MutatePlan.Kind
            if request.action == .update {
                kind = .update(columns: written)
            } else {
                var conflict: MutatePlan.Conflict?
                if let resolution = request.preferences.resolution ?? (request.action == .singleUpsert ? .mergeDuplicates : nil) {
                    let target = request.query.onConflict ?? relation.primaryKey
                    for column in target where relation.column(column) == nil {
                        throw RESTError.columnNotFound(column, relation: relation.name)
                    }
                    if !target.isEmpty { conflict = MutatePlan.Conflict(columns: target, resolution: resolution) }
                }
                kind = .insert(columns: written, conflict: conflict, defaultsForMissing: true)
            }
            var plan = MutatePlan(
                relation: name, kind: kind, payload: payload.json, payloadIsArray: payload.shape == .array,
                conditions: request.action == .update ? writeConditions : [],
                returning: root, representation: representation, count: count, single: single, csv: csv,
                primaryKey: relation.primaryKey)
            plan.stripNulls = request.mediaType.stripsNulls
            plan.singleUpsert = request.action == .singleUpsert
            // `return=headers-only` on an insert answers the new row's address (`Location`).
            if request.action == .insert, request.preferences.return == .headersOnly, !relation.primaryKey.isEmpty {
                plan.location = true
            }
            return .mutate(plan)
        case .call, .describe:
            // The parser only pairs these actions with routines and the root path.
            throw RESTError.invalidResourcePath
        }
    }

    /// The columns a write sets: `columns` when given, else the payload's keys; each must exist.
    func writeColumns(_ request: ApiRequest, payload: Payload, relation: Relation) throws(RESTError) -> [WriteColumn] {
        let names = request.query.columns ?? payload.keys
        return try names.map { name throws(RESTError) in
            guard let column = relation.column(name) else { throw RESTError.columnNotFound(name, relation: relation.name) }
            return WriteColumn(name: column.name, type: column.type, defaultExpression: column.defaultExpression)
        }
    }

    func expression(_ field: Field, cast: String? = nil, in relation: Relation) throws(RESTError) -> ColumnExpression {
        guard let column = relation.column(field.name) else {
            throw RESTError.database(
                sqlState: "42703", message: "column \(relation.name).\(field.name) does not exist", detail: nil, hint: nil, role: "")
        }
        try checkCast(cast)
        return ColumnExpression(column: column.name, columnType: column.type, jsonPath: field.jsonPath, cast: cast)
    }

    /// PGRST100 unless the cast, if any, can only be a type name: casts are written into the SQL.
    func checkCast(_ cast: String?) throws(RESTError) {
        if let cast, !Self.isTypeName(cast) {
            throw RESTError.queryParameterParseError(message: "\"\(cast)\" is not a type name", details: "in select")
        }
    }

    /// A cast target that can only be a type name: letters, digits, underscores, spaces,
    /// dots, parentheses with digits, and trailing `[]`.
    static func isTypeName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) || " _.[](),".unicodeScalars.contains($0)
        } && !text.contains("--")
    }

    /// `limit`/`offset` intersected with the `Range` header and the configured maximum.
    func window(_ request: ApiRequest) throws(RESTError) -> (limit: Int?, offset: Int) {
        let root = request.query.ranges.first { $0.path.isEmpty }
        var offset = root?.offset ?? 0
        var limit = root?.limit
        if let range = request.range {
            offset = max(offset, range.lower)
            if let upper = range.upper {
                // The parser bounds both ends by `RequestInteger.maxCount`; the reporting
                // arithmetic keeps a range built any other way from trapping all the same.
                let (span, overflow) = upper.subtractingReportingOverflow(range.lower)
                let count = overflow || span >= RequestInteger.maxCount ? RequestInteger.maxCount : span + 1
                limit = limit.map { min($0, count) } ?? count
            }
        }
        if let maxRows { limit = limit.map { min($0, maxRows) } ?? maxRows }
        return (limit, offset)
    }

    /// PUT addresses one row by its whole primary key: only `pk=eq.v` filters, one per key
    /// column (PGRST105), no window (PGRST114), and a body of one object holding the same key
    /// values (PGRST115).
    func checkSingleUpsert(
        _ request: ApiRequest, payload: Payload, conditions: [Condition], relation: Relation
    ) throws(RESTError) {
        if request.query.ranges.contains(where: { $0.path.isEmpty }) { throw RESTError.putLimitNotAllowed }
        var keyValues: [String: String] = [:]
        for condition in conditions {
            guard case .filter(let expression, let filter) = condition, expression.jsonPath.isEmpty, expression.cast == nil,
                  filter.op == .eq, !filter.negated, filter.quantifier == nil, case .value(let value) = filter.operand,
                  relation.primaryKey.contains(expression.column), keyValues[expression.column] == nil
            else { throw RESTError.invalidPutFilters }
            keyValues[expression.column] = value
        }
        guard !relation.primaryKey.isEmpty, Set(keyValues.keys) == Set(relation.primaryKey) else { throw RESTError.invalidPutFilters }
        guard payload.shape == .object,
              let object = (try? JSONSerialization.jsonObject(with: Data(payload.json.utf8))) as? [String: Any]
        else { throw RESTError.putPrimaryKeyMismatch }
        for (column, value) in keyValues {
            let given: String?
            switch object[column] {
            case let text as String: given = text
            case let number as NSNumber: given = number.stringValue
            default: given = nil
            }
            guard given == value else { throw RESTError.putPrimaryKeyMismatch }
        }
    }
}
