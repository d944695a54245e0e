import AppConfig
import Database
import Foundation
import Testing
import TestSupport
import TypeGeneration
import VisionaryApp

/// `visionary gen types --lang typescript` on the migrated schema, compiled with `tsc --strict`
/// beside a client file that uses the types as the app would, and expects the compiler to refuse
/// what the database refuses (a status the CHECK does not list, a missing required column, a
/// column that does not exist).
@Suite("visionary gen types")
struct TypeScriptTypesTests {
    @Test("CHECK definitions as PostgreSQL prints them become the column's choices; anything else does not")
    func choices() {
        let text = ColumnChoices.parse(
            definition: "CHECK ((status = ANY (ARRAY['pending'::text, 'it''s'::text, 'a]b'::text, 'all_time'::text])))", schema: "public", table: "t")
        #expect(text == ColumnChoices(schema: "public", table: "t", column: "status", values: ["pending", "it's", "a]b", "all_time"]))
        let varchar = ColumnChoices.parse(
            definition: "CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])))",
            schema: "public", table: "t")
        #expect(varchar?.column == "kind")
        #expect(varchar?.values == ["a", "b"])
        for other in [
            "CHECK ((rank >= 1))", "CHECK ((period_end >= period_start))", "CHECK ((char_length(code) = 8))",
            "CHECK (((status = ANY (ARRAY['a'::text])) OR (other = 'x'::text)))", "CHECK ((status = ANY (ARRAY[])))",
            "UNIQUE (status)", "CHECK ((status = ANY (ARRAY['a'::text, b])))",
        ] {
            #expect(ColumnChoices.parse(definition: other, schema: "public", table: "t") == nil, "\(other)")
        }
    }

    @Test("the generated Database type compiles with tsc --strict and types the app's tables as the database rules them", .timeLimit(.minutes(5)))
    func compiles() async throws {
        guard let tsc = ProcessInfo.processInfo.environment["VISIONARY_TSC"], !tsc.isEmpty else {
            Issue.record("VISIONARY_TSC is not set: it names the tsc of scripts/install-typescript.sh (make test sets it)")
            return
        }
        let types = try await TestCluster.shared.withDatabase { database in
            try await database.withPool(logger: TestCluster.logger) { pool in
                let runner = SQLRunner(pool: pool, logger: TestCluster.logger)
                let cache = try await SchemaCacheLoader(database: runner).load()
                return TypeCommands.generate(.typescript, cache: cache, catalog: try await TypeCatalogLoader(database: runner).load())
            }
        }
        for table in ["team_leaderboards", "shared_goals", "partner_connections", "partner_invitations", "print_orders", "profiles"] {
            #expect(types.contains("      \(table): {\n        Row: {"), "Tables has \(table)")
        }
        #expect(types.contains(#"period_type: "daily" | "weekly" | "monthly" | "all_time""#))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-types-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try types.write(to: folder.appendingPathComponent("database.ts"), atomically: true, encoding: .utf8)
        try Self.client.write(to: folder.appendingPathComponent("client.ts"), atomically: true, encoding: .utf8)

        let run = try await Program.run("/usr/bin/env", ["node", tsc, "--strict", "--noEmit", "--target", "es2020", "client.ts"], in: folder)
        #expect(run.status == 0, "tsc --strict:\n\(run.output)")
        #expect(!run.output.contains("error"), "\(run.output)")

        // The same client with one expected error removed must fail: the check has teeth.
        let loose = Self.client.replacingOccurrences(of: "// @ts-expect-error a status the CHECK does not list\n", with: "")
        try loose.write(to: folder.appendingPathComponent("client.ts"), atomically: true, encoding: .utf8)
        let refused = try await Program.run("/usr/bin/env", ["node", tsc, "--strict", "--noEmit", "--target", "es2020", "client.ts"], in: folder)
        #expect(refused.status != 0)
        #expect(refused.output.contains(#""yearly""#), "\(refused.output)")
    }

    /// Code as the app writes it against the generated types: reads, inserts and updates of the
    /// tables it uses, an RPC's arguments and result, and what the compiler must refuse.
    static let client = """
        import type { Database, Tables, TablesInsert, TablesUpdate } from "./database"

        type Leaderboard = Tables<"team_leaderboards">
        const row = {} as Leaderboard
        const period: "daily" | "weekly" | "monthly" | "all_time" = row.period_type
        const rank: number = row.rank
        const name: string | null = row.user_name
        // @ts-expect-error a status the CHECK does not list
        const yearly: Leaderboard["period_type"] = "yearly"

        const order: TablesInsert<"print_orders"> = {
          user_id: "00000000-0000-0000-0000-000000000000",
          product_id: "00000000-0000-0000-0000-000000000000",
          shipping_address: { name: "Ada", city: "London" },
          subtotal: 10, shipping: 5, total: 15,
        }
        const shipped: TablesUpdate<"print_orders"> = { status: "shipped", tracking_number: null }
        // @ts-expect-error a print order needs its product
        const incomplete: TablesInsert<"print_orders"> = { user_id: "x", shipping_address: {}, subtotal: 1, shipping: 1, total: 2 }
        // @ts-expect-error no such column
        const unknown: TablesUpdate<"shared_goals"> = { colour: "red" }

        const goal: Tables<"shared_goals">["status"] = "completed"
        const connection: Tables<"partner_connections">["status"] = "ended"
        const invitation: Tables<"partner_invitations">["status"] = "declined"
        const credits: Database["public"]["Functions"]["decrement_user_credits"]["Returns"] = true
        const noArgs: Database["public"]["Functions"]["decrement_user_credits"]["Args"] = {}

        export const used = [period, rank, name, yearly, order, shipped, incomplete, unknown, goal, connection, invitation, credits, noArgs]
        """
}
