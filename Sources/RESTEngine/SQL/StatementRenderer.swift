import Core
import SchemaCache

/// One statement per request. Each returns a single row of three text columns: the total count
/// (NULL unless asked for), the number of rows in the response, and the JSON body, built inside
/// PostgreSQL so that its bytes go to the client as they are.
public enum StatementRenderer {
    public static func render(_ plan: Plan) -> SQLStatement {
        switch plan {
        case .read(let read): return render(read)
        case .mutate(let mutate): return render(mutate)
        case .call(let call): return render(call)
        }
    }

    static func selectList(_ columns: [OutputColumn]) -> String {
        columns.isEmpty ? "" : columns.map { ExpressionRenderer.render($0.expression) + " AS " + SQLBuilder.quote($0.key) }
            .joined(separator: ", ")
    }

    static func whereClause(_ conditions: [Condition], _ builder: inout SQLBuilder) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.map { ExpressionRenderer.render($0, into: &builder) }.joined(separator: " AND ")
    }

    static func body(single: Bool) -> String {
        single ? "(json_agg(s) -> 0)::text" : "coalesce(json_agg(s), '[]')::text"
    }

    public static func render(_ plan: ReadPlan) -> SQLStatement {
        var builder = SQLBuilder()
        let table = SQLBuilder.quote(schema: plan.relation.schema, name: plan.relation.name) + " AS " + SQLBuilder.quote(ExpressionRenderer.alias)
        let filters = whereClause(plan.conditions, &builder)
        let order = plan.order.isEmpty ? "" : " ORDER BY " + plan.order.map { item in
            ExpressionRenderer.render(item.expression)
                + (item.direction == .desc ? " DESC" : " ASC")
                + (item.nulls.map { $0 == .first ? " NULLS FIRST" : " NULLS LAST" } ?? "")
        }.joined(separator: ", ")
        let limit = plan.limit.map { " LIMIT " + builder.bind(.int($0)) } ?? ""
        let offset = plan.offset > 0 ? " OFFSET " + builder.bind(.int(plan.offset)) : ""
        let columns = selectList(plan.columns)
        let total = plan.count ? "(SELECT count(*) FROM \(table)\(filters))::text" : "NULL::text"
        let sql = """
            SELECT \(total), count(s.*)::text, \(plan.headersOnly ? "NULL::text" : body(single: plan.single))
            FROM (SELECT \(columns) FROM \(table)\(filters)\(order)\(limit)\(offset)) AS s
            """
        return SQLStatement(sql, builder.binds)
    }

    public static func render(_ plan: MutatePlan) -> SQLStatement {
        var builder = SQLBuilder()
        let table = SQLBuilder.quote(schema: plan.relation.schema, name: plan.relation.name)
        let aliased = table + " AS " + SQLBuilder.quote(ExpressionRenderer.alias)
        let returning = plan.representation && !plan.returning.isEmpty ? selectList(plan.returning) : "1 AS \"_\""
        var statement: String
        switch plan.kind {
        case .insert(let columns, let conflict, _):
            let payload = builder.bind(.json(plan.payload ?? "{}"), as: "json")
            let rows = plan.payloadIsArray ? payload : "json_build_array(\(payload))"
            // A row's absent keys take the column's DEFAULT, explicit nulls stay null (schema T2).
            // DEFAULT cannot stand inside an expression, so the default's own expression does.
            let values = columns.map { column in
                "CASE WHEN r.value::jsonb ? \(SQLBuilder.literal(column.name)) "
                    + "THEN (json_populate_record(NULL::\(table), r.value)).\(SQLBuilder.quote(column.name)) "
                    + "ELSE \(column.defaultExpression ?? "NULL") END"
            }
            statement = columns.isEmpty
                ? "INSERT INTO \(aliased) SELECT FROM json_array_elements(\(rows)) AS r (value)"
                : "INSERT INTO \(aliased) (\(columns.map { SQLBuilder.quote($0.name) }.joined(separator: ", "))) "
                    + "SELECT \(values.joined(separator: ", ")) FROM json_array_elements(\(rows)) AS r (value)"
            if let conflict {
                let target = conflict.columns.map { SQLBuilder.quote($0) }.joined(separator: ", ")
                switch conflict.resolution {
                case .ignoreDuplicates:
                    statement += " ON CONFLICT (\(target)) DO NOTHING"
                case .mergeDuplicates:
                    let updates = columns.filter { !conflict.columns.contains($0.name) }
                        .map { SQLBuilder.quote($0.name) + " = EXCLUDED." + SQLBuilder.quote($0.name) }
                    statement += updates.isEmpty ? " ON CONFLICT (\(target)) DO NOTHING"
                        : " ON CONFLICT (\(target)) DO UPDATE SET " + updates.joined(separator: ", ")
                }
            }
        case .update(let columns):
            let payload = builder.bind(.json(plan.payload ?? "{}"), as: "json")
            let assignments = columns.map {
                SQLBuilder.quote($0.name) + " = (json_populate_record(NULL::\(table), \(payload))).\(SQLBuilder.quote($0.name))"
            }
            let filters = whereClause(plan.conditions, &builder)
            statement = assignments.isEmpty
                ? "SELECT * FROM \(aliased) WHERE FALSE"
                : "UPDATE \(aliased) SET \(assignments.joined(separator: ", "))\(filters)"
        case .delete:
            statement = "DELETE FROM \(aliased)" + whereClause(plan.conditions, &builder)
        }
        let returningClause = statement.hasPrefix("SELECT") ? "" : " RETURNING \(returning)"
        let body = plan.representation ? body(single: plan.single) : "NULL::text"
        let sql = """
            WITH s AS (\(statement)\(returningClause))
            SELECT \(plan.count ? "count(*)::text" : "NULL::text"), count(*)::text, \(body) FROM s
            """
        return SQLStatement(sql, builder.binds)
    }

    public static func render(_ plan: CallPlan) -> SQLStatement {
        var builder = SQLBuilder()
        let function = SQLBuilder.quote(schema: plan.routine.schema, name: plan.routine.name)
        var payload: String?
        let arguments = plan.arguments.map { argument -> String in
            let value: String
            switch argument.source {
            case .text(let text):
                value = builder.bind(.text(text), as: argument.type)
            case .body(let json):
                let body = payload ?? builder.bind(.json(json), as: "json")
                payload = body
                let key = SQLBuilder.literal(argument.name)
                if argument.type.hasSuffix("[]") {
                    value = "ARRAY(SELECT json_array_elements_text(\(body) -> \(key)))::\(argument.type)"
                } else if ["json", "jsonb"].contains(argument.type) {
                    value = "(\(body) -> \(key))::\(argument.type)"
                } else {
                    value = "(\(body) ->> \(key))::\(argument.type)"
                }
            }
            return SQLBuilder.quote(argument.name) + " => " + value
        }
        let call = "\(function)(\(arguments.joined(separator: ", ")))"
        let limit = plan.limit.map { " LIMIT " + builder.bind(.int($0)) } ?? ""
        let offset = plan.offset > 0 ? " OFFSET " + builder.bind(.int(plan.offset)) : ""
        let sql: String
        if plan.returnsSet {
            let rows = plan.returnsComposite ? "SELECT * FROM \(call)" : "SELECT \(call) AS v"
            let body = plan.returnsComposite ? body(single: plan.single)
                : (plan.single ? "(json_agg(s.v) -> 0)::text" : "coalesce(json_agg(s.v), '[]')::text")
            let total = plan.count ? "(SELECT count(*) FROM (\(rows)) AS c)::text" : "NULL::text"
            sql = "SELECT \(total), count(*)::text, \(body) FROM (\(rows)\(limit)\(offset)) AS s"
        } else if plan.returnsVoid {
            sql = "SELECT NULL::text, '0', NULL::text FROM (SELECT \(call)) AS s"
        } else {
            sql = "SELECT NULL::text, '1', coalesce(to_json(\(call)), 'null')::text"
        }
        return SQLStatement(sql, builder.binds)
    }
}
