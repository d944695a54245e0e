import AppConfig
import ArgumentParser
import Foundation
import VisionaryApp

/// `visionary worker`: the background worker and scheduler without the HTTP server.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the background worker and scheduler alone (no HTTP server).")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await reportingErrors {
            try await JobCommands.worker(config: try options.config())
        }
    }
}

/// `visionary jobs …`: the job queue, for operators.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Inspect the job queue: list, retry or discard jobs.", subcommands: [List.self, Retry.self, Discard.self])

    struct List: AsyncParsableCommand {
        enum State: String, ExpressibleByArgument, CaseIterable { case queued, running, succeeded, dead }

        static let configuration = CommandConfiguration(abstract: "List the most recent jobs (--dead: the dead letters).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only jobs in this state: queued, running, succeeded or dead.") var state: State?
        @Flag(help: "Only the dead letters (as --state dead).") var dead = false
        @Option(help: "At most this many (1 to 10000).") var limit = 50

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        }

        func run() async throws {
            try await reportingErrors {
                print(try await JobCommands.list(config: try options.config(), state: dead ? "dead" : state?.rawValue, limit: limit))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a dead job again, its attempts reset.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The job's id.") var id: String

        func run() async throws {
            guard let job = UUID(uuidString: id) else { throw ValidationError("not a job id: \(id)") }
            try await reportingErrors {
                print(try await JobCommands.retry(config: try options.config(), id: job))
            }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a dead job, or one still waiting.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The job's id.") var id: String

        func run() async throws {
            guard let job = UUID(uuidString: id) else { throw ValidationError("not a job id: \(id)") }
            try await reportingErrors {
                print(try await JobCommands.discard(config: try options.config(), id: job))
            }
        }
    }
}
