import Core
import Foundation

/// What generated types need beyond the schema cache, read from the catalog in one statement:
/// each exposed schema's enum types with their labels, and the CHECK constraints that govern
/// exactly one column of a table (as `pg_get_constraintdef` prints them).
public struct TypeCatalog: Sendable, Decodable, Equatable {
    public struct Check: Sendable, Decodable, Equatable {
        public var schema: String
        public var table: String
        public var definition: String
    }

    public struct EnumType: Sendable, Decodable, Equatable {
        public var schema: String
        public var name: String
        public var labels: [String]
    }

    public var checks: [Check]
    public var enums: [EnumType]
}

public struct TypeCatalogLoader: Sendable {
    let database: SQLRunner
    let schemas: [String]

    public init(database: SQLRunner, schemas: [String] = ["public"]) {
        self.database = database
        self.schemas = schemas
    }

    public func load() async throws -> TypeCatalog {
        let text = try await database.text(SQLStatement(Self.query, [.textArray(schemas)]))
        return try JSONDecoder().decode(TypeCatalog.self, from: Data((text ?? #"{"checks":[],"enums":[]}"#).utf8))
    }

    static let query = """
        SELECT jsonb_build_object(
          'checks', coalesce((
            SELECT jsonb_agg(jsonb_build_object('schema', n.nspname, 'table', c.relname, 'definition', pg_get_constraintdef(k.oid))
                             ORDER BY n.nspname, c.relname, k.conname)
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE k.contype = 'c' AND cardinality(k.conkey) = 1 AND n.nspname = ANY ($1::text[])
          ), '[]'::jsonb),
          'enums', coalesce((
            SELECT jsonb_agg(jsonb_build_object('schema', n.nspname, 'name', t.typname,
                             'labels', (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
                             ORDER BY n.nspname, t.typname)
            FROM pg_type t
            JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typtype = 'e' AND n.nspname = ANY ($1::text[])
          ), '[]'::jsonb)
        )::text
        """
}
