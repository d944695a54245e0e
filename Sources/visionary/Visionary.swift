import AppConfig
import ArgumentParser
import Foundation
import VisionaryApp

/// The process entry: the event loops are sized and run every Swift task, then the command line runs.
@main
enum Entry {
    static func main() async {
        EventLoops.install(environment: ProcessInfo.processInfo.environment)
        await Visionary.main()
    }
}

/// The `visionary` command line: parses flags into an `AppConfig` and hands over.
struct Visionary: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "visionary",
        abstract: "Visionary Server: Supabase-compatible Auth, REST, Storage and Functions over PostgreSQL.",
        version: version,
        subcommands: [Serve.self, Migrate.self, DB.self, Keys.self, SecretsCommand.self, SigningKeysCommand.self, KnowledgeCommand.self, Gen.self, Doctor.self, Worker.self, JobsCommand.self, Mail.self, Version.self, DumpConfig.self],
        defaultSubcommand: Serve.self
    )
}

/// Flags shared by every command; each overrides its environment variable.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Address to bind (VISIONARY_HOST, default 127.0.0.1).")
    var host: String?
    @Option(help: "HTTP port (VISIONARY_PORT, default 54321).")
    var port: Int?
    @Option(help: "Data folder (VISIONARY_DATA_DIR, default .visionary).")
    var dataDir: String?
    @Option(help: "PostgreSQL URL (DATABASE_URL); default: the embedded cluster.")
    var databaseURL: String?
    @Option(help: "Port of the embedded PostgreSQL (VISIONARY_DB_PORT, default: a free port).")
    var dbPort: Int?
    @Option(help: "Folder of the PostgreSQL binaries (VISIONARY_PG_BIN).")
    var pgBin: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (VISIONARY_LOG_LEVEL).")
    var logLevel: String?

    func config() throws -> AppConfig {
        var config = try AppConfig(
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath)
        if let host { config.host = host }
        if let port { config.port = port }
        if let dataDir { config.dataDirectory = dataDir }
        if let databaseURL { config.databaseURL = databaseURL }
        if let dbPort { config.embeddedDatabasePort = dbPort }
        if let pgBin { config.postgresBinDirectory = pgBin }
        if let logLevel { config.logLevel = logLevel }
        try config.validate()
        return config
    }
}

/// Runs a command body, turning known failures into one clear line and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CleanExit {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(ServerCommands.describe(error))\n".utf8))
        throw ExitCode.failure
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API (starts the embedded PostgreSQL unless DATABASE_URL is set).")
    @OptionGroup var options: ConfigOptions
    @Flag(inversion: .prefixedNo, help: "Apply pending migrations before serving (VISIONARY_MIGRATE).")
    var migrate: Bool?

    func run() async throws {
        try await reportingErrors {
            var config = try options.config()
            if let migrate { config.migrateOnStart = migrate }
            try await ServerCommands.serve(config: config)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await reportingErrors {
            print(try await DatabaseCommands.migrate(config: try options.config()))
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the anon and service_role API keys.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await reportingErrors {
            print(try ServerCommands.keys(config: try options.config()))
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the server's version.")
    func run() { print("visionary \(Visionary.version)") }
}

struct DumpConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump-config", abstract: "Print the effective configuration, secrets redacted.")
    @OptionGroup var options: ConfigOptions

    func run() throws {
        print(ServerCommands.settings(config: try options.config()))
    }
}
