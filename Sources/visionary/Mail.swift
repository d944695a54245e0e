import AppConfig
import ArgumentParser
import VisionaryApp

/// `visionary mail …`: the mail outbox.
struct Mail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect the mail outbox.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the most recent messages of the outbox.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Only messages not sent yet.") var pending = false
        @Flag(help: "Also print each message's values (they may hold sign-in links).") var payload = false
        @Option(help: "At most this many (1 to 10000).") var limit = 50

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        }

        func run() async throws {
            try await reportingErrors {
                print(try await MailCommands.list(config: try options.config(), pendingOnly: pending, limit: limit, payload: payload))
            }
        }
    }
}
