import RESTErrors
import RESTQuery
import SchemaCache

/// The select tree: each relation of a read with its columns, its embeddings (resolved through
/// the schema cache's foreign keys), and the filters, logic trees, order and window addressed
/// to its path.
extension Planner {
    /// Every path of a filter, logic tree, order or limit must name an embedding of `select`,
    /// by its alias when it has one: PGRST108 otherwise.
    func checkPaths(_ query: QueryParameters) throws(RESTError) {
        var paths: [[String]] = query.filters.compactMap { parameter in
            if case .success(let filter) = parameter.parsed { return filter.path }
            return nil
        }
        paths += query.logic.map(\.path) + query.order.map(\.path) + query.ranges.map(\.path)
        for path in paths where !path.isEmpty {
            _ = try embedding(at: path, in: query.select)
        }
    }

    /// The embedding `path` names in `select`.
    func embedding(at path: [String], in select: [SelectItem]) throws(RESTError) -> Embedding? {
        var items = select
        var found: Embedding?
        for name in path {
            let embeddings = items.compactMap { item -> Embedding? in
                if case .embed(let embedding) = item { return embedding }
                return nil
            }
            if let match = embeddings.first(where: { $0.name == name }) {
                found = match
                items = match.select
                continue
            }
            if let aliased = embeddings.first(where: { $0.target == name && $0.alias != nil }) {
                throw RESTError.notEmbedded(name, alias: aliased.alias)
            }
            throw RESTError.notEmbedded(name)
        }
        return found
    }

    /// The relation `relation` read with `select`, at `path` of the select tree (`[]` = root).
    func readNode(
        _ select: [SelectItem], of relation: Relation, path: [String], query: QueryParameters, role: String
    ) throws(RESTError) -> ReadNode {
        var columns: [OutputColumn] = []
        var embeddings: [EmbeddingPlan] = []
        var targets: [Relation] = []
        var countsRows = false
        for item in select {
            switch item {
            case .star:
                // Only the columns the role may read: a literal `*` fails on column grants.
                for column in relation.columns where column.readableBy.contains(role) {
                    columns.append(OutputColumn(
                        value: .column(ColumnExpression(column: column.name, columnType: column.type, jsonPath: [], cast: nil)),
                        key: column.name))
                }
            case .column(let field, let alias, let cast):
                if let count = try countAggregate(field, alias: alias, cast: cast, in: relation) {
                    countsRows = true
                    columns.append(count)
                    continue
                }
                let expression = try expression(field, cast: cast, in: relation)
                columns.append(OutputColumn(value: .column(expression), key: alias ?? Self.outputKey(field)))
            case .aggregate(let aggregate):
                columns.append(try aggregateColumn(aggregate, in: relation))
            case .embed(let embedding):
                let relationship = try Relationship.resolve(embedding, from: relation, in: cache)
                var child = try readNode(
                    embedding.select, of: relationship.target, path: path + [embedding.name], query: query, role: role)
                let index = embeddings.count
                // A to-one spread's aggregates are its parent's: they are taken out of the
                // embedding before it is planned into the parent.
                let lifted = embedding.spread && !relationship.toMany ? try hoistAggregates(from: &child, spread: index) : nil
                embeddings.append(EmbeddingPlan(
                    name: embedding.name, join: relationship.join, toMany: relationship.toMany,
                    inner: embedding.join == .inner, spread: embedding.spread, node: child))
                targets.append(relationship.target)
                if let lifted {
                    columns += lifted
                } else if embedding.spread {
                    columns += child.columns.map { OutputColumn(value: .spread(index, key: $0.key), key: $0.key) }
                } else if !Self.selectsNothing(embedding.select) {
                    // `target()` embeds nothing: it only exists to be filtered on.
                    columns.append(OutputColumn(value: .embedding(index), key: embedding.name))
                }
            }
        }

        if countsRows { try checkCountAggregate(columns) }
        var node = ReadNode(
            relation: QualifiedName(schema: relation.schema, name: relation.name), columns: columns,
            embeddings: embeddings, conditions: [], order: [], limit: nil, offset: 0)
        for parameter in query.filters {
            let filter: PathFilter
            switch parameter.parsed {
            case .success(let parsed): filter = parsed
            case .failure(let error): throw RESTError.queryParameterParseError(message: error.message, details: error.details ?? "")
            }
            guard filter.path == path else { continue }
            node.conditions.append(try condition(filter.field, filter.filter, at: node, relation: relation))
        }
        for logic in query.logic where logic.path == path {
            node.conditions.append(try condition(logic.tree, at: node, relation: relation))
        }
        for order in query.order where order.path == path {
            node.order += try orderItems(order.terms, at: node, relation: relation, targets: targets)
        }
        if !path.isEmpty, let range = query.ranges.last(where: { $0.path == path }) {
            node.limit = range.limit
            node.offset = range.offset ?? 0
        }
        return node
    }

    /// True for `()`, and for lists of embeddings that themselves select nothing (`a(b())`).
    static func selectsNothing(_ select: [SelectItem]) -> Bool {
        select.allSatisfy { item in
            if case .embed(let embedding) = item { return selectsNothing(embedding.select) }
            return false
        }
    }

    /// A column's key: the last key of its JSON path, else its name.
    static func outputKey(_ field: Field) -> String {
        switch field.jsonPath.last {
        case .arrow(let key)?, .doubleArrow(let key)?: return key
        case nil: return field.name
        }
    }

    /// `field=filter` at `node`: a column filter, or — when `field` names one of the node's
    /// embeddings — `is.null` / `not.is.null` on it. Any other operator there is PGRST120,
    /// unless the relation also has a column of that name (`select=*,task_id(*)&task_id=eq.x`).
    func condition(_ field: Field, _ filter: Filter, at node: ReadNode, relation: Relation) throws(RESTError) -> Condition {
        if field.jsonPath.isEmpty, let index = node.embeddings.firstIndex(where: { $0.name == field.name }) {
            if filter.op == .is, filter.operand == .isValue(.null), filter.quantifier == nil {
                return .embedding(index, present: filter.negated)
            }
            guard relation.column(field.name) != nil else {
                throw RESTError.unacceptableFilter(node.embeddings[index].node.relation.name)
            }
        }
        return .filter(try expression(field, in: relation), filter)
    }

    func condition(_ tree: LogicTree, at node: ReadNode, relation: Relation) throws(RESTError) -> Condition {
        switch tree {
        case .and(let negated, let children):
            return .and(negated: negated, try children.map { child throws(RESTError) in try condition(child, at: node, relation: relation) })
        case .or(let negated, let children):
            return .or(negated: negated, try children.map { child throws(RESTError) in try condition(child, at: node, relation: relation) })
        case .condition(let path, let field, let filter):
            guard let first = path.first else { return try condition(field, filter, at: node, relation: relation) }
            guard node.embeddings.contains(where: { $0.name == first }) else { throw RESTError.notEmbedded(first) }
            let written = (path + [field.name]).joined(separator: ".")
            throw RESTError.queryParameterParseError(
                message: "'\(written)' cannot be used in a logic tree of '\(relation.name)'",
                details: "Conditions on the columns of an embedded resource go in its own tree: '\(path.joined(separator: ".")).or=(...)'")
        }
    }

    /// Order terms at `node`; `rel(col)` orders by a column of the to-one embedding `rel`.
    func orderItems(
        _ terms: [OrderTerm], at node: ReadNode, relation: Relation, targets: [Relation]
    ) throws(RESTError) -> [OrderItem] {
        try terms.map { term throws(RESTError) in
            guard let related = term.relation else {
                return OrderItem(expression: try expression(term.field, in: relation), embedding: nil, direction: term.direction, nulls: term.nulls)
            }
            guard let index = node.embeddings.firstIndex(where: { $0.name == related }) else { throw RESTError.notEmbedded(related) }
            guard !node.embeddings[index].toMany else { throw RESTError.relatedOrderNotToOne(origin: relation.name, target: related) }
            return OrderItem(
                expression: try expression(term.field, in: targets[index]), embedding: index, direction: term.direction, nulls: term.nulls)
        }
    }
}
