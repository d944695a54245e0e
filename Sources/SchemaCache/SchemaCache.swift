/// What the REST planner knows about the exposed schemas, read from the catalog at start-up and
/// on reload: relations with their columns, keys and foreign keys, and callable functions.
/// Pure values; the loader lives with the database code.
public struct SchemaCache: Sendable, Equatable, Codable {
    public var relations: [Relation] { didSet { relationIndex = Self.index(relations) } }
    public var routines: [Routine]

    public init(relations: [Relation], routines: [Routine]) {
        self.relations = relations
        self.routines = routines
        relationIndex = Self.index(relations)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            relations: try container.decode([Relation].self, forKey: .relations),
            routines: try container.decode([Routine].self, forKey: .routines))
    }

    enum CodingKeys: String, CodingKey { case relations, routines }

    public static func == (left: SchemaCache, right: SchemaCache) -> Bool {
        left.relations == right.relations && left.routines == right.routines
    }

    /// The relation `schema.name`, if exposed.
    public func relation(_ schema: String, _ name: String) -> Relation? {
        relationIndex[QualifiedName(schema: schema, name: name)]
    }

    /// The functions named `schema.name` (overloads included).
    public func routines(_ schema: String, _ name: String) -> [Routine] {
        routines.filter { $0.schema == schema && $0.name == name }
    }

    /// Foreign keys from or to `relation`, in both directions.
    public func foreignKeys(touching relation: Relation) -> [ForeignKey] {
        relations.flatMap(\.foreignKeys).filter {
            ($0.schema == relation.schema && $0.table == relation.name)
                || ($0.referencedSchema == relation.schema && $0.referencedTable == relation.name)
        }
    }

    /// Relations by name, built once (planning looks relations up several times per request).
    private var relationIndex: [QualifiedName: Relation]

    private static func index(_ relations: [Relation]) -> [QualifiedName: Relation] {
        Dictionary(relations.map { (QualifiedName(schema: $0.schema, name: $0.name), $0) }, uniquingKeysWith: { first, _ in first })
    }
}

public struct QualifiedName: Sendable, Hashable, Codable {
    public var schema: String
    public var name: String

    public init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }
}

/// A table or view.
public struct Relation: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case table, view, materializedView = "materialized_view", foreignTable = "foreign_table", partitionedTable = "partitioned_table" }

    public var schema: String
    public var name: String
    public var kind: Kind
    public var columns: [Column]
    /// Primary-key columns, in key order (empty when there is none).
    public var primaryKey: [String]
    /// Unique constraints and unique indexes, each as its columns (upsert conflict targets).
    public var uniqueKeys: [[String]]
    /// Foreign keys whose referencing side is this relation.
    public var foreignKeys: [ForeignKey]
    public var comment: String?

    public init(schema: String, name: String, kind: Kind, columns: [Column], primaryKey: [String], uniqueKeys: [[String]], foreignKeys: [ForeignKey], comment: String?) {
        self.schema = schema
        self.name = name
        self.kind = kind
        self.columns = columns
        self.primaryKey = primaryKey
        self.uniqueKeys = uniqueKeys
        self.foreignKeys = foreignKeys
        self.comment = comment
    }

    public func column(_ name: String) -> Column? {
        columns.first { $0.name == name }
    }
}

public struct Column: Sendable, Equatable, Codable {
    public var name: String
    /// The type as `format_type` writes it (`uuid`, `text[]`, `numeric(10,2)`, `extensions.vector(1536)`).
    public var type: String
    public var nullable: Bool
    public var hasDefault: Bool
    /// The DEFAULT expression as the catalog prints it (`gen_random_uuid()`, `now()`).
    public var defaultExpression: String?
    /// Generated (`GENERATED ALWAYS AS … STORED`) or identity-always columns cannot be written.
    public var generated: Bool
    /// API roles that may SELECT the column (`*` expands to these per role).
    public var readableBy: [String]
    public var comment: String?

    public init(name: String, type: String, nullable: Bool, hasDefault: Bool, defaultExpression: String? = nil, generated: Bool, readableBy: [String], comment: String?) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.hasDefault = hasDefault
        self.defaultExpression = defaultExpression
        self.generated = generated
        self.readableBy = readableBy
        self.comment = comment
    }
}

/// A foreign key: `columns` of `schema.table` reference `referencedColumns` of the other table.
public struct ForeignKey: Sendable, Equatable, Codable {
    public var constraintName: String
    public var schema: String
    public var table: String
    public var columns: [String]
    public var referencedSchema: String
    public var referencedTable: String
    public var referencedColumns: [String]

    public init(constraintName: String, schema: String, table: String, columns: [String], referencedSchema: String, referencedTable: String, referencedColumns: [String]) {
        self.constraintName = constraintName
        self.schema = schema
        self.table = table
        self.columns = columns
        self.referencedSchema = referencedSchema
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
    }
}

/// A function callable as `/rpc/{name}`.
public struct Routine: Sendable, Equatable, Codable {
    public enum Volatility: String, Sendable, Codable { case immutable, stable, volatile }

    public struct Parameter: Sendable, Equatable, Codable {
        public var name: String
        public var type: String
        public var hasDefault: Bool

        public init(name: String, type: String, hasDefault: Bool) {
            self.name = name
            self.type = type
            self.hasDefault = hasDefault
        }
    }

    public var schema: String
    public var name: String
    public var parameters: [Parameter]
    /// The return type as `format_type` writes it (`void`, `boolean`, `record`, a table name).
    public var returnType: String
    public var returnsSet: Bool
    /// True when the result is a row type (a table's, or `TABLE(...)`/OUT parameters).
    public var returnsComposite: Bool
    public var volatility: Volatility
    public var comment: String?
    /// The columns of a row-type result (`TABLE(...)`/OUT parameters, or the table's columns
    /// for `SETOF table`), in order; what `select`, filters and `order` on the result address.
    public var resultColumns: [ResultColumn]?
    /// The relation a `SETOF table` function returns rows of (embeddings go through its keys).
    public var resultRelation: QualifiedName?
    /// The API roles (`anon`, `authenticated`, `service_role`) that may execute it; nil when
    /// unknown (a cache built by hand), which describes it to every role.
    public var executableBy: [String]?

    public struct ResultColumn: Sendable, Equatable, Codable {
        public var name: String
        public var type: String

        public init(name: String, type: String) {
            self.name = name
            self.type = type
        }
    }

    public init(
        schema: String, name: String, parameters: [Parameter], returnType: String, returnsSet: Bool, returnsComposite: Bool,
        volatility: Volatility, comment: String?, resultColumns: [ResultColumn]? = nil, resultRelation: QualifiedName? = nil,
        executableBy: [String]? = nil
    ) {
        self.schema = schema
        self.name = name
        self.parameters = parameters
        self.returnType = returnType
        self.returnsSet = returnsSet
        self.returnsComposite = returnsComposite
        self.volatility = volatility
        self.comment = comment
        self.resultColumns = resultColumns
        self.resultRelation = resultRelation
        self.executableBy = executableBy
    }

    /// Whether `role` may call it.
    public func isExecutable(by role: String) -> Bool {
        executableBy?.contains(role) ?? true
    }
}
