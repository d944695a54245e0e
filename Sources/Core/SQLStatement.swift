/// A SQL statement with its bound values: values are never spliced into the text.
public struct SQLStatement: Sendable, Equatable {
    public var sql: String
    public var binds: [SQLValue]

    public init(_ sql: String, _ binds: [SQLValue] = []) {
        self.sql = sql
        self.binds = binds
    }
}

/// A value bound to a statement parameter (`$1`, `$2`, …).
public enum SQLValue: Sendable, Equatable {
    case null
    case text(String)
    case int(Int)
    case bool(Bool)
    /// JSON text (cast to `json`/`jsonb` in the statement).
    case json(String)
    /// A `text[]` array.
    case textArray([String])
}
