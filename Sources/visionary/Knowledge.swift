import AppConfig
import ArgumentParser
import VisionaryApp

/// `visionary knowledge …`: the knowledge base's upkeep.
struct KnowledgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knowledge", abstract: "Maintain the knowledge base's embeddings.", subcommands: [Reembed.self])

    struct Reembed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed every chunk not embedded by the configured model again (after a change of model); resumable.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Chunks per batch (1-512).") var batchSize = 64

        func validate() throws {
            guard (1...512).contains(batchSize) else { throw ValidationError("--batch-size must be 1-512") }
        }

        func run() async throws {
            try await reportingErrors { print(try await KnowledgeCommands.reembed(config: try options.config(), batchSize: batchSize)) }
        }
    }
}
