import AppConfig
import Database
import Embedding
import Foundation
import Knowledge

/// The work behind `visionary knowledge …`.
public enum KnowledgeCommands {
    /// `visionary knowledge reembed`: every chunk not embedded by the configured model is embedded
    /// again, `batchSize` at a time, with a progress bar on standard error; resumable (a second run
    /// picks up what the first left).
    public static func reembed(config: AppConfig, batchSize: Int) async throws -> String {
        guard let model = ApplicationParts.makeEmbeddingModel(config) else {
            throw DatabaseCommandError("no embedding model is configured: set VISIONARY_EMBEDDING_MODEL_DIR (built-in) or VISIONARY_EMBEDDING_PROVIDER=openai")
        }
        let started = Date()
        let done = try await DatabaseCommands.withOwnerRunner(config: config) { runner in
            try await KnowledgeReembedding(model: model, owner: runner).run(batchSize: batchSize) { done, total in
                FileHandle.standardError.write(Data((progressBar(done: done, total: total) + (done == total ? "\n" : "")).utf8))
            }
        }
        return "re-embedded \(done) chunks with \(model.identifier) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
    }

    /// `\r[#####-----] 50% 10/20 chunks`.
    static func progressBar(done: Int, total: Int) -> String {
        let width = 30
        let share = total == 0 ? 1 : Double(done) / Double(total)
        let filled = min(width, Int(share * Double(width)))
        return "\r[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(format: "%3d%%", Int(share * 100)) + " \(done)/\(total) chunks"
    }
}
