import AppConfig
import Database
import SchemaCache
import TypeGeneration

/// The work behind `visionary gen types`: the types of the exposed schema, read from the live
/// (migrated) database.
public enum TypeCommands {
    public enum Language: String, Sendable, CaseIterable {
        /// The `Database` type, as Supabase's generator writes it.
        case typescript
        /// A `Codable` struct per table.
        case swift
    }

    /// `visionary gen types --lang …`. Pending migrations are applied first unless migrating
    /// is switched off (`VISIONARY_MIGRATE=false`), so the types are those of the schema the
    /// server would serve.
    public static func generate(_ language: Language, config: AppConfig) async throws -> String {
        let logger = makeLogger(config)
        return try await DatabaseHandle.using(config: config, logger: logger) { endpoint in
            try await endpoint.withPool(logger: logger) { pool in
                if config.migrateOnStart { _ = try await Migrator(migrations: try Migration.bundled(), logger: logger).migrate(pool) }
                let runner = SQLRunner(pool: pool, logger: logger)
                let cache = try await SchemaCacheLoader(database: runner).load()
                return generate(language, cache: cache, catalog: try await TypeCatalogLoader(database: runner).load())
            }
        }
    }

    /// The types of the `public` schema from what the catalog says of it; a column whose CHECK
    /// lists its values gets those values as its type.
    public static func generate(_ language: Language, cache: SchemaCache, catalog: TypeCatalog) -> String {
        let choices = catalog.checks.compactMap { ColumnChoices.parse(definition: $0.definition, schema: $0.schema, table: $0.table) }
        switch language {
        case .typescript:
            let enums = Dictionary(
                catalog.enums.filter { $0.schema == "public" }.map { ($0.name, $0.labels) }, uniquingKeysWith: { first, _ in first })
            return TypeScriptTypes(cache: cache, enums: enums, choices: choices).render()
        case .swift:
            return SwiftTypes(cache: cache, choices: choices).render()
        }
    }
}
