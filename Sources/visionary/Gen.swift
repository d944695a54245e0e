import AppConfig
import ArgumentParser
import VisionaryApp

/// `visionary gen …`: code generated from the live schema.
struct Gen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate code from the database's schema.", subcommands: [Types.self])

    struct Types: AsyncParsableCommand {
        enum Language: String, ExpressibleByArgument, CaseIterable {
            case typescript
        }

        static let configuration = CommandConfiguration(
            abstract: "Print the types of the public schema (TypeScript: the Database type of Supabase's generator).")
        @OptionGroup var options: ConfigOptions
        @Option(name: .customLong("lang"), help: "The language: typescript.")
        var language: Language = .typescript

        func run() async throws {
            try await reportingErrors {
                switch language {
                case .typescript: print(try await TypeCommands.typescript(config: try options.config()), terminator: "")
                }
            }
        }
    }
}
