import Database
import Foundation
import PostgresNIO
import Testing
import TestSupport

/// Runs every SQL test file (`SQL/NNNN_topic.sql`) against its own freshly migrated database:
/// the prelude (`tests.*` helpers) first, then the file's statements in one transaction that is
/// rolled back. A file passes when no statement raises; each assertion names what it checks.
@Suite("SQL test files")
struct SQLFileTests {
    static let folder = Bundle.module.url(forResource: "SQL", withExtension: nil)

    static let files: [String] = {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.filter { $0.hasSuffix(".sql") && $0 != "prelude.sql" }.sorted()
    }()

    @Test("the SQL test files are bundled")
    func filesArePresent() {
        #expect(Self.folder != nil)
        #expect(!Self.files.isEmpty)
    }

    @Test("SQL test file", arguments: files)
    func run(file: String) async throws {
        let folder = try #require(Self.folder)
        let prelude = try String(contentsOf: folder.appendingPathComponent("prelude.sql"), encoding: .utf8)
        let script = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        try await TestCluster.shared.withDatabase { database in
            try await TestCluster.withConnection(database) { connection in
                for statement in SQLScript.statements(in: prelude) {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
                }
                try await connection.execute("BEGIN", logger: TestCluster.logger)
                for (index, statement) in SQLScript.statements(in: script).enumerated() {
                    do {
                        try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
                    } catch {
                        Issue.record("\(file), statement \(index + 1): \(DatabaseErrorText.describe(error))\n  \(statement.prefix(400))")
                        break
                    }
                }
                try await connection.execute("ROLLBACK", logger: TestCluster.logger)
            }
        }
    }
}
