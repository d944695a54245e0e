import Core
import RESTQuery

/// Column expressions and filter conditions as SQL over a relation alias (`t` for the root).
enum ExpressionRenderer {
    static let alias = "t"

    /// Where a condition is rendered: the relation's alias, and for each of the node's
    /// embeddings the SQL testing that it is present.
    struct Scope {
        var table: String = ExpressionRenderer.alias
        var presence: [String] = []
    }

    static func render(_ expression: ColumnExpression, table: String = alias) -> String {
        var sql = SQLBuilder.quote(table) + "." + SQLBuilder.quote(expression.column)
        if !expression.jsonPath.isEmpty {
            // Path steps apply to json/jsonb; any other column is converted first.
            if !["json", "jsonb"].contains(expression.columnType) { sql = "to_jsonb(\(sql))" }
            for step in expression.jsonPath {
                switch step {
                case .arrow(let key): sql += "->" + pathKey(key)
                case .doubleArrow(let key): sql += "->>" + pathKey(key)
                }
            }
        }
        if let cast = expression.cast { sql = "CAST(\(sql) AS \(cast))" }
        return sql
    }

    /// An integer key indexes an array; anything else is an object key.
    static func pathKey(_ key: String) -> String {
        if let index = Int(key) { return String(index) }
        return SQLBuilder.literal(key)
    }

    static func render(_ condition: Condition, in scope: Scope = Scope(), into builder: inout SQLBuilder) -> String {
        switch condition {
        case .filter(let expression, let filter):
            return render(filter, on: expression, table: scope.table, into: &builder)
        case .embedding(let index, let present):
            let test = index < scope.presence.count ? scope.presence[index] : "FALSE"
            return present ? test : "NOT (\(test))"
        case .and(let negated, let children):
            let body = children.isEmpty ? "TRUE" : children.map { render($0, in: scope, into: &builder) }.joined(separator: " AND ")
            return (negated ? "NOT " : "") + "(" + body + ")"
        case .or(let negated, let children):
            let body = children.isEmpty ? "FALSE" : children.map { render($0, in: scope, into: &builder) }.joined(separator: " OR ")
            return (negated ? "NOT " : "") + "(" + body + ")"
        }
    }

    static func render(_ filter: Filter, on expression: ColumnExpression, table: String = alias, into builder: inout SQLBuilder) -> String {
        let column = render(expression, table: table)
        // Operands are text; PostgreSQL casts them to the expression's own type.
        let type = expression.cast ?? expression.valueType
        let sql: String
        switch (filter.op, filter.operand) {
        case (.is, .isValue(let value)):
            let test: String
            switch value {
            case .null: test = "IS NULL"
            case .notNull: test = "IS NOT NULL"
            case .true: test = "IS TRUE"
            case .false: test = "IS FALSE"
            case .unknown: test = "IS UNKNOWN"
            }
            sql = "\(column) \(test)"
        case (.in, .list(let values)):
            sql = "\(column) = ANY(\(builder.bind(.textArray(values), as: "text[]"))::\(type)[])"
        case (.like, _), (.ilike, _), (.match, _), (.imatch, _):
            let op = ["like": "LIKE", "ilike": "ILIKE", "match": "~", "imatch": "~*"][filter.op.rawValue] ?? "LIKE"
            sql = quantified(column: "\(column)::text", op: op, filter: filter, type: "text", into: &builder)
        case (.eq, _), (.neq, _), (.gt, _), (.gte, _), (.lt, _), (.lte, _), (.isdistinct, _):
            let op = ["eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "isdistinct": "IS DISTINCT FROM"][filter.op.rawValue] ?? "="
            sql = quantified(column: column, op: op, filter: filter, type: type, into: &builder)
        case (.fts, .value(let query)), (.plfts, .value(let query)), (.phfts, .value(let query)), (.wfts, .value(let query)):
            let function = ["fts": "to_tsquery", "plfts": "plainto_tsquery", "phfts": "phraseto_tsquery", "wfts": "websearch_to_tsquery"][filter.op.rawValue] ?? "to_tsquery"
            let config = filter.language.map { builder.bind(.text($0), as: "regconfig") + ", " } ?? ""
            let document = type == "tsvector" ? column : "to_tsvector(\(config)\(column))"
            sql = "\(document) @@ \(function)(\(config)\(builder.bind(.text(query))))"
        case (.cs, .value(let operand)), (.cd, .value(let operand)), (.ov, .value(let operand)),
             (.sl, .value(let operand)), (.sr, .value(let operand)), (.nxl, .value(let operand)),
             (.nxr, .value(let operand)), (.adj, .value(let operand)):
            let op = ["cs": "@>", "cd": "<@", "ov": "&&", "sl": "<<", "sr": ">>", "nxl": "&>", "nxr": "&<", "adj": "-|-"][filter.op.rawValue] ?? "@>"
            sql = "\(column) \(op) \(builder.bind(.text(operand), as: type))"
        default:
            sql = "FALSE"
        }
        return filter.negated ? "NOT (\(sql))" : sql
    }

    static func quantified(column: String, op: String, filter: Filter, type: String, into builder: inout SQLBuilder) -> String {
        switch filter.operand {
        case .list(let values):
            let quantifier = filter.quantifier == .all ? "ALL" : "ANY"
            return "\(column) \(op) \(quantifier)(\(builder.bind(.textArray(values), as: "text[]"))::\(type)[])"
        case .value(let value):
            return "\(column) \(op) \(builder.bind(.text(value), as: type))"
        case .isValue(let value):
            return "\(column) \(op) \(builder.bind(.text(value.rawValue), as: type))"
        }
    }
}
