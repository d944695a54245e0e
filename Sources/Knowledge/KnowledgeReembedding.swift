import Core
import Database
import Embedding
import Foundation

/// `visionary knowledge reembed`: moves every chunk to the configured model, as the server.
public struct KnowledgeReembedding: Sendable {
    let model: any EmbeddingModel
    let owner: SQLRunner

    public init(model: any EmbeddingModel, owner: SQLRunner) {
        self.model = model
        self.owner = owner
    }

    /// Re-embeds, as the server, every chunk not embedded by the configured model, `batchSize` at a
    /// time in id order; each batch commits on its own, so an interrupted run resumes where it
    /// stopped. `progress` hears (done, total) after each batch.
    public func run(batchSize: Int = 64, progress: @Sendable (Int, Int) -> Void) async throws -> Int {
        let identifier = model.identifier
        let remaining = Int(try await owner.text(SQLStatement(
            "SELECT count(*)::text FROM public.user_knowledge_chunks WHERE embedding_model IS DISTINCT FROM $1", [.text(identifier)])) ?? "0") ?? 0
        var done = 0
        var after = "00000000-0000-0000-0000-000000000000"
        progress(0, remaining)
        while true {
            struct Row: Decodable { let id: String; let text: String }
            let page = try await owner.text(SQLStatement("""
                SELECT coalesce(json_agg(json_build_object('id', c.id, 'text', c.chunk_text) ORDER BY c.id), '[]')::text
                  FROM (SELECT id, chunk_text FROM public.user_knowledge_chunks
                         WHERE embedding_model IS DISTINCT FROM $1 AND id > $2::uuid ORDER BY id LIMIT $3) AS c
                """, [.text(identifier), .text(after), .int(max(1, batchSize))])) ?? "[]"
            let rows = try JSONDecoder().decode([Row].self, from: Data(page.utf8))
            guard let last = rows.last else { break }
            let vectors = try await model.embed(rows.map(\.text))
            let column = KnowledgeBase.vectorColumn(model)
            let other = column == "embedding" ? "embedding_384" : "embedding"
            try await owner.execute(SQLStatement("""
                UPDATE public.user_knowledge_chunks c
                   SET \(column) = v.vector::extensions.vector, \(other) = NULL, embedding_model = $3
                  FROM unnest($1::text[], $2::text[]) AS v(id, vector)
                 WHERE c.id = v.id::uuid
                """, [.textArray(rows.map(\.id)), .textArray(vectors.map { KnowledgeBase.vectorLiteral($0, column: column) }), .text(identifier)]))
            done += rows.count
            after = last.id
            progress(done, max(remaining, done))
        }
        return done
    }
}
