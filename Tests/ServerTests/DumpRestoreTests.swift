import AppConfig
import Database
import Foundation
import PostgresNIO
import Testing
import TestSupport
import VisionaryApp

/// `visionary db dump` and `visionary db restore` with the embedded distribution's tools.
@Suite("visionary db dump and restore")
struct DumpRestoreTests {
    @Test("a dump restores what it held, over other data or into an empty database; a broken dump changes nothing", .timeLimit(.minutes(5)))
    func roundTrip() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-dump-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dump = folder + "/backup.dump"

        try await TestCluster.shared.withDatabase { database in
            let config = TestCluster.commandConfig(on: database)
            try await Self.sql(database, """
                INSERT INTO auth.users (id, email) VALUES ('00000000-0000-4000-8000-0000000000a1', 'kept@dump.test');
                INSERT INTO public.vision_boards (user_id, prompt, image_url) VALUES ('00000000-0000-4000-8000-0000000000a1', 'a house by the sea', 'visions/a1.png')
                """)
            let before = try await Self.state(database)
            #expect(try await DatabaseCommands.dump(config: config, to: dump) == "dumped the database to \(dump)")

            try await Self.sql(database, """
                DELETE FROM auth.users;
                INSERT INTO auth.users (id, email) VALUES ('00000000-0000-4000-8000-0000000000b2', 'later@dump.test')
                """)
            #expect(try await DatabaseCommands.restore(config: config, from: dump) == "restored the database from \(dump)")
            #expect(try await Self.state(database) == before)

            // A dump cut short fails before anything is dropped; so does a file that is no dump.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dump))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: folder + "/cut.dump"))
            try Data("no dump at all".utf8).write(to: URL(fileURLWithPath: folder + "/text.dump"))
            for broken in ["cut.dump", "text.dump", "missing.dump"] {
                await #expect(throws: (any Error).self) { try await DatabaseCommands.restore(config: config, from: folder + "/" + broken) }
                #expect(try await Self.state(database) == before, "\(broken)")
            }
        }

        // Into a database that was never migrated.
        try await TestCluster.shared.withDatabase(migrated: false) { empty in
            _ = try await DatabaseCommands.restore(config: TestCluster.commandConfig(on: empty), from: dump)
            let state = try await Self.state(empty)
            #expect(state.contains("kept@dump.test"))
            #expect(state.contains("a house by the sea"))
        }
    }

    static func sql(_ database: DatabaseEndpoint, _ statements: String) async throws {
        try await TestCluster.withConnection(database) { connection in
            for statement in statements.split(separator: ";\n") {
                _ = try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: TestCluster.logger).collect()
            }
        }
    }

    /// The users, boards, policies and applied migrations, as one text to compare.
    static func state(_ database: DatabaseEndpoint) async throws -> String {
        try await TestCluster.withConnection(database) { connection in
            try await connection.query("""
                SELECT concat_ws(' | ',
                  (SELECT string_agg(email, ',' ORDER BY email) FROM auth.users),
                  (SELECT string_agg(prompt, ',' ORDER BY prompt) FROM public.vision_boards),
                  (SELECT count(*) FROM public.profiles)::text,
                  (SELECT count(*) FROM pg_policies)::text,
                  (SELECT count(*) FROM internal.schema_migrations)::text,
                  (SELECT count(*) FROM public.print_products)::text)
                """, logger: TestCluster.logger).collect().first?.decode(String.self) ?? ""
        }
    }
}
