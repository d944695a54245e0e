import AppConfig
import ArgumentParser
import Foundation
import VisionaryApp

/// `visionary secrets …`: the encryption key ring (`VISIONARY_ENCRYPTION_KEYS`).
struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Manage the encryption key ring that seals tokens at rest.",
        subcommands: [Status.self, AddKey.self, Rotate.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the key versions and how many stored secrets each sealed.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors { print(try await SecretsCommands.status(config: try options.config())) }
        }
    }

    struct AddKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-key", abstract: "Make a new newest key (added to the data folder's ring, or printed for VISIONARY_ENCRYPTION_KEYS).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors { print(try SecretsCommands.addKey(config: try options.config())) }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every stored secret with the newest key, in batches; safe to interrupt and run again, and while servers run.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Rows per transaction (1 to 10000).") var batchSize = 100

        func validate() throws {
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 10000") }
        }

        func run() async throws {
            let terminal = isatty(2) == 1
            try await reportingErrors {
                let summary = try await SecretsCommands.rotate(config: try options.config(), batchSize: batchSize) { line, finished in
                    // On a terminal one bar redrawn in place; otherwise a line per batch.
                    let text = terminal ? "\r" + line + (finished ? "\n" : "") : line + "\n"
                    FileHandle.standardError.write(Data(text.utf8))
                }
                print(summary)
            }
        }
    }
}
