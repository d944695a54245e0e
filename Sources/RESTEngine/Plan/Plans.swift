import RESTQuery
import SchemaCache

/// A request resolved against the schema cache for one role: every name checked, every column
/// typed, nothing left to look up. What the renderer turns into SQL.
public enum Plan: Sendable, Equatable {
    case read(ReadPlan)
    case mutate(MutatePlan)
    case call(CallPlan)
}

/// An output column: what a key of the response object holds, and the key.
public struct OutputColumn: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// A column of the node's own relation (with JSON path and cast).
        case column(ColumnExpression)
        /// The JSON of the node's embedding at this index: an object or null (to-one), an array
        /// (to-many).
        case embedding(Int)
        /// One key of the spread embedding at this index, lifted into this object: the embedded
        /// value (to-one) or the array of the embedded values (to-many).
        case spread(Int, key: String)
        /// An aggregate over the node's rows: over each group of them when the node's other
        /// values group them (`select=category,amount.sum()`).
        case aggregate(Aggregation)
    }

    public var value: Value
    public var key: String

    public init(value: Value, key: String) {
        self.value = value
        self.key = key
    }

    /// The column expression, for a column of the node's own relation.
    public var expression: ColumnExpression? {
        if case .column(let expression) = value { return expression }
        return nil
    }

    /// True for an aggregate's result.
    public var isAggregate: Bool {
        if case .aggregate = value { return true }
        return false
    }
}

/// An aggregate function with its input and the cast of its result (`amount::int.sum()::text`).
public struct Aggregation: Sendable, Equatable {
    /// What the function aggregates.
    public enum Input: Sendable, Equatable {
        /// The rows themselves: `count()`, and the count aggregate an embedding's bare `count` stands for.
        case rows
        /// A column of the node's relation, with JSON path and input cast.
        case column(ColumnExpression)
        /// One key of the to-one spread embedding at this index: an aggregate written inside a
        /// to-one spread is computed in the parent, over the parent's rows.
        case spread(Int, key: String)
    }

    public var function: AggregateFunction
    public var input: Input
    /// The cast of the result, written after the function.
    public var cast: String?

    public init(function: AggregateFunction, input: Input, cast: String? = nil) {
        self.function = function
        self.input = input
        self.cast = cast
    }
}

/// A column reference with an optional JSON path and cast, typed from the schema cache.
public struct ColumnExpression: Sendable, Equatable {
    public var column: String
    /// The column's type (`format_type`), or `json`/`text` after a JSON path.
    public var columnType: String
    public var jsonPath: [JSONPathStep]
    public var cast: String?

    public init(column: String, columnType: String, jsonPath: [JSONPathStep] = [], cast: String? = nil) {
        self.column = column
        self.columnType = columnType
        self.jsonPath = jsonPath
        self.cast = cast
    }

    /// The type of the expression's value before any cast.
    public var valueType: String {
        switch jsonPath.last {
        case .arrow?: return "jsonb"
        case .doubleArrow?: return "text"
        case nil: return columnType
        }
    }
}

/// A resolved filter condition.
public indirect enum Condition: Sendable, Equatable {
    case filter(ColumnExpression, Filter)
    /// `<embedding>=is.null` (`present` false) / `not.is.null` (`present` true): the node's
    /// embedding at this index is absent (null, `[]`) or present.
    case embedding(Int, present: Bool)
    case and(negated: Bool, [Condition])
    case or(negated: Bool, [Condition])

    /// True when the condition tests one of the node's embeddings somewhere.
    public var testsEmbedding: Bool {
        switch self {
        case .filter: return false
        case .embedding: return true
        case .and(_, let children), .or(_, let children): return children.contains { $0.testsEmbedding }
        }
    }

    /// The indexes of the embeddings the condition tests.
    var embeddings: Set<Int> {
        switch self {
        case .filter: return []
        case .embedding(let index, _): return [index]
        case .and(_, let children), .or(_, let children): return children.reduce(into: []) { $0.formUnion($1.embeddings) }
        }
    }
}

public struct OrderItem: Sendable, Equatable {
    /// A column of the node's relation, or of the to-one embedding `embedding` (`order=rel(col)`).
    public var expression: ColumnExpression
    public var embedding: Int?
    public var direction: OrderTerm.Direction?
    public var nulls: OrderTerm.Nulls?
}

/// One relation read at one level of the select tree: the root of a read, or an embedding.
public struct ReadNode: Sendable, Equatable {
    public var relation: QualifiedName
    /// The keys of each output object, in `select` order.
    public var columns: [OutputColumn]
    public var embeddings: [EmbeddingPlan]
    public var conditions: [Condition]
    public var order: [OrderItem]
    public var limit: Int?
    public var offset: Int

    /// True when an output value is an aggregate: the node's rows are then its groups, one per
    /// distinct combination of its other values (one row when it has none).
    public var isAggregated: Bool {
        columns.contains(where: \.isAggregate)
    }
}

/// An embedded resource: how its rows join the parent's, and what is read of them.
public struct EmbeddingPlan: Sendable, Equatable {
    /// How filters, order and limits address it: the alias, else the target as written.
    public var name: String
    public var join: JoinPlan
    /// One-to-many and many-to-many embed an array; the others an object or null.
    public var toMany: Bool
    /// `!inner`: parents whose embedding is empty or null are dropped.
    public var inner: Bool
    /// `...target(…)`: the embedded keys are lifted into the parent.
    public var spread: Bool
    public var node: ReadNode
}

/// The join between an embedded relation and its parent, from the schema cache's foreign keys.
public struct JoinPlan: Sendable, Equatable {
    /// A many-to-many junction: `parentColumns`/`childColumns` then name the junction's columns.
    public struct Junction: Sendable, Equatable {
        public var relation: QualifiedName
        /// Columns of the junction referencing `childKeys` of the embedded relation.
        public var columns: [String]
        public var childKeys: [String]
    }

    /// Columns of the parent, equal pairwise to `childColumns` (of the embedded relation, or of
    /// the junction).
    public var parentColumns: [String]
    public var childColumns: [String]
    public var junction: Junction?
}

/// GET/HEAD on a relation.
public struct ReadPlan: Sendable, Equatable {
    public var root: ReadNode
    public var count: Bool
    public var single: Bool
    public var headersOnly: Bool
    /// `Accept: text/csv`: the body is a header line and one line per row.
    public var csv: Bool
    /// `nulls=stripped`: keys whose value is null are left out of the body.
    public var stripNulls = false

    public var relation: QualifiedName { root.relation }
    public var columns: [OutputColumn] { root.columns }
    public var conditions: [Condition] { root.conditions }
    public var order: [OrderItem] { root.order }
    public var limit: Int? { root.limit }
    public var offset: Int { root.offset }
}

/// POST/PATCH/DELETE on a relation.
public struct MutatePlan: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Insert the payload's rows; `conflict` set for upserts.
        case insert(columns: [WriteColumn], conflict: Conflict?, defaultsForMissing: Bool)
        case update(columns: [WriteColumn])
        case delete
    }

    public struct Conflict: Sendable, Equatable {
        public var columns: [String]
        public var resolution: Preferences.Resolution
    }

    public var relation: QualifiedName
    public var kind: Kind
    public var payload: String?
    public var payloadIsArray: Bool
    public var conditions: [Condition]
    /// What the response returns, when a representation was asked for: the written rows read
    /// back (embeddings included), no order or window of its own.
    public var returning: ReadNode
    public var representation: Bool
    public var count: Bool
    public var single: Bool
    public var csv: Bool
    public var primaryKey: [String]
    /// `nulls=stripped`: keys whose value is null are left out of the representation.
    public var stripNulls = false
    /// The body carries the primary key of the first written row as a JSON object (for the
    /// `Location` header of `return=headers-only`), instead of nothing.
    public var location = false

    /// An insert with `resolution=merge-duplicates` whose representation is asked for: its
    /// statement's first column is the number of rows it inserted (not merged), for the status.
    public var mergesDuplicates: Bool {
        guard representation, case .insert(_, let conflict?, _) = kind else { return false }
        return conflict.resolution == .mergeDuplicates
    }
    /// A PUT: the one row its primary-key filters name, inserted or replaced.
    public var singleUpsert = false
}

/// A column written by an insert or update.
public struct WriteColumn: Sendable, Equatable {
    public var name: String
    public var type: String
    /// The column's DEFAULT expression (from the catalog), used for rows that omit the key.
    public var defaultExpression: String?
}

/// `/rpc/{fn}`.
public struct CallPlan: Sendable, Equatable {
    public var routine: QualifiedName
    /// Named arguments, each as JSON text (POST) or text (GET), typed by the parameter.
    public var arguments: [CallArgument]
    public var returnsSet: Bool
    public var returnsComposite: Bool
    public var returnsVoid: Bool
    public var readOnly: Bool
    public var headersOnly: Bool
    public var single: Bool
    public var count: Bool
    public var limit: Int?
    public var offset: Int
    /// For a function returning rows: its result read like a relation (columns, embeddings,
    /// filters, order, window), from the call's rows.
    public var result: ReadNode?
    public var csv: Bool
    /// `nulls=stripped`: keys whose value is null are left out of row results.
    public var stripNulls = false

    public init(
        routine: QualifiedName, arguments: [CallArgument], returnsSet: Bool, returnsComposite: Bool, returnsVoid: Bool,
        readOnly: Bool, headersOnly: Bool, single: Bool, count: Bool, limit: Int?, offset: Int,
        result: ReadNode? = nil, csv: Bool = false
    ) {
        self.routine = routine
        self.arguments = arguments
        self.returnsSet = returnsSet
        self.returnsComposite = returnsComposite
        self.returnsVoid = returnsVoid
        self.readOnly = readOnly
        self.headersOnly = headersOnly
        self.single = single
        self.count = count
        self.limit = limit
        self.offset = offset
        self.result = result
        self.csv = csv
    }
}

public struct CallArgument: Sendable, Equatable {
    public var name: String
    public var type: String
    public var source: Source

    public enum Source: Sendable, Equatable {
        /// From the JSON body (given whole): extracted in SQL by name.
        case body(String)
        /// From the query string, as text.
        case text(String)
    }
}
