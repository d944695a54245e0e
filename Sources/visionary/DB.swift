import AppConfig
import ArgumentParser
import Database
import Foundation
import VisionaryApp

/// `visionary db …`: the database the server uses.
struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the database: start, stop, status, url, reset, psql.",
        subcommands: [Start.self, Stop.self, Status.self, URLCommand.self, Reset.self, PSQL.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the embedded PostgreSQL in the background.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors {
                let config = try options.config()
                let cluster = try EmbeddedCluster.locate(config: config)
                let port = try await cluster.startDetached(logger: makeLogger(config))
                print("embedded PostgreSQL running on 127.0.0.1:\(port)")
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded PostgreSQL.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors {
                let cluster = try EmbeddedCluster.locate(config: try options.config())
                print(try cluster.stop() ? "embedded PostgreSQL stopped" : "embedded PostgreSQL was not running")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the database is running.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors {
                let config = try options.config()
                if let url = config.databaseURL {
                    print("external database: \(AppConfig.redactingPassword(url))")
                    return
                }
                let cluster = try EmbeddedCluster.locate(config: config)
                if let port = cluster.runningPort() {
                    print("embedded PostgreSQL running on 127.0.0.1:\(port) (data: \(cluster.clusterDirectory))")
                } else {
                    print("embedded PostgreSQL stopped (data: \(cluster.clusterDirectory))")
                    throw ExitCode(3)
                }
            }
        }
    }

    struct URLCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "url",
            abstract: "Print the database URL (last line); starts the embedded PostgreSQL if needed.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors {
                let config = try options.config()
                print(try await DatabaseCommands.runningEndpoint(config: config, logger: makeLogger(config)).url)
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete all data and recreate the schema from the migrations.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Required when DATABASE_URL points at an external database.")
        var yes = false

        func run() async throws {
            try await reportingErrors {
                let config = try options.config()
                if config.databaseURL != nil && !yes {
                    throw ValidationError("db reset drops every schema of the external database; add --yes to confirm")
                }
                try await DatabaseCommands.reset(config: config, logger: makeLogger(config))
                print("database recreated and migrated")
            }
        }
    }

    struct PSQL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "psql", abstract: "Open psql on the database (extra arguments go to psql).")
        @OptionGroup var options: ConfigOptions
        @Argument(parsing: .captureForPassthrough) var psqlArguments: [String] = []

        func run() async throws {
            try await reportingErrors {
                let config = try options.config()
                let endpoint = try await DatabaseCommands.runningEndpoint(config: config, logger: makeLogger(config))
                let psql = DatabaseCommands.psqlPath(config: config)
                let passthrough = psqlArguments.first == "--" ? Array(psqlArguments.dropFirst()) : psqlArguments
                let arguments = [psql, "--dbname=" + endpoint.url] + passthrough
                let cArguments = arguments.map { strdup($0) } + [nil]
                execv(psql, cArguments)
                throw ValidationError("cannot run \(psql): \(String(cString: strerror(errno)))")
            }
        }
    }
}
