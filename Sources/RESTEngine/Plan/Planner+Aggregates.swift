import RESTErrors
import RESTQuery
import SchemaCache

/// Aggregate functions in `select`, as PostgREST serves them with `db-aggregates-enabled`:
/// `count()` and `column.sum()` (`avg`, `max`, `min`) as output values, the count aggregate an
/// embedding's bare `count` stands for, and aggregates lifted out of to-one spreads into the
/// parent. The renderer groups an aggregated node's rows by its other values.
extension Planner {
    /// `[alias:]field[::type].function()[::type]` or `[alias:]count()[::type]`; PGRST123 while
    /// aggregates are disabled. The key is the alias, else the function's name.
    func aggregateColumn(_ aggregate: SelectAggregate, in relation: Relation) throws(RESTError) -> OutputColumn {
        guard aggregatesEnabled else { throw RESTError.aggregatesNotAllowed }
        let input: Aggregation.Input
        if let field = aggregate.field {
            input = .column(try expression(field, cast: aggregate.inputCast, in: relation))
        } else {
            input = .rows
        }
        try checkCast(aggregate.outputCast)
        return OutputColumn(
            value: .aggregate(Aggregation(function: aggregate.function, input: input, cast: aggregate.outputCast)),
            key: aggregate.alias ?? aggregate.function.rawValue)
    }

    /// A bare `count` on a relation without a column of that name: the count of its rows. In
    /// PostgREST's SQL, PostgreSQL reads `alias.count` as the function applied to the row, so
    /// `select=*,team_members(count)` answers `"team_members": [{"count": 2}]`.
    func countAggregate(_ field: Field, alias: String?, cast: String?, in relation: Relation) throws(RESTError) -> OutputColumn? {
        guard field.name == "count", field.jsonPath.isEmpty, relation.column("count") == nil else { return nil }
        try checkCast(cast)
        return OutputColumn(value: .aggregate(Aggregation(function: .count, input: .rows, cast: cast)), key: alias ?? "count")
    }

    /// The bare `count` works without the opt-in where it does in PostgREST, which does not
    /// know it as an aggregate: as all a node selects. Beside other values it groups the rows
    /// by them like `count()`, so it needs aggregates enabled (PostgREST fails there).
    func checkCountAggregate(_ columns: [OutputColumn]) throws(RESTError) {
        guard !aggregatesEnabled else { return }
        let onlyCounts = columns.allSatisfy { column in
            if case .aggregate(let aggregation) = column.value { return aggregation.input == .rows }
            return false
        }
        guard onlyCounts else { throw RESTError.aggregatesNotAllowed }
    }

    /// Takes the aggregates out of the to-one spread embedding planned at `index` of its parent.
    /// The embedding keeps their inputs as plain values; the parent gets every value the spread
    /// lifts into it, with the aggregates applied there, over the parent's rows (PostgREST's
    /// hoisting: in `select=client_id,...invoices(total.sum())` the sum is per `client_id`;
    /// `count()` counts the parent's rows). Nil when the embedding aggregates nothing.
    func hoistAggregates(from child: inout ReadNode, spread index: Int) throws(RESTError) -> [OutputColumn]? {
        guard child.isAggregated else { return nil }
        guard aggregatesEnabled else { throw RESTError.aggregatesNotAllowed }
        var kept: [OutputColumn] = []
        var lifted: [OutputColumn] = []
        for column in child.columns {
            guard case .aggregate(var aggregation) = column.value else {
                kept.append(column)
                lifted.append(OutputColumn(value: .spread(index, key: column.key), key: column.key))
                continue
            }
            switch aggregation.input {
            case .rows:
                break
            case .column(let expression):
                kept.append(OutputColumn(value: .column(expression), key: column.key))
                aggregation.input = .spread(index, key: column.key)
            case .spread(let inner, let key):
                kept.append(OutputColumn(value: .spread(inner, key: key), key: column.key))
                aggregation.input = .spread(index, key: column.key)
            }
            lifted.append(OutputColumn(value: .aggregate(aggregation), key: column.key))
        }
        child.columns = kept
        return lifted
    }
}
