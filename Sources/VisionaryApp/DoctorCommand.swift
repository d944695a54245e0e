import AppConfig
import Database
import Doctor
import Foundation

/// The work behind `visionary doctor`: the live database report, graded by the rules of the
/// `Doctor` module. It reads the database as it is — nothing is migrated first, since whether
/// the migrations are current is part of the report.
public enum DoctorCommand {
    public enum Format: String, Sendable, CaseIterable {
        case markdown
        case json
    }

    /// The report on the configured database.
    public static func report(config: AppConfig) async throws -> DoctorReport {
        let logger = makeLogger(config)
        let bundled = try Migration.bundled().map { BundledMigration(version: $0.version, name: $0.name, checksum: $0.checksum) }
        return try await DatabaseHandle.using(config: config, logger: logger) { endpoint in
            try await endpoint.withPool(logger: logger) { pool in
                let facts = try await DoctorFactsLoader(database: SQLRunner(pool: pool, logger: logger)).load()
                return DoctorReport(facts: facts, bundledMigrations: bundled)
            }
        }
    }

    /// The report as text in `format`.
    public static func render(_ report: DoctorReport, as format: Format) -> String {
        switch format {
        case .markdown: return MarkdownReport(report).render()
        case .json: return JSONReport(report).render()
        }
    }

    /// The exit status for CI: 2 when the report has a HIGH finding, else 0.
    public static func exitStatus(of report: DoctorReport) -> Int32 {
        report.hasHighFindings ? 2 : 0
    }
}
