import AppConfig
import ArgumentParser
import VisionaryApp

/// `visionary gen …`: code generated from the live schema.
struct Gen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate code from the database's schema.", subcommands: [Types.self])

    struct Types: AsyncParsableCommand {
        enum Language: String, ExpressibleByArgument, CaseIterable {
            case typescript, swift
        }

        static let configuration = CommandConfiguration(
            abstract: "Print the types of the public schema (TypeScript: the Database type of Supabase's generator; Swift: Codable structs).")
        @OptionGroup var options: ConfigOptions
        @Option(name: .customLong("lang"), help: "The language: typescript or swift.")
        var language: Language = .typescript

        func run() async throws {
            try await reportingErrors {
                let language = TypeCommands.Language(rawValue: language.rawValue) ?? .typescript
                print(try await TypeCommands.generate(language, config: try options.config()), terminator: "")
            }
        }
    }
}
