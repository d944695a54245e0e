import Database
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("Migrations")
struct MigrationTests {
    let logger = TestCluster.logger

    @Test("apply to an empty database in order; a second run is a no-op")
    func appliesThenNoOp() async throws {
        try await TestCluster.shared.withDatabase(migrated: false) { database in
            let migrations = try Migration.bundled()
            #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
            #expect(migrations.first?.version == 1)
            try await database.withClient(logger: logger) { client in
                let migrator = Migrator(migrations: migrations, logger: logger)
                let first = try await migrator.migrate(client)
                #expect(first == migrations.map(\.version))
                let second = try await migrator.migrate(client)
                #expect(second.isEmpty)
                let recorded = try await client.query(
                    "SELECT count(*)::int FROM internal.schema_migrations", logger: logger
                ).collect().first?.decode(Int.self)
                #expect(recorded == migrations.count)
            }
        }
    }

    @Test("a migration changed after it was applied is refused")
    func tamperedIsRefused() async throws {
        try await TestCluster.shared.withDatabase(migrated: false) { database in
            let migrations = try Migration.bundled()
            var tampered = migrations
            tampered[0] = Migration(version: migrations[0].version, name: migrations[0].name, sql: migrations[0].sql + "\n-- edited\n")
            try await database.withClient(logger: logger) { [tampered] client in
                try await Migrator(migrations: migrations, logger: logger).migrate(client)
                await #expect(throws: MigrationError.self) {
                    try await Migrator(migrations: tampered, logger: logger).migrate(client)
                }
            }
        }
    }

    @Test("a failing migration leaves nothing behind and is not recorded")
    func failureRollsBack() async throws {
        try await TestCluster.shared.withDatabase(migrated: true) { database in
            let broken = Migration(version: 9_999, name: "broken", sql: """
                CREATE TABLE public.half_done (id int);
                SELECT no_such_function();
                """)
            try await database.withClient(logger: logger) { client in
                await #expect(throws: MigrationError.self) {
                    try await Migrator(migrations: try Migration.bundled() + [broken], logger: logger).migrate(client)
                }
                let leftovers = try await client.query(
                    "SELECT (to_regclass('public.half_done') IS NOT NULL), (SELECT count(*)::int FROM internal.schema_migrations WHERE version = 9999)",
                    logger: logger
                ).collect().first?.decode((Bool, Int).self)
                #expect(leftovers?.0 == false)
                #expect(leftovers?.1 == 0)
            }
        }
    }

    @Test("servers migrating at once take turns; each migration applies exactly once")
    func concurrentMigratorsTakeTurns() async throws {
        try await TestCluster.shared.withDatabase(migrated: false) { database in
            let migrations = try Migration.bundled()
            let logger = logger
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await database.withClient(logger: logger) { client in
                            try await Migrator(migrations: migrations, logger: logger).migrate(client)
                        }
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            #expect(results.flatMap { $0 }.sorted() == migrations.map(\.version))
        }
    }
}
