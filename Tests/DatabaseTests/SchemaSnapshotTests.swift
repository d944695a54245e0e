import Database
import Foundation
import PostgresNIO
import Testing
import TestSupport

/// `schema/` holds one file per table with every rule that governs it, written by `make schema`
/// (scripts/schema-snapshot.sh). This test runs the same query, scripts/schema-snapshot.sql,
/// against a freshly migrated database and fails, naming the files, when the folder no longer
/// matches the migrations byte for byte.
@Suite("Schema snapshot")
struct SchemaSnapshotTests {
    /// The repository, found from this file: Tests/DatabaseTests/SchemaSnapshotTests.swift.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("schema/ is the snapshot of the migrations (run make schema when it is not)")
    func snapshotIsCurrent() async throws {
        let script = try String(
            contentsOf: Self.repository.appendingPathComponent("scripts/schema-snapshot.sql"), encoding: .utf8)
        let statements = SQLScript.statements(in: script)
        let query = try #require(statements.last, "scripts/schema-snapshot.sql has no query")
        let database = try await TestCluster.shared.makeDatabase()
        let generated: [String: String] = try await TestCluster.withConnection(database) { connection in
            for setting in statements.dropLast() {
                try await connection.execute(PostgresQuery(unsafeSQL: setting), logger: TestCluster.logger)
            }
            var files: [String: String] = [:]
            let rows = try await connection.query(PostgresQuery(unsafeSQL: query), logger: TestCluster.logger)
            for try await (file, text) in rows.decode((String, String).self) {
                files[file] = text
            }
            return files
        }
        try await TestCluster.shared.dropDatabase(database)
        #expect(!generated.isEmpty, "the snapshot query returned no tables")

        let folder = Self.repository.appendingPathComponent("schema")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let present = Set(names.filter { $0.hasSuffix(".sql") })
        var stale: [String] = []
        for file in present.union(generated.keys).sorted() {
            let onDisk = try? Data(contentsOf: folder.appendingPathComponent(file))
            guard let text = generated[file] else {
                stale.append("\(file) (no such table)")
                continue
            }
            guard let onDisk else {
                stale.append("\(file) (missing)")
                continue
            }
            if onDisk != Data(text.utf8) { stale.append("\(file) (differs)") }
        }
        #expect(
            stale.isEmpty,
            "schema/ does not match the migrations; run make schema. Files: \(stale.joined(separator: ", "))")
    }
}
