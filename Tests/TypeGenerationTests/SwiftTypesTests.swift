import Core
import Database
import Foundation
import Testing
import TestSupport
import VisionaryApp

/// `visionary gen types --lang swift` on the migrated schema: the structs compile, decode the
/// rows PostgreSQL writes as JSON (the seeded catalogues), and refuse a value the CHECK refuses.
@Suite("visionary gen types --lang swift")
struct SwiftTypesTests {
    @Test("the structs compile, decode real rows, and their CHECK enums refuse other values", .timeLimit(.minutes(5)))
    func compilesAndDecodes() async throws {
        let (types, rows) = try await TestCluster.shared.withDatabase { database in
            try await database.withPool(logger: TestCluster.logger) { pool in
                let runner = SQLRunner(pool: pool, logger: TestCluster.logger)
                let cache = try await SchemaCacheLoader(database: runner).load()
                let types = TypeCommands.generate(.swift, cache: cache, catalog: try await TypeCatalogLoader(database: runner).load())
                let rows = try await runner.text(SQLStatement("""
                    SELECT json_build_object('products', (SELECT json_agg(p) FROM public.print_products p),
                                             'themes', (SELECT json_agg(t) FROM public.motivational_themes t))::text
                    """)) ?? "{}"
                return (types, rows)
            }
        }
        #expect(types.contains("public struct TeamLeaderboard: Codable, Sendable, Hashable {"))
        #expect(types.contains("case allTime = \"all_time\""))
        for name in ["SharedGoal", "PartnerConnection", "PartnerInvitation", "PrintOrder", "Profile"] {
            #expect(types.contains("public struct \(name): Codable"), "\(name)")
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-swift-types-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try types.write(to: folder.appendingPathComponent("Database.swift"), atomically: true, encoding: .utf8)
        try rows.write(to: folder.appendingPathComponent("rows.json"), atomically: true, encoding: .utf8)
        try Self.main.write(to: folder.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)

        let build = try await Program.run(
            "/usr/bin/env", ["swiftc", "-Onone", "Database.swift", "main.swift", "-o", "decode"], in: folder)
        #expect(build.status == 0, "swiftc:\n\(build.output)")
        let decoded = try await Program.run(folder.appendingPathComponent("decode").path, ["rows.json"], in: folder)
        #expect(decoded.status == 0, "\(decoded.output)")
        let counts = try JSONSerialization.jsonObject(with: Data(rows.utf8)) as? [String: [Any]] ?? [:]
        let expected = "products \(counts["products"]?.count ?? -1), themes \(counts["themes"]?.count ?? -1)"
        #expect((counts["products"]?.count ?? 0) > 0 && (counts["themes"]?.count ?? 0) > 0, "the catalogues are seeded")
        #expect(decoded.output.contains(expected), "\(decoded.output)")

        // A value the CHECK does not list does not compile.
        try (Self.main + "\nlet yearly: TeamLeaderboard.PeriodType = .yearly\n")
            .write(to: folder.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        let refused = try await Program.run("/usr/bin/env", ["swiftc", "-typecheck", "Database.swift", "main.swift"], in: folder)
        #expect(refused.status != 0)
        #expect(refused.output.contains("yearly"), "\(refused.output)")
    }

    /// Decodes the rows PostgreSQL wrote and uses the types as a client would.
    static let main = """
        import Foundation

        struct Rows: Decodable {
            let products: [PrintProduct]
            let themes: [MotivationalTheme]
        }

        let rows = try JSONDecoder().decode(Rows.self, from: Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1])))
        let period: TeamLeaderboard.PeriodType = .allTime
        let status: PrintOrder.Status = .shipped
        let goal: SharedGoal.Status = .completed
        let connection: PartnerConnection.Status = .ended
        let invitation: PartnerInvitation.Status = .declined
        let price: Double = rows.products[0].basePrice
        let id: UUID = rows.products[0].id
        precondition(TeamLeaderboard.PeriodType(rawValue: "yearly") == nil)
        precondition(rows.products.allSatisfy { $0.basePrice > 0 })
        print("products \\(rows.products.count), themes \\(rows.themes.count)", period, status, goal, connection, invitation, price, id)
        """
}
