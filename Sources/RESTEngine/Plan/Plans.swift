import RESTQuery
import SchemaCache

/// A request resolved against the schema cache for one role: every name checked, every column
/// typed, nothing left to look up. What the renderer turns into SQL.
public enum Plan: Sendable, Equatable {
    case read(ReadPlan)
    case mutate(MutatePlan)
    case call(CallPlan)
}

/// An output column: a SQL expression over the relation's alias, and the JSON key it becomes.
public struct OutputColumn: Sendable, Equatable {
    public var expression: ColumnExpression
    public var key: String
}

/// A column reference with an optional JSON path and cast, typed from the schema cache.
public struct ColumnExpression: Sendable, Equatable {
    public var column: String
    /// The column's type (`format_type`), or `json`/`text` after a JSON path.
    public var columnType: String
    public var jsonPath: [JSONPathStep]
    public var cast: String?

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
    case and(negated: Bool, [Condition])
    case or(negated: Bool, [Condition])
}

public struct OrderItem: Sendable, Equatable {
    public var expression: ColumnExpression
    public var direction: OrderTerm.Direction?
    public var nulls: OrderTerm.Nulls?
}

/// GET/HEAD on a relation (also the read-back of writes).
public struct ReadPlan: Sendable, Equatable {
    public var relation: QualifiedName
    public var columns: [OutputColumn]
    public var conditions: [Condition]
    public var order: [OrderItem]
    public var limit: Int?
    public var offset: Int
    public var count: Bool
    public var single: Bool
    public var headersOnly: Bool
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
    /// What the response returns, when a representation was asked for.
    public var returning: [OutputColumn]
    public var representation: Bool
    public var count: Bool
    public var single: Bool
    public var primaryKey: [String]
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
