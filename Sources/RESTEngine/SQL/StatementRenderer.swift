import Core
import RESTQuery
import SchemaCache

/// One statement per request. Each returns a single row of three text columns: the total count
/// (NULL unless asked for), the number of rows in the response, and the body (JSON, or CSV for
/// `text/csv`), built inside PostgreSQL so that its bytes go to the client as they are. A write
/// counts the rows it wrote instead, and a call whose rows are aggregated adds a fourth column,
/// the rows the function returned: what `max-affected` and a singular write limit.
public enum StatementRenderer {
    public static func render(_ plan: Plan) -> SQLStatement {
        switch plan {
        case .read(let read): return render(read)
        case .mutate(let mutate): return render(mutate)
        case .call(let call): return render(call)
        }
    }

    static func whereClause(_ conditions: [Condition], _ builder: inout SQLBuilder) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.map { ExpressionRenderer.render($0, into: &builder) }.joined(separator: " AND ")
    }

    /// The JSON body of the rows `s`: an array, or its one object; keys whose value is null
    /// removed, at every depth, for `nulls=stripped`.
    static func body(single: Bool, stripNulls: Bool = false) -> String {
        let row = stripNulls ? "json_strip_nulls(to_json(s))" : "s"
        return single ? "(json_agg(\(row)) -> 0)::text" : "coalesce(json_agg(\(row)), '[]')::text"
    }

    /// The rows of `node` as `SELECT … FROM … AS s`, and the body built from them: JSON, or CSV
    /// (the columns renamed by position, so that repeated keys stay addressable).
    static func rows(
        _ node: ReadNode, source: String? = nil, single: Bool, csv: Bool, stripNulls: Bool = false, into builder: inout SQLBuilder
    ) -> (from: String, body: String) {
        let rendered = NodeRenderer.render(node, link: nil, source: source, into: &builder)
        let query = "SELECT " + rendered.select.joined(separator: ", ") + " " + rendered.tail
        guard csv else { return ("(\(query)) AS s", body(single: single, stripNulls: stripNulls)) }
        let names = node.columns.indices.map { SQLBuilder.quote("c\($0 + 1)") }
        let from = "(\(query)) AS s" + (names.isEmpty ? "" : " (" + names.joined(separator: ", ") + ")")
        return (from, CSVRenderer.body(header: node.columns.map(\.key), columns: names.map { "s." + $0 }, into: &builder))
    }

    public static func render(_ plan: ReadPlan) -> SQLStatement {
        var builder = SQLBuilder()
        let sql = read(
            plan.root, source: nil, count: plan.count, single: plan.single, csv: plan.csv, stripNulls: plan.stripNulls,
            headersOnly: plan.headersOnly, into: &builder)
        return SQLStatement(sql, builder.binds)
    }

    /// The (total, page, body) row of reading `root`, from its relation or from `source`.
    static func read(
        _ root: ReadNode, source: String?, count: Bool, single: Bool, csv: Bool, stripNulls: Bool = false, headersOnly: Bool,
        affected: String? = nil, into builder: inout SQLBuilder
    ) -> String {
        let (from, body) = rows(root, source: source, single: single, csv: csv, stripNulls: stripNulls, into: &builder)
        var total = "NULL::text"
        if count {
            // Parents counted after filters and `!inner`, before order and window.
            var counted = root
            counted.order = []
            counted.limit = nil
            counted.offset = 0
            let rendered = NodeRenderer.render(counted, link: nil, source: source, existenceOnly: true, into: &builder)
            total = "(SELECT count(*) \(rendered.tail))::text"
        }
        return """
            SELECT \(total), count(*)::text, \(headersOnly ? "NULL::text" : body)\(affected.map { ", " + $0 } ?? "")
            FROM \(from)
            """
    }

    /// The CTE holding a write's affected rows.
    static let written = "pgrst_written"
    /// The column of a merging upsert's written rows that is true for rows it inserted.
    static let inserted = "pgrst_inserted"
    /// The CTE holding the rows a function returned.
    static let calledRows = "pgrst_called"

    public static func render(_ plan: MutatePlan) -> SQLStatement {
        var builder = SQLBuilder()
        let table = SQLBuilder.quote(schema: plan.relation.schema, name: plan.relation.name)
        let aliased = table + " AS " + SQLBuilder.quote(ExpressionRenderer.alias)
        // The written rows carry what the representation reads: its columns and join keys.
        var needed = plan.representation ? NodeRenderer.baseColumns(plan.returning) : []
        if plan.location { needed += plan.primaryKey.filter { !needed.contains($0) } }
        let returning = needed.isEmpty ? "1 AS \"pgrst_one\"" : needed.map(SQLBuilder.quote).joined(separator: ", ")
        var statement: String
        switch plan.kind {
        case .insert(let columns, let conflict, _):
            let payload = builder.bind(.json(plan.payload ?? "{}"), as: "json")
            let rows = plan.payloadIsArray ? payload : "json_build_array(\(payload))"
            // A row's absent keys take the column's DEFAULT, explicit nulls stay null (docs/schema.md, T2).
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
            // An upsert that merges tells inserted rows from updated ones (a new row has no xmax).
            statement += " RETURNING \(returning)" + (plan.mergesDuplicates ? ", (xmax = 0) AS \(SQLBuilder.quote(inserted))" : "")
        case .update(let columns):
            let payload = builder.bind(.json(plan.payload ?? "{}"), as: "json")
            let assignments = columns.map {
                SQLBuilder.quote($0.name) + " = (json_populate_record(NULL::\(table), \(payload))).\(SQLBuilder.quote($0.name))"
            }
            let filters = whereClause(plan.conditions, &builder)
            statement = assignments.isEmpty
                ? "SELECT \(returning) FROM \(aliased) WHERE FALSE"
                : "UPDATE \(aliased) SET \(assignments.joined(separator: ", "))\(filters) RETURNING \(returning)"
        case .delete:
            statement = "DELETE FROM \(aliased)" + whereClause(plan.conditions, &builder) + " RETURNING \(returning)"
        }
        let cte = SQLBuilder.quote(written)
        let sql: String
        if plan.representation {
            let (from, body) = rows(
                plan.returning, source: cte, single: plan.single, csv: plan.csv, stripNulls: plan.stripNulls, into: &builder)
            // A merging upsert answers how many rows were new in the first column instead: its
            // count is the number of written rows, the second column, anyway.
            let total = plan.mergesDuplicates ? "(SELECT count(*) FILTER (WHERE \(SQLBuilder.quote(inserted))) FROM \(cte))::text"
                : plan.count ? "(SELECT count(*) FROM \(cte))::text" : "NULL::text"
            // Aggregated, the representation has a row per group: the rows written are counted apart.
            let page = plan.returning.isAggregated ? "(SELECT count(*) FROM \(cte))::text" : "count(*)::text"
            sql = """
                WITH \(cte) AS (\(statement))
                SELECT \(total), \(page), \(body) FROM \(from)
                """
        } else {
            var body = "NULL::text"
            if plan.location {
                let keys = plan.primaryKey.map { SQLBuilder.literal($0) + ", " + SQLBuilder.quote($0) }
                body = "(SELECT json_build_object(\(keys.joined(separator: ", ")))::text FROM \(cte) LIMIT 1)"
            }
            sql = """
                WITH \(cte) AS (\(statement))
                SELECT \(plan.count ? "count(*)::text" : "NULL::text"), count(*)::text, \(body) FROM \(cte)
                """
        }
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
        if let result = plan.result {
            // The call runs once; its rows are read like a relation's.
            let rows = SQLBuilder.quote(calledRows)
            let read = read(
                result, source: rows, count: plan.count, single: plan.single, csv: plan.csv, stripNulls: plan.stripNulls,
                headersOnly: plan.headersOnly, affected: result.isAggregated ? "(SELECT count(*) FROM \(rows))::text" : nil,
                into: &builder)
            return SQLStatement("WITH \(rows) AS (SELECT * FROM \(call))\n" + read, builder.binds)
        }
        let limit = plan.limit.map { " LIMIT " + builder.bind(.int($0)) } ?? ""
        let offset = plan.offset > 0 ? " OFFSET " + builder.bind(.int(plan.offset)) : ""
        let sql: String
        if plan.returnsSet {
            let rows = plan.returnsComposite ? "SELECT * FROM \(call)" : "SELECT \(call) AS v"
            let body = plan.returnsComposite ? body(single: plan.single, stripNulls: plan.stripNulls)
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
