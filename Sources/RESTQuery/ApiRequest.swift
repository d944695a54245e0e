/// What a `/rest/v1` caller asked for, parsed from the HTTP request and nothing else: no schema
/// knowledge, no database. The planner resolves it against the schema cache.
public struct ApiRequest: Sendable, Equatable {
    /// What the path names.
    public enum Target: Sendable, Equatable {
        /// `/rest/v1/{name}`: a table or view.
        case relation(String)
        /// `/rest/v1/rpc/{name}`: a function.
        case routine(String)
        /// `/rest/v1/`: the OpenAPI description.
        case schemaDescription
    }

    /// What the verb asks to do with the target.
    public enum Action: Sendable, Equatable {
        /// GET (or HEAD, `headersOnly`) on a relation.
        case read(headersOnly: Bool)
        /// POST on a relation: insert, or upsert with a `resolution` preference.
        case insert
        /// PATCH on a relation.
        case update
        /// PUT on a relation: single-row upsert by primary key.
        case singleUpsert
        /// DELETE on a relation.
        case delete
        /// A function call; GET/HEAD run read-only, with arguments in the query string.
        case call(readOnly: Bool, headersOnly: Bool)
        /// GET/HEAD of the OpenAPI description.
        case describe(headersOnly: Bool)
    }

    public var target: Target
    public var action: Action
    /// The schema named by `Accept-Profile` / `Content-Profile`, nil when no header named one.
    public var profile: String?
    public var query: QueryParameters
    public var preferences: Preferences
    /// The representation asked for in `Accept`.
    public var mediaType: MediaType
    /// The `Range` header (`a-b`, `a-`, optionally after `items=`) of a GET or HEAD, when present
    /// and well-formed; other verbs ignore it, as PostgREST does.
    public var range: RowRange?
    /// The request body, when the action takes one.
    public var payload: Payload?

    public init(
        target: Target, action: Action, profile: String? = nil, query: QueryParameters = .init(),
        preferences: Preferences = .init(), mediaType: MediaType = .json, range: RowRange? = nil, payload: Payload? = nil
    ) {
        self.target = target
        self.action = action
        self.profile = profile
        self.query = query
        self.preferences = preferences
        self.mediaType = mediaType
        self.range = range
        self.payload = payload
    }
}

/// The query string, split by meaning. Paths (`[]` = the root relation, `["habits"]`,
/// `["a", "b"]`) name embeddings by alias or name, as written.
public struct QueryParameters: Sendable, Equatable {
    /// `select`; `[.star]` when absent.
    public var select: [SelectItem] = [.star]
    /// Every non-reserved key, in order: a filter (for RPC reads, possibly an argument instead —
    /// the planner decides with the function's parameter names, so the parse result is kept
    /// beside the raw pair rather than thrown).
    public var filters: [FilterParameter] = []
    /// `or`, `and`, `not.or`, `not.and`, and the same under an embedding path.
    public var logic: [PathLogic] = []
    /// `order` and `<path>.order`.
    public var order: [PathOrder] = []
    /// `limit`/`offset` and `<path>.limit`/`<path>.offset`.
    public var ranges: [PathRange] = []
    /// `columns`: the columns an insert or update writes, as listed.
    public var columns: [String]?
    /// `on_conflict`: the upsert's conflict target.
    public var onConflict: [String]?

    public init() {}
}

/// One non-reserved query parameter: the raw pair, and what it parses to as a filter.
public struct FilterParameter: Sendable, Equatable {
    public var key: String
    public var value: String
    public var parsed: Result<PathFilter, RESTQueryError>

    public init(key: String, value: String, parsed: Result<PathFilter, RESTQueryError>) {
        self.key = key
        self.value = value
        self.parsed = parsed
    }
}

/// A filter on a field of the relation at `path`.
public struct PathFilter: Sendable, Equatable {
    public var path: [String]
    public var field: Field
    public var filter: Filter

    public init(path: [String], field: Field, filter: Filter) {
        self.path = path
        self.field = field
        self.filter = filter
    }
}

/// A column, possibly followed by a JSON path: `data->items->0->>name`.
public struct Field: Sendable, Equatable, Hashable {
    public var name: String
    public var jsonPath: [JSONPathStep]

    public init(name: String, jsonPath: [JSONPathStep] = []) {
        self.name = name
        self.jsonPath = jsonPath
    }
}

/// One step of a JSON path: `->key` keeps JSON, `->>key` yields text. Keys that are integers
/// index arrays.
public enum JSONPathStep: Sendable, Equatable, Hashable {
    case arrow(String)
    case doubleArrow(String)
}

/// `[not.]op[(modifier)].operand`.
public struct Filter: Sendable, Equatable {
    public var negated: Bool
    public var op: FilterOperator
    /// `any`/`all` for eq, gt, gte, lt, lte, like, ilike, match, imatch (not neq, as in PostgREST).
    public var quantifier: Quantifier?
    /// The text-search configuration of fts/plfts/phfts/wfts: `fts(english).cat`.
    public var language: String?
    public var operand: Operand

    public init(negated: Bool = false, op: FilterOperator, quantifier: Quantifier? = nil, language: String? = nil, operand: Operand) {
        self.negated = negated
        self.op = op
        self.quantifier = quantifier
        self.language = language
        self.operand = operand
    }
}

public enum FilterOperator: String, Sendable, Equatable, CaseIterable {
    case eq, neq, gt, gte, lt, lte
    case like, ilike, match, imatch
    case `in`, `is`, isdistinct
    case fts, plfts, phfts, wfts
    case cs, cd, ov, sl, sr, nxl, nxr, adj
}

public enum Quantifier: String, Sendable, Equatable {
    case any, all
}

/// A filter's right-hand side, kept as text: PostgreSQL casts it to the column's type.
public enum Operand: Sendable, Equatable {
    /// A single value (for like/ilike, `*` already turned into `%`).
    case value(String)
    /// The elements of `in.(a,b,"c,d")` or of a quantified `{a,b}`, unquoted and unescaped
    /// (`in.()` and `{}` are the empty list; `in.("")` is one empty string).
    case list([String])
    /// The operand of `is`.
    case isValue(IsValue)
}

public enum IsValue: String, Sendable, Equatable {
    case null, notNull = "not_null", `true`, `false`, unknown
}

/// `or=(…)`/`and=(…)` (negated with `not.`), at `path`.
public struct PathLogic: Sendable, Equatable {
    public var path: [String]
    public var tree: LogicTree

    public init(path: [String], tree: LogicTree) {
        self.path = path
        self.tree = tree
    }
}

public indirect enum LogicTree: Sendable, Equatable {
    case and(negated: Bool, [LogicTree])
    case or(negated: Bool, [LogicTree])
    /// A condition on a field; `path` names an embedding below the tree's own path, if any.
    case condition(path: [String], field: Field, filter: Filter)
}

/// One item of `select`.
public indirect enum SelectItem: Sendable, Equatable {
    /// `*`: every column the caller may read.
    case star
    /// `[alias:]column[jsonpath][::type]`.
    case column(field: Field, alias: String?, cast: String?)
    /// `[...][alias:]target[!hint][!inner|!left](select)`.
    case embed(Embedding)
    /// `[alias:]column[jsonpath][::type].function()[::type]`, or `[alias:]count()[::type]`.
    case aggregate(SelectAggregate)
}

/// PostgREST's aggregate functions: `count()`, `sum()`, `avg()`, `max()`, `min()`.
public enum AggregateFunction: String, Sendable, Equatable, CaseIterable {
    case count, sum, avg, max, min
}

/// An aggregate function applied in `select`: to a column (`amount.sum()`), or to the rows
/// themselves (`count()`). The other selected columns group the rows it aggregates.
public struct SelectAggregate: Sendable, Equatable {
    public var function: AggregateFunction
    /// The column aggregated, with its JSON path; nil for `count()`, which counts rows.
    public var field: Field?
    public var alias: String?
    /// The cast written before the function (`amount::int.sum()`): the input's type.
    public var inputCast: String?
    /// The cast written after the function (`amount.sum()::text`): the result's type.
    public var outputCast: String?

    public init(_ function: AggregateFunction, field: Field? = nil, alias: String? = nil, inputCast: String? = nil, outputCast: String? = nil) {
        self.function = function
        self.field = field
        self.alias = alias
        self.inputCast = inputCast
        self.outputCast = outputCast
    }
}

public struct Embedding: Sendable, Equatable {
    public enum Join: String, Sendable, Equatable {
        case inner, left
    }

    /// Table or view name, or a foreign-key column / constraint name.
    public var target: String
    public var alias: String?
    /// `!hint`: the foreign key (constraint or column name) to follow.
    public var hint: String?
    /// `!inner` / `!left`; nil when not written (left).
    public var join: Join?
    /// `...target(…)`: the embedded columns are lifted into the parent.
    public var spread: Bool
    public var select: [SelectItem]

    public init(target: String, alias: String? = nil, hint: String? = nil, join: Join? = nil, spread: Bool = false, select: [SelectItem]) {
        self.target = target
        self.alias = alias
        self.hint = hint
        self.join = join
        self.spread = spread
        self.select = select
    }

    /// The key the embedding takes in the output, and the name filters use for it.
    public var name: String { alias ?? target }
}

/// `order=…` at `path`.
public struct PathOrder: Sendable, Equatable {
    public var path: [String]
    public var terms: [OrderTerm]

    public init(path: [String], terms: [OrderTerm]) {
        self.path = path
        self.terms = terms
    }
}

public struct OrderTerm: Sendable, Equatable {
    public enum Direction: String, Sendable, Equatable { case asc, desc }
    public enum Nulls: String, Sendable, Equatable { case first = "nullsfirst", last = "nullslast" }

    /// For `rel(col)`, the to-one embedding ordered by.
    public var relation: String?
    public var field: Field
    public var direction: Direction?
    public var nulls: Nulls?

    public init(relation: String? = nil, field: Field, direction: Direction? = nil, nulls: Nulls? = nil) {
        self.relation = relation
        self.field = field
        self.direction = direction
        self.nulls = nulls
    }
}

/// `limit`/`offset` at `path`.
public struct PathRange: Sendable, Equatable {
    public var path: [String]
    public var limit: Int?
    public var offset: Int?

    public init(path: [String], limit: Int? = nil, offset: Int? = nil) {
        self.path = path
        self.limit = limit
        self.offset = offset
    }
}

/// The `Range` request header: rows `lower` through `upper` (inclusive), or open-ended.
public struct RowRange: Sendable, Equatable {
    public var lower: Int
    public var upper: Int?

    public init(lower: Int, upper: Int?) {
        self.lower = lower
        self.upper = upper
    }
}

/// The `Prefer` header, first occurrence of each preference winning.
public struct Preferences: Sendable, Equatable {
    public enum Return: String, Sendable, Equatable { case minimal, headersOnly = "headers-only", representation }
    public enum Count: String, Sendable, Equatable { case exact, planned, estimated }
    public enum Resolution: String, Sendable, Equatable { case mergeDuplicates = "merge-duplicates", ignoreDuplicates = "ignore-duplicates" }
    public enum Missing: String, Sendable, Equatable { case `default`, null }
    public enum Transaction: String, Sendable, Equatable { case commit, rollback }
    public enum Handling: String, Sendable, Equatable { case lenient, strict }

    public var `return`: Return?
    public var count: Count?
    public var resolution: Resolution?
    public var missing: Missing?
    public var transaction: Transaction?
    public var handling: Handling?
    public var maxAffected: Int?
    public var timezone: String?
    /// Preferences that were not understood, as written (an error under `handling=strict`).
    public var unrecognised: [String] = []

    public init() {}
}

/// The representation asked for with `Accept`.
public enum MediaType: Sendable, Equatable {
    /// `application/json`, `*/*`, or no header: a JSON array.
    case json
    /// `application/vnd.pgrst.object+json`: exactly one row, as an object.
    case singleObject
    /// `text/csv`.
    case csv
    /// `application/vnd.pgrst.array+json;nulls=stripped` / `...object+json;nulls=stripped`.
    case jsonStrippedNulls(single: Bool)
    /// An `Accept` that names only types this server does not produce, as written.
    case unsupported(String)
    /// `application/vnd.pgrst.plan` (`+text`, `+json`): the execution plan of the statement the
    /// request would run for the media type `for` names, with EXPLAIN's `options`; `written` is
    /// the header as sent (for the refusal when plans are off).
    indirect case plan(PlanRequest)

    /// Whether the response is one object (`application/vnd.pgrst.object+json`, stripped or not).
    public var isSingleObject: Bool {
        self == .singleObject || self == .jsonStrippedNulls(single: true)
    }

    /// Whether keys with null values are left out (`nulls=stripped`).
    public var stripsNulls: Bool {
        if case .jsonStrippedNulls = self { return true }
        return false
    }
}

/// What `Accept: application/vnd.pgrst.plan…` asks for.
public struct PlanRequest: Sendable, Equatable {
    public enum Format: String, Sendable { case text, json }

    public var format: Format
    /// The representation the planned statement is for (`for="…"`; JSON by default).
    public var target: MediaType
    /// The media type `for` named, as the response's `Content-Type` repeats it.
    public var targetName: String
    /// EXPLAIN's options, each at most once, in a fixed order: `analyze`, `verbose`, `settings`,
    /// `buffers`, `wal`.
    public var options: [String]
    public var written: String

    public static let allowedOptions = ["analyze", "verbose", "settings", "buffers", "wal"]

    public init(format: Format, target: MediaType, targetName: String, options: [String], written: String) {
        self.format = format
        self.target = target
        self.targetName = targetName
        self.options = options
        self.written = written
    }
}

/// The body of a write or a POST call: the JSON text, checked to parse, and the keys it sets
/// (of the object, or the union over an array's objects).
public struct Payload: Sendable, Equatable {
    public enum Shape: Sendable, Equatable { case object, array }

    public var json: String
    public var shape: Shape
    public var keys: [String]

    public init(json: String, shape: Shape, keys: [String]) {
        self.json = json
        self.shape = shape
        self.keys = keys
    }
}

/// Why the request could not be parsed; rendered as PGRST100 (query), PGRST101 (verb on RPC),
/// PGRST102 (body), PGRST103 (range), PGRST107 (media type), PGRST117 (verb) and PGRST125
/// (path) errors by the REST surface. For the two verb errors,
/// `details` is the method; for a range, what is wrong with it.
public struct RESTQueryError: Error, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// PGRST100: a query parameter does not parse.
        case query = "PGRST100"
        /// PGRST101 (405): a verb other than GET, HEAD or POST on `/rpc/{fn}`.
        case routineMethod = "PGRST101"
        /// PGRST102: empty or invalid JSON body.
        case body = "PGRST102"
        /// PGRST103: invalid range.
        case range = "PGRST103"
        /// PGRST107: unsupported Accept.
        case mediaType = "PGRST107"
        /// PGRST117 (405): a verb the target does not support.
        case unsupportedMethod = "PGRST117"
        /// PGRST125 (404): a path other than `/`, `/{relation}` and `/rpc/{fn}`.
        case invalidPath = "PGRST125"
    }

    public var kind: Kind
    public var message: String
    public var details: String?
    public var hint: String?

    public init(_ kind: Kind, _ message: String, details: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.details = details
        self.hint = hint
    }
}
