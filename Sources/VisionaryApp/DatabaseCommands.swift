import AppConfig
import Database
import Foundation
import Logging

/// The work behind `visionary migrate` and `visionary db …`.
public enum DatabaseCommands {
    /// Applies pending migrations to the configured database; returns the versions applied.
    public static func migrate(config: AppConfig, logger: Logger) async throws -> [Int] {
        let database = try await DatabaseHandle.open(config: config, logger: logger)
        do {
            let applied = try await database.endpoint.withPool(logger: logger) { pool in
                try await Migrator(migrations: try Migration.bundled(), logger: logger).migrate(pool)
            }
            await database.close()
            return applied
        } catch {
            await database.close()
            throw error
        }
    }

    /// The database's endpoint, starting the embedded cluster in the background if it is down.
    public static func runningEndpoint(config: AppConfig, logger: Logger) async throws -> DatabaseEndpoint {
        if let url = config.databaseURL { return try DatabaseEndpoint(url: url) }
        let cluster = try EmbeddedCluster.locate(config: config)
        return try cluster.endpoint(port: try await cluster.startDetached(logger: logger))
    }

    /// Deletes all data and migrates afresh: the embedded cluster is recreated; an external
    /// database loses its schemas.
    public static func reset(config: AppConfig, logger: Logger) async throws {
        if config.databaseURL == nil {
            let cluster = try EmbeddedCluster.locate(config: config)
            let wasRunning = cluster.runningPort() != nil
            try cluster.destroy()
            if wasRunning { _ = try await cluster.startDetached(logger: logger) }
        } else {
            try await DatabaseEndpoint(url: config.databaseURL ?? "").dropSchemas(logger: logger)
        }
        _ = try await migrate(config: config, logger: logger)
    }

    /// psql from the embedded binaries when present, else from the PATH.
    public static func psqlPath(config: AppConfig) -> String {
        if let bin = try? EmbeddedCluster.findBinaries(config: config) { return bin + "/psql" }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(folder)/psql"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/psql"
    }
}
