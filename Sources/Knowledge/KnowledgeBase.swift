import AppConfig
import Core
import Crypto
import Database
import Embedding
import Foundation
import Jobs
import Tokens

/// The personal knowledge base: sources cut into chunks, embedded, and searched by meaning and
/// words together. Requests act as their caller (row-level security decides what they reach);
/// the background job and the re-embedding tool act as the server on the sources they are given.
public final class KnowledgeBase: Sendable {
    /// The model chunks are embedded with; nil searches by full text only.
    public let model: (any EmbeddingModel)?
    public let settings: KnowledgeSettings
    public let chunker: Chunker
    let pdf: PDFText
    let runner: APIRequestRunner
    let owner: SQLRunner
    let queue: JobQueue
    let now: @Sendable () -> Date

    let builtin: BuiltinEmbeddingModel?

    public static let jobKind = "knowledge.ingest"

    /// `builtin` measures chunks with the built-in model's tokeniser (whichever model embeds
    /// them); without it, chunks are measured at the ratio of word pieces to words of English
    /// prose, about 4 to 3.
    public init(
        model: (any EmbeddingModel)?, builtin: BuiltinEmbeddingModel?, settings: KnowledgeSettings,
        runner: APIRequestRunner, owner: SQLRunner, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.model = model
        self.builtin = builtin
        self.settings = settings
        let estimate: @Sendable (String) -> Int = { text in (text.split(whereSeparator: \.isWhitespace).count * 4 + 2) / 3 }
        chunker = Chunker(count: { text in (try? builtin?.model().tokenizer.count(text)) ?? estimate(text) })
        pdf = PDFText(executable: settings.pdftotext)
        self.runner = runner
        self.owner = owner
        queue = JobQueue(database: owner)
        self.now = now
    }

    /// Loads the built-in model, if there is one, off the caller's thread (see `BuiltinEmbeddingModel.load`).
    public func loadBuiltinModel() async throws {
        try await builtin?.load()
    }

    /// The column a model's vectors live in: its own for 384 dimensions, else the 1536 one.
    var vectorColumn: String { model.map(Self.vectorColumn) ?? "embedding" }

    // MARK: - Reading what was handed in

    /// The text of a source's bytes in `format`.
    public func text(of bytes: [UInt8], format: SourceFormat) async throws -> String {
        guard bytes.count <= settings.maxSourceBytes else { throw SourceTextError.tooLarge(settings.maxSourceBytes) }
        switch format {
        case .pdf:
            return try await pdf.text(of: bytes)
        case .html:
            guard let html = String(validatingUTF8Bytes: bytes) else { throw SourceTextError.unsupported("HTML that is not UTF-8") }
            return HTMLText.text(html)
        case .text, .markdown:
            guard let text = String(validatingUTF8Bytes: bytes) else {
                throw SourceTextError.unsupported("binary content: send text, Markdown, HTML or PDF")
            }
            return text
        }
    }

    // MARK: - Ingesting

    /// A source to take in, its text already read.
    public struct Ingest: Sendable {
        public var sourceType: String
        public var sourceName: String
        public var sourceURL: String?
        public var fileType: String?
        public var fileSize: Int?
        public var storagePath: String?
        /// Re-ingests this source of the caller's (its chunks replaced), else a new one.
        public var sourceID: UUID?
        public var text: String

        public init(sourceType: String, sourceName: String, sourceURL: String? = nil, fileType: String? = nil, fileSize: Int? = nil,
                    storagePath: String? = nil, sourceID: UUID? = nil, text: String) {
            self.sourceType = sourceType
            self.sourceName = sourceName
            self.sourceURL = sourceURL
            self.fileType = fileType
            self.fileSize = fileSize
            self.storagePath = storagePath
            self.sourceID = sourceID
            self.text = text
        }
    }

    /// Takes a source in as `caller`: recorded `processing`, then cut, embedded and completed
    /// in one transaction — here when it is small, by the `knowledge.ingest` job when larger
    /// than `inlineBytes` (the answer then says `processing`). The original's reply: `{success,
    /// source, chunksCreated, wordCount, message}`, the source without its raw text.
    public func ingest(_ ingest: Ingest, as caller: Caller) async throws -> String {
        guard ingest.text.utf8.count <= settings.maxSourceBytes else { throw SourceTextError.tooLarge(settings.maxSourceBytes) }
        let words = ingest.text.split(whereSeparator: \.isWhitespace).count
        let background = ingest.text.utf8.count > settings.inlineBytes
        let fields: [SQLValue] = [
            .text(ingest.sourceType), .text(ingest.sourceName), ingest.sourceURL.map(SQLValue.text) ?? .null,
            .text(ingest.text), ingest.fileType.map(SQLValue.text) ?? .null, ingest.fileSize.map(SQLValue.int) ?? .null,
            ingest.storagePath.map(SQLValue.text) ?? .null, .int(words), .text(Self.summary(ingest.text)),
        ]
        let recorded = try await transaction(as: caller) { tx in
            // The caller's whole knowledge base stays within its allowance (the source replaced not counted).
            let held = Int(try await tx.text(SQLStatement("""
                SELECT coalesce(sum(octet_length(raw_content)), 0)::text FROM public.user_knowledge_sources
                 WHERE id IS DISTINCT FROM $1::uuid
                """, [ingest.sourceID.map { .text($0.uuidString) } ?? .null])) ?? "0") ?? 0
            guard held + ingest.text.utf8.count <= self.settings.maxUserBytes else {
                throw KnowledgeError.allowanceExceeded(self.settings.maxUserBytes)
            }
            if let id = ingest.sourceID {
                return try await tx.text(SQLStatement("""
                    UPDATE public.user_knowledge_sources
                       SET source_type = $1, source_name = $2, source_url = $3, raw_content = $4, file_type = $5, file_size = $6,
                           storage_path = $7, word_count = $8, content_summary = $9, status = 'processing', error_message = NULL,
                           chunks_total = NULL, chunks_embedded = 0, processed_at = NULL
                     WHERE id = $10::uuid
                    RETURNING id::text
                    """, fields + [.text(id.uuidString)]))
            }
            return try await tx.text(SQLStatement("""
                INSERT INTO public.user_knowledge_sources
                  (source_type, source_name, source_url, raw_content, file_type, file_size, storage_path, word_count, content_summary, status)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'processing')
                RETURNING id::text
                """, fields))
        }
        guard let recorded, let source = UUID(uuidString: recorded) else { throw KnowledgeError.sourceNotFound }
        let name = ingest.sourceName
        if background {
            do {
                try await queue.enqueue(
                    kind: Self.jobKind, payload: #"{"source_id":"\#(source.uuidString)"}"#, runAt: now(), now: now(),
                    idempotencyKey: "\(source.uuidString):\(UUID().uuidString)", maxAttempts: 5)
            } catch {
                try? await markFailed(source, "could not queue the ingestion: \(error)", as: caller)
                throw error
            }
            return try await reply(source, as: caller, chunks: 0, words: words,
                                   message: "\"\(name)\" is being processed in the background: its status shows its progress")
        }
        let chunks = chunker.chunks(ingest.text)
        let vectors: [[Float]]?
        do {
            vectors = try await model?.embed(chunks.map(\.text))
        } catch {
            try? await markFailed(source, Self.reason(error), as: caller)
            throw Self.failure(error)
        }
        let stored: Bool
        do {
            stored = try await transaction(as: caller) { tx in
                try await self.store(chunks, vectors: vectors, of: source, text: ingest.text, in: tx)
            }
        } catch {
            try? await markFailed(source, "storing the chunks failed", as: caller)
            throw error
        }
        guard stored else { throw KnowledgeError.sourceGone }
        return try await reply(source, as: caller, chunks: chunks.count, words: words,
                               message: "Successfully processed \"\(name)\" into \(chunks.count) knowledge chunks")
    }

    /// Replaces the source's chunks and completes it, in the caller's transaction; false when the
    /// source is gone (deleted meanwhile) or its text changed (a newer ingestion owns it).
    func store(_ chunks: [Chunker.Chunk], vectors: [[Float]]?, of source: UUID, text: String, in tx: SQLTransaction) async throws -> Bool {
        let current = try await tx.text(SQLStatement(
            "SELECT md5(raw_content) FROM public.user_knowledge_sources WHERE id = $1::uuid FOR UPDATE", [.text(source.uuidString)]))
        guard current == Self.fingerprint(text) else { return false }
        try await tx.execute(SQLStatement("DELETE FROM public.user_knowledge_chunks WHERE source_id = $1::uuid", [.text(source.uuidString)]))
        if !chunks.isEmpty {
            let column = vectorColumn
            let literals = vectors.map { $0.map(vectorLiteral) } ?? chunks.map { _ in "" }
            try await tx.execute(SQLStatement("""
                INSERT INTO public.user_knowledge_chunks
                  (source_id, chunk_index, chunk_text, token_count, metadata, embedding_model, \(column))
                SELECT $1::uuid, c.ordinality - 1, c.text, c.tokens::integer, jsonb_build_object('section', c.section),
                       CASE WHEN c.vector <> '' THEN $6 END, nullif(c.vector, '')::extensions.vector
                  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS c(text, tokens, section, vector, ordinality)
                """, [.text(source.uuidString), .textArray(chunks.map(\.text)), .textArray(chunks.map { String($0.tokens) }),
                      .textArray(chunks.map(\.section)), .textArray(literals), model.map { .text($0.identifier) } ?? .null]))
        }
        try await tx.execute(SQLStatement("""
            UPDATE public.user_knowledge_sources
               SET status = 'completed', error_message = NULL, processed_content = raw_content, processed_at = now(),
                   chunks_total = $2, chunks_embedded = $3
             WHERE id = $1::uuid
            """, [.text(source.uuidString), .int(chunks.count), .int(vectors == nil ? 0 : chunks.count)]))
        return true
    }

    /// What a user may read of a failure: the model's own errors say what went wrong without the
    /// provider's address or answer; anything else is named only by its kind.
    static func reason(_ error: any Error) -> String {
        if let error = error as? EmbeddingError { return error.description }
        return "the embedding model failed (\(type(of: error)))"
    }

    /// The model's failure as the knowledge base reports it: a model that cannot load is missing
    /// configuration (503), anything else a failed call (502).
    static func failure(_ error: any Error) -> KnowledgeError {
        if case EmbeddingError.invalidModel(let reason)? = error as? EmbeddingError { return .modelUnavailable(reason) }
        return .embeddingFailed(reason(error))
    }

    /// Records a source whose text could not be had (a URL the server does not fetch, or whose
    /// fetch failed), `failed` with the reason, as the original kept such sources: the original's
    /// reply, with no chunks.
    public func recordUnreadable(_ ingest: Ingest, reason: String, as caller: Caller) async throws -> String {
        let id = try await transaction(as: caller) { tx in
            try await tx.text(SQLStatement("""
                INSERT INTO public.user_knowledge_sources
                  (source_type, source_name, source_url, file_type, file_size, word_count, status, error_message, processed_at, chunks_total)
                VALUES ($1, $2, $3, $4, $5, 0, 'failed', left($6, 1000), now(), 0)
                RETURNING id::text
                """, [.text(ingest.sourceType), .text(ingest.sourceName), ingest.sourceURL.map(SQLValue.text) ?? .null,
                      ingest.fileType.map(SQLValue.text) ?? .null, ingest.fileSize.map(SQLValue.int) ?? .null, .text(reason)]))
        }
        guard let id, let source = UUID(uuidString: id) else { throw KnowledgeError.sourceNotFound }
        return try await reply(source, as: caller, chunks: 0, words: 0, message: reason)
    }

    func markFailed(_ source: UUID, _ reason: String, as caller: Caller) async throws {
        try await transaction(as: caller) { tx in
            try await tx.execute(Self.failStatement(source, reason))
        }
    }

    static func failStatement(_ source: UUID, _ reason: String) -> SQLStatement {
        SQLStatement("""
            UPDATE public.user_knowledge_sources SET status = 'failed', error_message = left($2, 1000), processed_at = now()
             WHERE id = $1::uuid
            """, [.text(source.uuidString), .text(reason)])
    }

    private func reply(_ source: UUID, as caller: Caller, chunks: Int, words: Int, message: String) async throws -> String {
        let text = try await transaction(as: caller, readOnly: true) { tx in
            try await tx.text(SQLStatement("""
                SELECT json_build_object('success', true, 'source', to_jsonb(s) - 'raw_content' - 'processed_content',
                                         'chunksCreated', $2::integer, 'wordCount', $3::integer, 'message', $4::text)::text
                  FROM public.user_knowledge_sources s WHERE s.id = $1::uuid
                """, [.text(source.uuidString), .int(chunks), .int(words), .text(message)]))
        }
        guard let text else { throw KnowledgeError.sourceGone }
        return text
    }

    /// One transaction as the caller (role, claims, user and session): row-level security decides.
    func transaction<T: Sendable>(as caller: Caller, readOnly: Bool = false, _ body: (SQLTransaction) async throws -> T) async throws -> T {
        try await runner.transaction(
            role: caller.role, claims: caller.claims, user: caller.userID, session: caller.sessionID, readOnly: readOnly, body)
    }

    // MARK: - The background job

    /// `knowledge.ingest`: cuts and embeds the source its payload names, recording progress as it
    /// goes, then stores the chunks and completes the source in one transaction. A source deleted
    /// or re-ingested meanwhile is left as it is; the last failed attempt marks it `failed`.
    public var handler: JobHandler {
        JobHandler(kind: Self.jobKind) { job in
            struct Payload: Decodable { let source_id: UUID }
            guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)) else {
                throw JobGiveUp("the payload names no source")
            }
            do {
                try await self.ingestInBackground(payload.source_id, job: job.id)
            } catch {
                if job.attempts >= job.maxAttempts {
                    try? await self.owner.execute(Self.failStatement(payload.source_id, Self.reason(error)))
                }
                throw error
            }
        }
    }

    func ingestInBackground(_ source: UUID, job: UUID) async throws {
        guard let text = try await owner.text(SQLStatement(
            "SELECT raw_content FROM public.user_knowledge_sources WHERE id = $1::uuid AND status = 'processing'", [.text(source.uuidString)]))
        else { return }
        let chunks = chunker.chunks(text)
        // Progress is recorded only while the source still holds this text (not a newer ingestion's).
        let fingerprint = SQLValue.text(Self.fingerprint(text))
        try await owner.execute(SQLStatement(
            "UPDATE public.user_knowledge_sources SET chunks_total = $2, chunks_embedded = 0 WHERE id = $1::uuid AND md5(raw_content) = $3",
            [.text(source.uuidString), .int(chunks.count), fingerprint]))
        var vectors: [[Float]]?
        if let model {
            var done: [[Float]] = []
            let batch = 32
            for start in stride(from: 0, to: chunks.count, by: batch) {
                try Task.checkCancellation()
                done += try await model.embed(chunks[start..<min(chunks.count, start + batch)].map(\.text))
                try await owner.execute(SQLStatement(
                    "UPDATE public.user_knowledge_sources SET chunks_embedded = $2 WHERE id = $1::uuid AND md5(raw_content) = $3",
                    [.text(source.uuidString), .int(done.count), fingerprint]))
                try await queue.extendLease(job, until: now().addingTimeInterval(300))
            }
            vectors = done
        }
        _ = try await owner.transaction { tx in try await self.store(chunks, vectors: vectors, of: source, text: text, in: tx) }
    }

    // MARK: - Searching

    /// The caller's best `limit` chunks for `query`: `{success, results: [{chunkId, sourceId,
    /// sourceName, text, score, similarity}]}`.
    public func search(_ query: String, limit: Int, as caller: Caller) async throws -> String {
        let vector: String?
        do {
            vector = try await model?.embed([query]).first.map(vectorLiteral)
        } catch {
            throw Self.failure(error)
        }
        let text = try await transaction(as: caller, readOnly: true) { tx in
            try await tx.text(SQLStatement("""
                SELECT json_build_object('success', true, 'results', coalesce(json_agg(json_build_object(
                         'chunkId', r.chunk_id, 'sourceId', r.source_id, 'sourceName', r.source_name, 'sourceType', r.source_type,
                         'text', r.chunk_text, 'score', r.score, 'similarity', r.similarity, 'textRank', r.text_rank)
                         ORDER BY r.score DESC, r.similarity DESC NULLS LAST, r.chunk_id), '[]'))::text
                  FROM public.search_knowledge($1, $2::extensions.vector, $3::text, $4::integer) AS r
                """, [.text(query), vector.map(SQLValue.text) ?? .null, model.map { .text($0.identifier) } ?? .null, .int(limit)]))
        }
        return text ?? #"{"success":true,"results":[]}"#
    }

    // MARK: - Values

    func vectorLiteral(_ vector: [Float]) -> String { Self.vectorLiteral(vector, column: vectorColumn) }

    /// pgvector's text form of `vector`, zero-padded to 1536 dimensions for the general column.
    static func vectorLiteral(_ vector: [Float], column: String) -> String {
        var values = vector
        if column == "embedding", values.count < 1536 { values += [Float](repeating: 0, count: 1536 - values.count) }
        return "[" + values.map { $0.isFinite ? "\($0)" : "0" }.joined(separator: ",") + "]"
    }

    /// The column a model's vectors live in: its own for 384 dimensions, else the 1536 one.
    static func vectorColumn(_ model: any EmbeddingModel) -> String { model.dimensions == 384 ? "embedding_384" : "embedding" }

    /// md5 of the text, as PostgreSQL's `md5()` writes it: which ingestion a stored text belongs to.
    static func fingerprint(_ text: String) -> String {
        Insecure.MD5.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The original's summary: the first three sentences longer than ten characters, at most 300
    /// characters.
    static func summary(_ text: String) -> String {
        let sentences = text.split(whereSeparator: { ".!?".contains($0) })
            .map { $0.trimmed() }
            .filter { $0.count > 10 }
            .prefix(3)
        let joined = sentences.joined(separator: ". ")
        if joined.isEmpty { return text.trimmed().isEmpty ? "" : "." }
        if joined.count > 300 { return String(joined.prefix(297)) + "..." }
        return joined.hasSuffix(".") ? joined : joined + "."
    }
}

/// Why the knowledge base refused or failed.
public enum KnowledgeError: Error, Equatable, CustomStringConvertible {
    case sourceNotFound
    /// The source was deleted (or re-ingested) while it was being processed.
    case sourceGone
    case embeddingFailed(String)
    /// The caller's sources would hold more text than a user may keep (bytes).
    case allowanceExceeded(Int)
    /// The configured model cannot be loaded (its files are missing or broken).
    case modelUnavailable(String)
    case noModel

    public var description: String {
        switch self {
        case .sourceNotFound: "no knowledge source of yours has that id"
        case .sourceGone: "the source was deleted or replaced while it was being processed"
        case .embeddingFailed(let reason): "the embedding model failed: \(reason)"
        case .modelUnavailable(let reason): "the embedding model is unavailable: \(reason)"
        case .allowanceExceeded(let limit): "your knowledge base would hold more than \(limit) bytes of text: delete a source first"
        case .noModel: "no embedding model is configured (VISIONARY_EMBEDDING_PROVIDER, VISIONARY_EMBEDDING_MODEL_DIR)"
        }
    }
}
