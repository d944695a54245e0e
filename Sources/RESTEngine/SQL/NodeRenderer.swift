import Core
import RESTQuery
import SchemaCache

/// One node of the select tree as SQL: its relation (joined to its parent when embedded), a
/// lateral subquery per embedding that builds the embedded JSON inside PostgreSQL, its filters,
/// order and window. Every embedded table is read in the caller's role, so RLS applies to each.
enum NodeRenderer {
    /// Each lateral's column telling whether the embedding has rows: TRUE / NULL (to-one),
    /// `count(*) > 0` (to-many).
    static let existsColumn = "pgrst_exists"
    /// Each non-spread lateral's column holding the embedded JSON.
    static let bodyColumn = "body"

    /// A column a lateral exports for the parent's `order=rel(col)`.
    static func orderColumn(_ index: Int) -> String { "pgrst_order_\(index)" }

    /// The rendered parts of one node.
    struct Rendered {
        /// The relation's alias.
        var table: String
        /// The visible select list: `expr AS "key"`, in output order.
        var select: [String]
        /// `FROM …` with the junction and the laterals, `WHERE …`, `ORDER BY …`, `LIMIT … OFFSET …`.
        var tail: String
    }

    /// How an embedded node joins its parent.
    struct Link {
        var parent: String
        var join: JoinPlan
    }

    /// Renders `node`.
    /// - Parameters:
    ///   - link: the parent's alias and the join, for an embedded node.
    ///   - source: what the root reads instead of its relation (the written rows of a write).
    ///   - existenceOnly: only what decides which rows exist (filters, `!inner`, embedding
    ///     tests, windows of embeddings) is rendered, for counting; no JSON is built.
    ///   - hidden: extra expressions over the node's relation to export, as `(expression, name)`.
    static func render(
        _ node: ReadNode, link: Link?, source: String? = nil, existenceOnly: Bool = false,
        hidden: [(ColumnExpression, String)] = [], into builder: inout SQLBuilder
    ) -> Rendered {
        // An aggregated node's rows are its groups, so deciding which exist takes the grouping.
        let existenceOnly = existenceOnly && !node.isAggregated
        let table = link == nil ? ExpressionRenderer.alias : builder.alias("t")
        var from = (source ?? SQLBuilder.quote(schema: node.relation.schema, name: node.relation.name)) + " AS " + SQLBuilder.quote(table)
        var conditions: [String] = []
        if let link {
            if let junction = link.join.junction {
                let alias = builder.alias("j")
                let on = zip(junction.columns, junction.childKeys).map { column, key in
                    SQLBuilder.quote(alias) + "." + SQLBuilder.quote(column) + " = " + SQLBuilder.quote(table) + "." + SQLBuilder.quote(key)
                }
                from += " INNER JOIN " + SQLBuilder.quote(schema: junction.relation.schema, name: junction.relation.name)
                    + " AS " + SQLBuilder.quote(alias) + " ON " + on.joined(separator: " AND ")
                conditions += equalities(link.join, child: alias, parent: link.parent)
            } else {
                conditions += equalities(link.join, child: table, parent: link.parent)
            }
        }

        // Which embeddings get a lateral: all of them, or when counting those deciding existence.
        let testing = node.conditions.reduce(into: Set<Int>()) { $0.formUnion($1.embeddings) }
        var laterals: [String?] = []
        var presence: [String] = []
        for (index, embedding) in node.embeddings.enumerated() {
            guard !existenceOnly || embedding.inner || testing.contains(index) else {
                laterals.append(nil)
                presence.append("FALSE")
                continue
            }
            let alias = builder.alias("e")
            let orderBy = existenceOnly ? [] : node.order.enumerated().compactMap { position, item in
                item.embedding == index ? (item.expression, orderColumn(position)) : nil
            }
            let subquery = lateral(embedding, parent: table, existenceOnly: existenceOnly, hidden: orderBy, into: &builder)
            from += " LEFT JOIN LATERAL (\(subquery)) AS \(SQLBuilder.quote(alias)) ON TRUE"
            laterals.append(alias)
            let test = SQLBuilder.quote(alias) + "." + SQLBuilder.quote(existsColumn) + " IS TRUE"
            presence.append(test)
            if embedding.inner { conditions.append(test) }
        }
        let scope = ExpressionRenderer.Scope(table: table, presence: presence)
        conditions += node.conditions.map { ExpressionRenderer.render($0, in: scope, into: &builder) }

        let values = existenceOnly ? [] : node.columns.map { column in
            (sql: value(column.value, of: node, table: table, laterals: laterals), key: column.key)
        }
        let hiddenValues = hidden.map { (sql: ExpressionRenderer.render($0.0, table: table), key: $0.1) }

        var tail = "FROM " + from
        if !conditions.isEmpty { tail += " WHERE " + conditions.joined(separator: " AND ") }
        if node.isAggregated {
            // Grouped by every value that is not an aggregate (PostgREST's automatic GROUP BY),
            // named by position in the select list.
            let grouped = node.columns.indices.filter { !node.columns[$0].isAggregate }.map { $0 + 1 }
                + hiddenValues.indices.map { values.count + $0 + 1 }
            if !grouped.isEmpty { tail += " GROUP BY " + grouped.map(String.init).joined(separator: ", ") }
        }
        if !existenceOnly, !node.order.isEmpty {
            tail += " ORDER BY " + node.order.enumerated().map { position, item in
                let value: String
                if let index = item.embedding, let alias = laterals[index] {
                    value = SQLBuilder.quote(alias) + "." + SQLBuilder.quote(orderColumn(position))
                } else {
                    value = ExpressionRenderer.render(item.expression, table: table)
                }
                return value + (item.direction == .desc ? " DESC" : " ASC")
                    + (item.nulls.map { $0 == .first ? " NULLS FIRST" : " NULLS LAST" } ?? "")
            }.joined(separator: ", ")
        }
        if let limit = node.limit { tail += " LIMIT " + builder.bind(.int(limit)) }
        if node.offset > 0 { tail += " OFFSET " + builder.bind(.int(node.offset)) }

        guard node.isAggregated else {
            let select = (values + hiddenValues).map { $0.sql + " AS " + SQLBuilder.quote($0.key) }
            return Rendered(table: table, select: select, tail: tail)
        }
        // The groups become a derived table read like a relation, its values named by position
        // (keys may repeat), so that whatever reads the node's rows reads plain columns.
        let groups = builder.alias("g")
        let names = values.indices.map { "c\($0 + 1)" } + hiddenValues.map(\.key)
        let inner = zip(values + hiddenValues, names).map { $0.sql + " AS " + SQLBuilder.quote($1) }
        let select = zip(values.map(\.key) + hiddenValues.map(\.key), names).map { key, name in
            SQLBuilder.quote(groups) + "." + SQLBuilder.quote(name) + " AS " + SQLBuilder.quote(key)
        }
        return Rendered(
            table: table, select: select,
            tail: "FROM (SELECT " + inner.joined(separator: ", ") + " " + tail + ") AS " + SQLBuilder.quote(groups))
    }

    /// The SQL of one output value of `node`. In an aggregated node, embedded JSON (an
    /// embedding, or a to-many spread's arrays) is `jsonb`, which has the equality grouping needs.
    static func value(_ value: OutputColumn.Value, of node: ReadNode, table: String, laterals: [String?]) -> String {
        func lateral(_ index: Int, _ column: String) -> String {
            (laterals[index].map(SQLBuilder.quote) ?? "NULL") + "." + SQLBuilder.quote(column)
        }
        switch value {
        case .column(let expression):
            return ExpressionRenderer.render(expression, table: table)
        case .embedding(let index):
            return node.isAggregated ? "(\(lateral(index, bodyColumn)))::jsonb" : lateral(index, bodyColumn)
        case .spread(let index, let key):
            return node.isAggregated && node.embeddings[index].toMany ? "(\(lateral(index, key)))::jsonb" : lateral(index, key)
        case .aggregate(let aggregation):
            let input: String
            switch aggregation.input {
            case .rows: input = "*"
            case .column(let expression): input = ExpressionRenderer.render(expression, table: table)
            case .spread(let index, let key): input = lateral(index, key)
            }
            let sql = aggregation.function.rawValue + "(" + input + ")"
            return aggregation.cast.map { "CAST(\(sql) AS \($0))" } ?? sql
        }
    }

    /// `child.c = parent.p AND …` for the join's column pairs.
    static func equalities(_ join: JoinPlan, child: String, parent: String) -> [String] {
        zip(join.childColumns, join.parentColumns).map { childColumn, parentColumn in
            SQLBuilder.quote(child) + "." + SQLBuilder.quote(childColumn) + " = "
                + SQLBuilder.quote(parent) + "." + SQLBuilder.quote(parentColumn)
        }
    }

    /// The lateral subquery of one embedding. It yields exactly one row for to-many embeddings
    /// (an aggregate), at most one for to-one; `pgrst_exists` says whether rows matched.
    static func lateral(
        _ embedding: EmbeddingPlan, parent: String, existenceOnly: Bool, hidden: [(ColumnExpression, String)],
        into builder: inout SQLBuilder
    ) -> String {
        let child = render(
            embedding.node, link: Link(parent: parent, join: embedding.join), existenceOnly: existenceOnly,
            hidden: embedding.toMany ? [] : hidden, into: &builder)
        let exists = SQLBuilder.quote(existsColumn)
        if existenceOnly {
            return embedding.toMany
                ? "SELECT count(*) > 0 AS \(exists) FROM (SELECT 1 \(child.tail)) AS s"
                : "SELECT TRUE AS \(exists) \(child.tail)"
        }
        let body = SQLBuilder.quote(bodyColumn)
        let rows = "SELECT " + child.select.joined(separator: ", ") + " " + child.tail
        switch (embedding.toMany, embedding.spread) {
        case (false, false):
            // The object is built from a one-row subquery so that the hidden order columns can
            // sit beside it, and so that any number of keys fits (json_build_object takes 100
            // arguments at most).
            let visible = child.select.count - hidden.count
            let object = "(SELECT row_to_json(r) FROM (SELECT " + child.select.prefix(visible).joined(separator: ", ") + ") AS r)"
            let extra = child.select.suffix(hidden.count).map { ", " + $0 }.joined()
            return "SELECT \(object) AS \(body), TRUE AS \(exists)\(extra) \(child.tail)"
        case (false, true):
            let list = (child.select + ["TRUE AS \(exists)"]).joined(separator: ", ")
            return "SELECT \(list) \(child.tail)"
        case (true, false):
            return "SELECT coalesce(json_agg(s), '[]') AS \(body), count(*) > 0 AS \(exists) FROM (\(rows)) AS s"
        case (true, true):
            let arrays = embedding.node.columns.map { column in
                "coalesce(json_agg(s.\(SQLBuilder.quote(column.key))), '[]') AS \(SQLBuilder.quote(column.key))"
            }
            return "SELECT " + (arrays + ["count(*) > 0 AS \(exists)"]).joined(separator: ", ") + " FROM (\(rows)) AS s"
        }
    }

    /// The columns of the node's relation that rendering it reads directly: its output
    /// columns, filter and order columns, and the parent side of its embeddings' joins. A write
    /// returns these so that its representation can be read from the written rows.
    static func baseColumns(_ node: ReadNode) -> [String] {
        var names: [String] = []
        func add(_ name: String) { if !names.contains(name) { names.append(name) } }
        for column in node.columns {
            switch column.value {
            case .column(let expression):
                add(expression.column)
            case .aggregate(let aggregation):
                if case .column(let expression) = aggregation.input { add(expression.column) }
            case .embedding, .spread:
                break
            }
        }
        func visit(_ condition: Condition) {
            switch condition {
            case .filter(let expression, _): add(expression.column)
            case .embedding: break
            case .and(_, let children), .or(_, let children): children.forEach(visit)
            }
        }
        node.conditions.forEach(visit)
        for item in node.order where item.embedding == nil { add(item.expression.column) }
        for embedding in node.embeddings { embedding.join.parentColumns.forEach(add) }
        return names
    }
}
