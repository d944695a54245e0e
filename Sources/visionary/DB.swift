import AppConfig
import ArgumentParser
import VisionaryApp

/// `visionary db …`: the database the server uses.
struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the database: start, stop, status, url, reset, psql, dump, restore.",
        subcommands: [Start.self, Stop.self, Status.self, URLCommand.self, Reset.self, PSQL.self, Dump.self, Restore.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the embedded PostgreSQL in the background.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors {
                print(try await DatabaseCommands.start(config: try options.config()))
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded PostgreSQL.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors {
                print(try DatabaseCommands.stop(config: try options.config()))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the database is running.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors {
                let status = try DatabaseCommands.status(config: try options.config())
                print(status.line)
                if !status.isRunning { throw ExitCode(3) }
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
                print(try await DatabaseCommands.url(config: try options.config()))
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
                try confirmExternal(config, yes: yes, "db reset drops every schema of the external database")
                print(try await DatabaseCommands.reset(config: config))
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
                let passthrough = psqlArguments.first == "--" ? Array(psqlArguments.dropFirst()) : psqlArguments
                // Returns only when psql could not be started.
                throw ValidationError(try await DatabaseCommands.psql(config: try options.config(), arguments: passthrough))
            }
        }
    }

    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the whole database in pg_dump's custom format (to standard output without --file).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The file to write.") var file: String?

        func run() async throws {
            try await reportingErrors {
                let said = try await DatabaseCommands.dump(config: try options.config(), to: file)
                if !said.isEmpty { print(said) }
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace everything in the database with a dump of `db dump`, then migrate.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The dump to restore.") var file: String
        @Flag(help: "Required when DATABASE_URL points at an external database.")
        var yes = false

        func run() async throws {
            try await reportingErrors {
                let config = try options.config()
                try confirmExternal(config, yes: yes, "db restore replaces every schema of the external database")
                print(try await DatabaseCommands.restore(config: config, from: file))
            }
        }
    }
}

/// A command that destroys data goes on against an external database (`DATABASE_URL`) only
/// with `--yes`; `consequence` says what it would do.
func confirmExternal(_ config: AppConfig, yes: Bool, _ consequence: String) throws {
    if config.databaseURL != nil && !yes { throw ValidationError("\(consequence); add --yes to confirm") }
}
