import AppConfig
import ArgumentParser
import Foundation
import VisionaryApp

/// `visionary signing-keys …`: the asymmetric keys access tokens are signed with.
struct SigningKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-keys", abstract: "Manage the ES256/RS256 keys access tokens are signed with (published as a JWKS).",
        subcommands: [List.self, Add.self, Retire.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each key: the one that signs, those that verify, those retired.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingErrors { print(try await SigningKeyCommands.list(config: try options.config())) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new key, which signs new access tokens at once (older keys keep verifying).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "ES256 (default) or RS256.") var algorithm = "ES256"

        func validate() throws {
            guard SigningKeyCommands.algorithms.contains(algorithm.uppercased()) else { throw ValidationError("--algorithm must be ES256 or RS256") }
        }

        func run() async throws {
            try await reportingErrors {
                print(try await SigningKeyCommands.add(config: try options.config(), algorithm: algorithm.uppercased()))
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a key signing; tokens it signed verify for the access tokens' lifetime more, then no longer.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key's kid (see `visionary signing-keys list`).") var kid: String

        func run() async throws {
            try await reportingErrors { print(try await SigningKeyCommands.retire(config: try options.config(), kid: kid)) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a key at once (a leaked one): nothing it signed verifies any more, grace period or not.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key's kid.") var kid: String

        func run() async throws {
            try await reportingErrors { print(try await SigningKeyCommands.revoke(config: try options.config(), kid: kid)) }
        }
    }
}
