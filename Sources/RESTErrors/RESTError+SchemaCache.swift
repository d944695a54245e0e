// PGRST2xx: the request names something the schema cache does not hold, or holds more than once
// (PostgREST's `SchemaCacheError`).

extension RESTError {
    /// One of the relationships that make an embedding ambiguous (PGRST201), described the way
    /// PostgREST lists it in `details` and names it in the `target!name` hint.
    public struct RelationshipCandidate: Sendable, Equatable {
        public enum Cardinality: String, Sendable, Equatable {
            case manyToOne = "many-to-one"
            case oneToMany = "one-to-many"
            case oneToOne = "one-to-one"
            case manyToMany = "many-to-many"
        }

        public let cardinality: Cardinality
        /// The relation being embedded into.
        public let table: String
        /// The embedded relation.
        public let foreignTable: String
        /// "fk using t(a) and f(b)", or "junction using fk1(a) and fk2(b)".
        public let relationship: String
        /// What disambiguates it after `!`: the foreign-key constraint, or the junction table.
        public let name: String

        /// A many-to-one relationship through foreign key `constraint` of `table`.
        public static func manyToOne(
            constraint: String, table: String, columns: [String], foreignTable: String, foreignColumns: [String]
        ) -> Self {
            foreignKey(.manyToOne, constraint, table, columns, foreignTable, foreignColumns)
        }

        /// A one-to-many relationship through foreign key `constraint` of `foreignTable`.
        public static func oneToMany(
            constraint: String, table: String, columns: [String], foreignTable: String, foreignColumns: [String]
        ) -> Self {
            foreignKey(.oneToMany, constraint, table, columns, foreignTable, foreignColumns)
        }

        /// A one-to-one relationship (a foreign key that is also unique).
        public static func oneToOne(
            constraint: String, table: String, columns: [String], foreignTable: String, foreignColumns: [String]
        ) -> Self {
            foreignKey(.oneToOne, constraint, table, columns, foreignTable, foreignColumns)
        }

        /// A many-to-many relationship through `junction`, whose foreign key `sourceConstraint`
        /// (columns `sourceColumns`) points at `table` and `targetConstraint` at `foreignTable`.
        public static func manyToMany(
            table: String, foreignTable: String, junction: String,
            sourceConstraint: String, sourceColumns: [String], targetConstraint: String, targetColumns: [String]
        ) -> Self {
            Self(cardinality: .manyToMany, table: table, foreignTable: foreignTable,
                 relationship: junction + " using " + sourceConstraint + list(sourceColumns)
                    + " and " + targetConstraint + list(targetColumns),
                 name: junction)
        }

        private static func foreignKey(
            _ cardinality: Cardinality, _ constraint: String, _ table: String, _ columns: [String],
            _ foreignTable: String, _ foreignColumns: [String]
        ) -> Self {
            Self(cardinality: cardinality, table: table, foreignTable: foreignTable,
                 relationship: constraint + " using " + table + list(columns) + " and " + foreignTable + list(foreignColumns),
                 name: constraint)
        }

        private static func list(_ columns: [String]) -> String {
            "(" + columns.joined(separator: ", ") + ")"
        }

        /// The candidate as one element of PGRST201's `details` array.
        var json: String {
            JSONText.object([
                ("cardinality", cardinality.rawValue),
                ("embedding", table + " with " + foreignTable),
                ("relationship", relationship),
            ])
        }
    }

    /// An overload that makes a function call ambiguous (PGRST203).
    public struct RoutineSignature: Sendable, Equatable {
        public struct Parameter: Sendable, Equatable {
            public let name: String
            public let type: String

            public init(name: String, type: String) {
                self.name = name
                self.type = type
            }
        }

        public let schema: String
        public let name: String
        public let parameters: [Parameter]

        public init(schema: String, name: String, parameters: [Parameter]) {
            self.schema = schema
            self.name = name
            self.parameters = parameters
        }

        /// "public.fn(a => integer, b => text)".
        var description: String {
            schema + "." + name + "(" + parameters.map { $0.name + " => " + $0.type }.joined(separator: ", ") + ")"
        }
    }

    /// PGRST200 (400): no foreign key links `parent` and `child` (with `embedHint`, when the embed
    /// named one, e.g. `child!hint(...)`). `suggestion` is a close name the caller found, shown
    /// as "Perhaps you meant 'meant' instead of 'insteadOf'."
    public static func relationshipNotFound(
        parent: String, child: String, embedHint: String? = nil, schema: String,
        suggestion: (meant: String, insteadOf: String)? = nil
    ) -> RESTError {
        let using = embedHint.map { "' using the hint '" + $0 } ?? ""
        return RESTError(
            status: 400, code: "PGRST200",
            message: "Could not find a relationship between '\(parent)' and '\(child)' in the schema cache",
            details: "Searched for a foreign key relationship between '\(parent)' and '\(child)\(using)' "
                + "in the schema '\(schema)', but no matches were found.",
            hint: suggestion.map { "Perhaps you meant '\($0.meant)' instead of '\($0.insteadOf)'." })
    }

    /// PGRST201 (300): more than one relationship links `parent` and `child`; `details` is the
    /// JSON list of candidates and the hint offers each as `child!name`.
    public static func ambiguousRelationship(
        parent: String, child: String, candidates: [RelationshipCandidate]
    ) -> RESTError {
        RESTError(
            status: 300, code: "PGRST201",
            message: "Could not embed because more than one relationship was found for '\(parent)' and '\(child)'",
            details: "[" + candidates.map(\.json).joined(separator: ",") + "]",
            hint: "Try changing '\(child)' to one of the following: "
                + candidates.map { "'\($0.foreignTable)!\($0.name)'" }.joined(separator: ", ")
                + ". Find the desired relationship in the 'details' key.",
            headers: [], detailsIsJSON: true)
    }

    /// PGRST202 (404): no function `schema.name` takes exactly the named `arguments`.
    /// `jsonBody` is true for a POST with a JSON body, where a single unnamed json/jsonb
    /// parameter would also have matched. `suggestion` is a close callable the caller found,
    /// e.g. "public.test(id, name)".
    public static func functionNotFound(
        schema: String, name: String, arguments: [String], jsonBody: Bool = false, suggestion: String? = nil
    ) -> RESTError {
        let function = schema + "." + name
        let signature = arguments.isEmpty ? " without parameters" : "(" + arguments.joined(separator: ", ") + ")"
        var searched = arguments.isEmpty
            ? " without parameters"
            : (arguments.count > 1 ? " with parameters " : " with parameter ") + arguments.joined(separator: ", ")
        if jsonBody { searched += " or with a single unnamed json/jsonb parameter" }
        return RESTError(
            status: 404, code: "PGRST202",
            message: "Could not find the function \(function)\(signature) in the schema cache",
            details: "Searched for the function \(function)\(searched), but no matches were found in the schema cache.",
            hint: suggestion.map { "Perhaps you meant to call the function " + $0 })
    }

    /// PGRST203 (300): the named arguments match several overloads.
    public static func ambiguousFunction(_ candidates: [RoutineSignature]) -> RESTError {
        RESTError(
            status: 300, code: "PGRST203",
            message: "Could not choose the best candidate function between: "
                + candidates.map(\.description).joined(separator: ", "),
            hint: "Try renaming the parameters or the function itself in the database so function overloading can be resolved")
    }

    /// PGRST204 (400): a write (body key or `columns`) names a column `relation` does not have.
    public static func columnNotFound(_ column: String, relation: String) -> RESTError {
        RESTError(status: 400, code: "PGRST204",
                  message: "Could not find the '\(column)' column of '\(relation)' in the schema cache")
    }

    /// PGRST205 (404): no table or view `schema.name`. `suggestion` is a close table name in the
    /// same schema, when the caller found one.
    public static func tableNotFound(schema: String, name: String, suggestion: String? = nil) -> RESTError {
        RESTError(status: 404, code: "PGRST205",
                  message: "Could not find the table '\(schema).\(name)' in the schema cache",
                  hint: suggestion.map { "Perhaps you meant the table '\(schema).\($0)'" })
    }
}
