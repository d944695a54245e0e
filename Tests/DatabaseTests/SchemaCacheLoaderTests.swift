import Database
import SchemaCache
import Testing
import TestSupport

@Suite("Schema cache")
struct SchemaCacheLoaderTests {
    @Test("reads relations, columns with per-role readability, keys, foreign keys and callable functions")
    func loads() async throws {
        let database = try await TestCluster.shared.makeDatabase()
        let cache = try await database.withClient(logger: TestCluster.logger) { client in
            try await SchemaCacheLoader(database: SQLRunner(client: client, logger: TestCluster.logger)).load()
        }
        #expect(cache.relations.count == 39)
        let profiles = try #require(cache.relation("public", "profiles"))
        #expect(profiles.primaryKey == ["id"])
        #expect(profiles.column("credits")?.type == "integer")
        #expect(profiles.column("credits")?.nullable == false)
        #expect(profiles.column("credits")?.hasDefault == true)

        let habits = try #require(cache.relation("public", "habits"))
        #expect(habits.foreignKeys.contains { $0.columns == ["task_id"] && $0.referencedTable == "action_tasks" })
        let completions = try #require(cache.relation("public", "habit_completions"))
        #expect(completions.uniqueKeys.contains(["habit_id", "completed_on"]))
        #expect(cache.foreignKeys(touching: habits).contains { $0.table == "habit_completions" })

        let plaid = try #require(cache.relation("public", "plaid_items"))
        #expect(plaid.column("access_token_encrypted")?.readableBy == ["service_role"])
        #expect(plaid.column("status")?.readableBy.contains("authenticated") == true)
        #expect(cache.relation("public", "print_products")?.column("name")?.readableBy.contains("anon") == true)
        let chunks = try #require(cache.relation("public", "user_knowledge_chunks"))
        #expect(chunks.column("chunk_tsv")?.generated == true)
        #expect(chunks.column("embedding")?.type == "extensions.vector(1536)")

        let decrement = try #require(cache.routines("public", "decrement_user_credits").first)
        #expect(decrement.returnType == "boolean")
        #expect(decrement.parameters.isEmpty)
        #expect(decrement.volatility == .volatile)
        let search = try #require(cache.routines("public", "hybrid_search_knowledge_chunks").first)
        #expect(search.parameters.map(\.name) == ["p_query_text", "p_query_embedding", "p_limit"])
        #expect(search.parameters.last?.hasDefault == true)
        #expect(search.returnsSet && search.returnsComposite)
        #expect(cache.routines("public", "set_updated_at").isEmpty, "trigger functions are not callable")
        #expect(cache.routines("public", "enforce_order_status").isEmpty)
        try await TestCluster.shared.dropDatabase(database)
    }
}
