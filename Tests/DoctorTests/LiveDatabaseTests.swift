import AppConfig
import Core
import Database
import Doctor
import Foundation
import Testing
import TestSupport
import VisionaryApp

/// `visionary doctor` on real databases: the migrated schema passes (no HIGH finding), and a
/// copy of it with problems planted has each one found, with its severity and location, and
/// makes the command exit with status 2.
@Suite("Doctor: the live database report")
struct LiveDatabaseTests {
    @Test("the migrated schema: no HIGH finding, every table in the inventory, migrations current, seeds counted", .timeLimit(.minutes(5)))
    func migratedSchema() async throws {
        try await TestCluster.shared.withDatabase { database in
            let report = try await DoctorCommand.report(config: TestCluster.commandConfig(on: database))
            #expect(report.count(.high) == 0, "\(report.findings.filter { $0.severity == .high })")
            #expect(DoctorCommand.exitStatus(of: report) == 0)

            // What the catalog lists, asked independently of the loader.
            let listed = try await database.withPool(logger: TestCluster.logger) { pool in
                try await SQLRunner(pool: pool, logger: TestCluster.logger).text(SQLStatement("""
                    SELECT json_agg(n.nspname || '.' || c.relname ORDER BY 1)::text FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname IN ('public', 'auth', 'storage', 'internal') AND c.relkind IN ('r', 'p')
                    """))
            }
            let tables = try JSONDecoder().decode([String].self, from: Data((listed ?? "[]").utf8))
            let inventoried = report.inventory.flatMap(\.tables).map(\.qualifiedName)
            #expect(tables.filter { $0.hasPrefix("public.") }.count >= 39)
            #expect(inventoried.sorted() == tables.sorted())
            #expect(report.inventory.first { $0.area == .other } == nil, "every table of the schema has its feature area")

            #expect(report.migrations.isCurrent)
            #expect(report.migrations.appliedCount == (try Migration.bundled()).count)
            let seeds = report.inventory.flatMap(\.tables).filter { SeededCatalogues.tables.contains($0.qualifiedName) }
            #expect(seeds.count == SeededCatalogues.tables.count)
            #expect(seeds.allSatisfy { $0.rowsAreExact && ($0.rows ?? 0) > 0 }, "\(seeds)")
            #expect(report.scorecard.practices.first { $0.name == "Vector indexes" }?.detail.contains("hnsw") == true)
            #expect(report.policyAnalysis.patterns.first { $0.pattern == .ownership }.map { $0.policies > 50 } == true)

            let json = try JSONSerialization.jsonObject(with: Data(DoctorCommand.render(report, as: .json).utf8)) as? [String: Any]
            let summary = json?["summary"] as? [String: Any]
            #expect(summary?["hasHighFindings"] as? Bool == false)
            #expect((json?["findings"] as? [Any])?.count == report.findings.count)
            #expect((summary?["tables"] as? Int) == tables.count)
        }
    }

    @Test("planted problems are each found with their severity and location, and the command exits with status 2", .timeLimit(.minutes(5)))
    func plantedProblems() async throws {
        try await TestCluster.shared.withDatabase { database in
            try await database.withPool(logger: TestCluster.logger) { pool in
                let runner = SQLRunner(pool: pool, logger: TestCluster.logger)
                for statement in Self.planted.split(separator: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                    try await runner.execute(SQLStatement(String(statement)))
                }
            }
            let report = try await DoctorCommand.report(config: TestCluster.commandConfig(on: database))
            let found = Set(report.findings.map { "\($0.severity.rawValue) \($0.rule.rawValue) \($0.location)" })
            let expected = [
                "HIGH rls-disabled public.planted_open",
                "MEDIUM rls-without-policy public.planted_locked",
                "HIGH policy-always-true-write public.planted_notes (policy planted_notes_update_any)",
                "HIGH definer-search-path public.planted_definer()",
                "MEDIUM function-public-execute public.planted_callable(text)",
                "MEDIUM foreign-key-unindexed public.planted_notes(user_id)",
                "MEDIUM index-duplicate public.planted_notes_created_b",
                "HIGH secret-plaintext public.planted_notes.api_token",
                "MEDIUM updated-at-without-trigger public.planted_notes",
            ]
            for finding in expected {
                #expect(found.contains(finding), "\(finding) not in \(found.filter { $0.contains("planted") }.sorted())")
            }
            #expect(report.count(.high) == 4, "\(report.findings.filter { $0.severity == .high })")
            #expect(DoctorCommand.exitStatus(of: report) == 2)
            #expect(report.inventory.first { $0.area == .other }?.tables.map(\.name) == ["planted_locked", "planted_notes", "planted_open"])

            // The command itself, as CI runs it: the report is printed, and the status is 2.
            let run = try await Self.visionary(["doctor", "--json", "--database-url", database.url])
            #expect(run.status == 2, "\(run.output)")
            let json = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
            let counts = (json?["summary"] as? [String: Any])?["findings"] as? [String: Int]
            #expect(counts?["HIGH"] == 4)
        }
    }

    @Test("the command exits with status 0 and prints Markdown on the migrated schema", .timeLimit(.minutes(5)))
    func commandOnMigratedSchema() async throws {
        try await TestCluster.shared.withDatabase { database in
            let run = try await Self.visionary(["doctor", "--database-url", database.url])
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.hasPrefix("# Database report: \(database.database)\n"))
            #expect(run.output.contains("**No HIGH findings.**"))
        }
    }

    /// Problems of every kind the doctor must find, on a copy of the migrated schema (statements
    /// end with `;` and a line break).
    static let planted = """
        CREATE TABLE public.planted_open (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.planted_open FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
        GRANT SELECT ON public.planted_open TO anon, authenticated;

        CREATE TABLE public.planted_locked (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.planted_locked FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
        ALTER TABLE public.planted_locked ENABLE ROW LEVEL SECURITY;
        GRANT SELECT, INSERT ON public.planted_locked TO authenticated;

        CREATE TABLE public.planted_notes (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
          api_token text,
          created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
        ALTER TABLE public.planted_notes ENABLE ROW LEVEL SECURITY;
        GRANT SELECT, UPDATE ON public.planted_notes TO authenticated;
        CREATE POLICY planted_notes_select ON public.planted_notes FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
        CREATE POLICY planted_notes_update_any ON public.planted_notes FOR UPDATE TO authenticated USING (true);
        CREATE INDEX planted_notes_created_a ON public.planted_notes (created_at);
        CREATE INDEX planted_notes_created_b ON public.planted_notes (created_at);

        CREATE FUNCTION public.planted_definer() RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
        CREATE FUNCTION public.planted_callable(p text) RETURNS text LANGUAGE sql AS 'SELECT p';
        GRANT EXECUTE ON FUNCTION public.planted_callable(text) TO PUBLIC
        """

    /// Runs the `visionary` binary built beside the tests; its output is what it printed.
    static func visionary(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("visionary")
        return try await Program.run(executable.path, arguments + ["--log-level", "error"])
    }
}
