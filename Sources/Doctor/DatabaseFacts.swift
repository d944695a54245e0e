/// What the catalog says about the server's schemas at one moment: tables with their columns,
/// triggers and client privileges, policies, foreign keys, indexes, functions, views, CHECK
/// constraints and the migrations applied. Read by `DoctorFactsLoader`; graded by the rules.
public struct DatabaseFacts: Sendable, Equatable, Decodable {
    /// The database's name.
    public var database: String
    /// `server_version`, e.g. `18.3`.
    public var serverVersion: String
    /// When the facts were read, by the database's clock (ISO 8601, UTC).
    public var capturedAt: String
    /// When the database's statistics were last reset (ISO 8601, UTC); nil when never.
    public var statsResetAt: String?
    public var tables: [Table]
    public var views: [View]
    public var policies: [Policy]
    public var foreignKeys: [ForeignKey]
    public var indexes: [Index]
    public var functions: [Function]
    public var checks: [CheckConstraint]
    /// The rows of `internal.schema_migrations`; nil when that table does not exist.
    public var appliedMigrations: [AppliedMigration]?

    public init(
        database: String = "", serverVersion: String = "", capturedAt: String = "", statsResetAt: String? = nil,
        tables: [Table] = [], views: [View] = [], policies: [Policy] = [], foreignKeys: [ForeignKey] = [],
        indexes: [Index] = [], functions: [Function] = [], checks: [CheckConstraint] = [],
        appliedMigrations: [AppliedMigration]? = []
    ) {
        self.database = database
        self.serverVersion = serverVersion
        self.capturedAt = capturedAt
        self.statsResetAt = statsResetAt
        self.tables = tables
        self.views = views
        self.policies = policies
        self.foreignKeys = foreignKeys
        self.indexes = indexes
        self.functions = functions
        self.checks = checks
        self.appliedMigrations = appliedMigrations
    }

    /// A table (ordinary or partitioned) with what the rules ask of it.
    public struct Table: Sendable, Equatable, Decodable {
        public var schema: String
        public var name: String
        /// The planner's estimate (`reltuples`, else the statistics' live rows); nil when unknown.
        public var rowEstimate: Int?
        /// `count(*)`, read only for the seeded catalogues; nil for other tables.
        public var exactRows: Int?
        public var rlsEnabled: Bool
        public var rlsForced: Bool
        public var comment: String?
        /// The primary key's columns; empty when the table has none.
        public var primaryKey: [String]
        public var columns: [Column]
        public var triggers: [Trigger]
        /// The privileges each client role (`anon`, `authenticated`) holds on the table, by
        /// table or by any column: a subset of SELECT, INSERT, UPDATE, DELETE.
        public var clientPrivileges: [String: [String]]

        public init(
            schema: String, name: String, rowEstimate: Int? = nil, exactRows: Int? = nil, rlsEnabled: Bool = true,
            rlsForced: Bool = false, comment: String? = nil, primaryKey: [String] = ["id"], columns: [Column] = [],
            triggers: [Trigger] = [], clientPrivileges: [String: [String]] = [:]
        ) {
            self.schema = schema
            self.name = name
            self.rowEstimate = rowEstimate
            self.exactRows = exactRows
            self.rlsEnabled = rlsEnabled
            self.rlsForced = rlsForced
            self.comment = comment
            self.primaryKey = primaryKey
            self.columns = columns
            self.triggers = triggers
            self.clientPrivileges = clientPrivileges
        }

        public var qualifiedName: String { "\(schema).\(name)" }

        public func column(_ name: String) -> Column? { columns.first { $0.name == name } }

        /// Whether any client role holds any privilege on the table.
        public var isGrantedToClients: Bool { clientPrivileges.values.contains { !$0.isEmpty } }
    }

    /// A column, with its type as `format_type` prints it and the base type's name.
    public struct Column: Sendable, Equatable, Decodable {
        public var name: String
        /// As declared, e.g. `text`, `character varying(20)`, `extensions.vector(1536)`, `text[]`.
        public var type: String
        /// The type's own name, or for arrays the element's and for domains the base type's:
        /// `text`, `varchar`, `bytea`, `vector`, `timestamptz`.
        public var baseType: String
        public var isArray: Bool
        /// An enum type: its values are constrained by the type itself.
        public var isEnum: Bool
        public var comment: String?

        public init(
            name: String, type: String, baseType: String? = nil, isArray: Bool = false, isEnum: Bool = false,
            comment: String? = nil
        ) {
            self.name = name
            self.type = type
            self.baseType = baseType ?? type
            self.isArray = isArray
            self.isEnum = isEnum
            self.comment = comment
        }
    }

    /// A user trigger on a table.
    public struct Trigger: Sendable, Equatable, Decodable {
        public var name: String
        /// The trigger function, schema-qualified.
        public var function: String
        /// `BEFORE`, `AFTER` or `INSTEAD OF`.
        public var timing: String
        /// A subset of INSERT, UPDATE, DELETE, TRUNCATE.
        public var events: [String]
        public var forEachRow: Bool
        /// Whether the function's source mentions `updated_at`.
        public var functionMentionsUpdatedAt: Bool

        public init(
            name: String, function: String, timing: String = "BEFORE", events: [String] = ["UPDATE"], forEachRow: Bool = true,
            functionMentionsUpdatedAt: Bool = false
        ) {
            self.name = name
            self.function = function
            self.timing = timing
            self.events = events
            self.forEachRow = forEachRow
            self.functionMentionsUpdatedAt = functionMentionsUpdatedAt
        }
    }

    /// A view; it runs with its owner's rights unless `security_invoker` is set.
    public struct View: Sendable, Equatable, Decodable {
        public var schema: String
        public var name: String
        public var securityInvoker: Bool
        /// Client roles that may select from it.
        public var selectableBy: [String]

        public init(schema: String, name: String, securityInvoker: Bool = false, selectableBy: [String] = []) {
            self.schema = schema
            self.name = name
            self.securityInvoker = securityInvoker
            self.selectableBy = selectableBy
        }
    }

    /// A row-level security policy, as `pg_policies` shows it.
    public struct Policy: Sendable, Equatable, Decodable {
        public var schema: String
        public var table: String
        public var name: String
        /// `SELECT`, `INSERT`, `UPDATE`, `DELETE` or `ALL`.
        public var command: String
        public var permissive: Bool
        /// Role names; `public` means every role.
        public var roles: [String]
        /// The `USING` expression, as PostgreSQL prints it.
        public var using: String?
        /// The `WITH CHECK` expression.
        public var withCheck: String?

        public init(
            schema: String, table: String, name: String, command: String, permissive: Bool = true, roles: [String],
            using: String? = nil, withCheck: String? = nil
        ) {
            self.schema = schema
            self.table = table
            self.name = name
            self.command = command
            self.permissive = permissive
            self.roles = roles
            self.using = using
            self.withCheck = withCheck
        }

        public var qualifiedTable: String { "\(schema).\(table)" }
    }

    /// A foreign key of a table in the server's schemas.
    public struct ForeignKey: Sendable, Equatable, Decodable {
        public var schema: String
        public var table: String
        public var name: String
        public var columns: [String]
        public var referencedTable: String
        public var referencedColumns: [String]
        /// `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT` or `NO ACTION`.
        public var onDelete: String

        public init(
            schema: String, table: String, name: String, columns: [String], referencedTable: String,
            referencedColumns: [String] = ["id"], onDelete: String = "NO ACTION"
        ) {
            self.schema = schema
            self.table = table
            self.name = name
            self.columns = columns
            self.referencedTable = referencedTable
            self.referencedColumns = referencedColumns
            self.onDelete = onDelete
        }

        public var qualifiedTable: String { "\(schema).\(table)" }
    }

    /// An index, with its scan count since the statistics were reset.
    public struct Index: Sendable, Equatable, Decodable {
        public var schema: String
        public var table: String
        public var name: String
        /// The access method: `btree`, `hash`, `gin`, `gist`, `brin`, `hnsw`, `ivfflat`, …
        public var method: String
        /// The key columns in order (an expression as PostgreSQL prints it).
        public var keyColumns: [String]
        /// The operator class of each key column.
        public var operatorClasses: [String]
        /// `pg_get_indexdef`.
        public var definition: String
        /// The `WHERE` of a partial index.
        public var predicate: String?
        /// Storage parameters, e.g. `m=16`, `lists=100`.
        public var options: [String]
        public var isUnique: Bool
        public var isPrimary: Bool
        /// It enforces a constraint (primary key, unique, exclusion).
        public var backsConstraint: Bool
        public var isValid: Bool
        /// `idx_scan`; nil when the statistics have no row for it.
        public var scans: Int?

        public init(
            schema: String, table: String, name: String, method: String = "btree", keyColumns: [String],
            operatorClasses: [String]? = nil, definition: String? = nil, predicate: String? = nil, options: [String] = [],
            isUnique: Bool = false, isPrimary: Bool = false, backsConstraint: Bool = false, isValid: Bool = true, scans: Int? = 0
        ) {
            self.schema = schema
            self.table = table
            self.name = name
            self.method = method
            self.keyColumns = keyColumns
            self.operatorClasses = operatorClasses ?? keyColumns.map { _ in "" }
            self.definition = definition ?? "CREATE \(isUnique ? "UNIQUE " : "")INDEX \(name) ON \(schema).\(table) USING \(method) ("
                + keyColumns.joined(separator: ", ") + ")" + (predicate.map { " WHERE \($0)" } ?? "")
            self.predicate = predicate
            self.options = options
            self.isUnique = isUnique
            self.isPrimary = isPrimary
            self.backsConstraint = backsConstraint
            self.isValid = isValid
            self.scans = scans
        }

        public var qualifiedTable: String { "\(schema).\(table)" }
        public var qualifiedName: String { "\(schema).\(name)" }

        /// The definition from the access method on (`btree (a, b) WHERE …`): two indexes with
        /// the same signature on one table index the same thing.
        public var signature: String {
            guard let range = definition.firstRange(of: " USING ") else { return definition }
            return String(definition[range.upperBound...])
        }
    }

    /// A function or procedure of the server's schemas (extension members excluded).
    public struct Function: Sendable, Equatable, Decodable {
        public var schema: String
        public var name: String
        /// Name and argument types, e.g. `public.adjust_user_credits(uuid, integer, text, text)`.
        public var signature: String
        public var isSecurityDefiner: Bool
        /// `proconfig`, e.g. `search_path=""`.
        public var settings: [String]
        /// Whether `PUBLIC` (every role) holds EXECUTE.
        public var publicExecute: Bool
        public var returnsTrigger: Bool
        /// Client roles that may execute it (directly or through PUBLIC).
        public var executableBy: [String]

        public init(
            schema: String, name: String, signature: String? = nil, isSecurityDefiner: Bool = false, settings: [String] = [],
            publicExecute: Bool = false, returnsTrigger: Bool = false, executableBy: [String] = []
        ) {
            self.schema = schema
            self.name = name
            self.signature = signature ?? "\(schema).\(name)()"
            self.isSecurityDefiner = isSecurityDefiner
            self.settings = settings
            self.publicExecute = publicExecute
            self.returnsTrigger = returnsTrigger
            self.executableBy = executableBy
        }

        /// Whether the function pins its `search_path` (`SET search_path = …`).
        public var fixesSearchPath: Bool { settings.contains { $0.hasPrefix("search_path=") } }
    }

    /// A CHECK constraint with the columns it reads.
    public struct CheckConstraint: Sendable, Equatable, Decodable {
        public var schema: String
        public var table: String
        public var name: String
        public var columns: [String]
        public var definition: String

        public init(schema: String, table: String, name: String, columns: [String], definition: String = "") {
            self.schema = schema
            self.table = table
            self.name = name
            self.columns = columns
            self.definition = definition
        }
    }

    /// One row of `internal.schema_migrations`.
    public struct AppliedMigration: Sendable, Equatable, Decodable {
        public var version: Int
        public var name: String
        public var checksum: String
        public var appliedAt: String

        public init(version: Int, name: String, checksum: String, appliedAt: String = "") {
            self.version = version
            self.name = name
            self.checksum = checksum
            self.appliedAt = appliedAt
        }
    }
}

/// A migration the server ships (its number, name and script checksum), to compare with those
/// the database recorded.
public struct BundledMigration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var checksum: String

    public init(version: Int, name: String, checksum: String) {
        self.version = version
        self.name = name
        self.checksum = checksum
    }
}
