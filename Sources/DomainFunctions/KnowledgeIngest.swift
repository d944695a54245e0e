import AppConfig
import Core
import Database
import Embedding
import Foundation
import FunctionsAPI
import Knowledge
import StorageAPI
import Tokens

/// The original app's `knowledge-ingest`: the caller's knowledge sources taken in, listed, read,
/// switched, deleted and counted, with the original's request and reply shapes — and what it
/// never had: embeddings (the built-in model or a hosted one), `search`, sources read from the
/// caller's Storage files (text, Markdown, HTML, PDF), and large sources embedded in the
/// background with their progress in `list`. Every statement runs as the caller.
enum KnowledgeIngest {
    static let sourceTypes = ["resume", "document", "url", "manual_entry", "conversation", "vision_board", "financial_doc", "notes"]
    static let sourceID = ParameterDescription("sourceId", "string (uuid)", required: true, "one of the caller's knowledge sources")

    static func function(_ knowledge: KnowledgeBase, _ storage: StorageService?, _ database: CallerDatabase) -> ActionFunction {
        ActionFunction(
            name: "knowledge-ingest", summary: "The caller's knowledge base: sources taken in, embedded and searched.",
            defaultAction: "list", actions: [
            Action("ingest", "{success, source, chunksCreated, wordCount, message}: takes a source in from `content`, a file in the caller's `documents` bucket (`storagePath`) or, where the server allows it, `sourceUrl`; cut into chunks of about 200 tokens and embedded. Sources larger than VISIONARY_KNOWLEDGE_INLINE_BYTES answer at once with status `processing` and are embedded in the background. With `sourceId`, re-ingests that source, replacing its chunks.",
                   parameters: [ParameterDescription("sourceType", "string", required: true, sourceTypes.joined(separator: " | ")),
                                ParameterDescription("sourceName", "string", required: true, ""),
                                ParameterDescription("content", "string", "the text (plain, Markdown or HTML per fileType)"),
                                ParameterDescription("storagePath", "string", "a file of the caller's in the documents bucket"),
                                ParameterDescription("sourceUrl", "string", "fetched only when VISIONARY_KNOWLEDGE_URL_FETCH is on"),
                                ParameterDescription("fileType", "string", "MIME type or extension: text, markdown, html, pdf"),
                                ParameterDescription("fileSize", "integer", "bytes, as the client saw them"),
                                ParameterDescription("sourceId", "string (uuid)", "re-ingest this source")]) { input in
                try await ingest(input, knowledge, storage, database)
            },
            Action("list", "{success, sources: [{…, chunk_count, chunks_total, chunks_embedded, progress}], count}: the caller's sources, newest first; `progress` is the share embedded (0 to 1).") { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT json_build_object('success', true, 'sources', coalesce(json_agg(json_build_object(
                             'id', s.id, 'source_type', s.source_type, 'source_name', s.source_name, 'source_url', s.source_url,
                             'content_summary', s.content_summary, 'word_count', s.word_count, 'status', s.status,
                             'error_message', s.error_message, 'is_active', s.is_active, 'include_in_context', s.include_in_context,
                             'processed_at', s.processed_at, 'created_at', s.created_at, 'storage_path', s.storage_path,
                             'chunk_count', (SELECT count(*) FROM public.user_knowledge_chunks c WHERE c.source_id = s.id),
                             'chunks_total', s.chunks_total, 'chunks_embedded', s.chunks_embedded,
                             'progress', CASE WHEN s.status = 'completed' THEN 1
                                              WHEN coalesce(s.chunks_total, 0) = 0 THEN 0
                                              ELSE round(s.chunks_embedded::numeric / s.chunks_total, 3) END)
                             ORDER BY s.created_at DESC, s.id), '[]'), 'count', count(*))::text
                      FROM public.user_knowledge_sources s
                    """) ?? "null")
            },
            Action("get", "{success, source: {…, chunks: [{id, chunk_text, chunk_index, token_count, metadata}]}}: one source with its chunks.",
                   parameters: [sourceID]) { input in
                let id = try input.requiredUUID("sourceId")
                return .json(try await database.json(input.caller, readOnly: true, """
                    SELECT json_build_object('success', true, 'source', to_jsonb(s) || jsonb_build_object('chunks', coalesce((
                             SELECT jsonb_agg(jsonb_build_object('id', c.id, 'chunk_text', c.chunk_text, 'chunk_index', c.chunk_index,
                                                                 'token_count', c.token_count, 'metadata', c.metadata) ORDER BY c.chunk_index)
                               FROM public.user_knowledge_chunks c WHERE c.source_id = s.id), '[]'::jsonb)))::text
                      FROM public.user_knowledge_sources s WHERE s.id = $1::uuid
                    """, [.text(id)], orNotFound: "Source not found"))
            },
            Action("delete", "{success, message}: deletes a source and its chunks.", parameters: [sourceID]) { input in
                let id = try input.requiredUUID("sourceId")
                return .json(try await database.json(input.caller, """
                    WITH gone AS (DELETE FROM public.user_knowledge_sources WHERE id = $1::uuid RETURNING id)
                    SELECT json_build_object('success', true, 'message', 'Source and all chunks deleted successfully')::text FROM gone
                    """, [.text(id)], orNotFound: "Source not found or access denied"))
            },
            Action("toggle", "{success, source, message}: sets `includeInContext` and/or `isActive` of a source.",
                   parameters: [sourceID, ParameterDescription("includeInContext", "boolean", ""), ParameterDescription("isActive", "boolean", "")]) { input in
                let id = try input.requiredUUID("sourceId")
                let include = try input.bool("includeInContext")
                let active = try input.bool("isActive")
                guard include != nil || active != nil else { throw FunctionError.invalid("At least one of includeInContext or isActive is required") }
                return .json(try await database.json(input.caller, """
                    UPDATE public.user_knowledge_sources s
                       SET include_in_context = coalesce($2, s.include_in_context), is_active = coalesce($3, s.is_active)
                     WHERE s.id = $1::uuid
                    RETURNING json_build_object('success', true, 'source', to_jsonb(s) - 'raw_content' - 'processed_content',
                                                'message', 'Source updated successfully')::text
                    """, [.text(id), include.map(SQLValue.bool) ?? .null, active.map(SQLValue.bool) ?? .null], orNotFound: "Source not found"))
            },
            Action("stats", "{success, stats: {totalSources, activeSources, includedSources, totalWords, totalChunks, sourcesByType, embeddedChunks, embeddingModel}}.") { input in
                .json(try await database.json(input.caller, readOnly: true, """
                    SELECT json_build_object('success', true, 'stats', json_build_object(
                             'totalSources', (SELECT count(*) FROM public.user_knowledge_sources),
                             'activeSources', (SELECT count(*) FROM public.user_knowledge_sources WHERE is_active),
                             'includedSources', (SELECT count(*) FROM public.user_knowledge_sources WHERE include_in_context),
                             'totalWords', (SELECT coalesce(sum(word_count), 0) FROM public.user_knowledge_sources),
                             'totalChunks', (SELECT count(*) FROM public.user_knowledge_chunks),
                             'embeddedChunks', (SELECT count(*) FROM public.user_knowledge_chunks WHERE embedding_model = $1),
                             'embeddingModel', $1::text,
                             'sourcesByType', (SELECT coalesce(json_object_agg(t.source_type, t.n), '{}')
                                                 FROM (SELECT source_type, count(*) AS n FROM public.user_knowledge_sources GROUP BY source_type) t)))::text
                    """, [knowledge.model.map { .text($0.identifier) } ?? .null]) ?? "null")
            },
            Action("search", "{success, results: [{chunkId, sourceId, sourceName, sourceType, text, score, similarity, textRank}]}: the caller's chunks that best answer `query` — nearest by meaning and best by words, fused by reciprocal rank — from active sources included in context.",
                   parameters: [ParameterDescription("query", "string", required: true, "at most 2000 characters"),
                                ParameterDescription("limit", "integer", "1-50 (default 5)")]) { input in
                let query = try input.text("query", maxLength: 2000)
                let limit = try input.int("limit", in: 1...50) ?? 5
                do {
                    return .json(try await knowledge.search(query, limit: limit, as: input.caller))
                } catch let error as KnowledgeError {
                    throw functionError(error)
                }
            },
        ])
    }

    static func ingest(_ input: ActionInput, _ knowledge: KnowledgeBase, _ storage: StorageService?, _ database: CallerDatabase) async throws -> FunctionResponse {
        guard let type = try input.string("sourceType", maxLength: 50), let name = try input.string("sourceName", maxLength: 500),
              !type.isEmpty, case let sourceName = name.trimmingCharacters(in: .whitespacesAndNewlines), !sourceName.isEmpty
        else { throw FunctionError.invalid("sourceType and sourceName are required") }
        guard sourceTypes.contains(type) else {
            throw FunctionError.invalid("Invalid sourceType. Valid types: \(sourceTypes.joined(separator: ", "))")
        }
        let limit = knowledge.settings.maxSourceBytes
        let content = try input.string("content", maxLength: Int.max)
        let url = try input.string("sourceUrl", maxLength: 2048).flatMap { $0.isEmpty ? nil : $0 }
        let fileType = try input.string("fileType", maxLength: 100)
        let fileSize = try input.int("fileSize", in: 0...Int(Int32.max))
        let path = try input.string("storagePath", maxLength: 1024).flatMap { $0.isEmpty ? nil : $0 }
        let sourceID = try input.uuid("sourceId").flatMap(UUID.init(uuidString:))
        let user = try await database.liveUser(input.caller)

        var text: String
        do {
            if let content, !content.isEmpty {
                guard content.utf8.count <= limit else { throw SourceTextError.tooLarge(limit) }
                let format = SourceFormat.detect(fileType: fileType, name: nil, bytes: []) ?? .text
                guard format != .pdf else { throw SourceTextError.unsupported("PDF as `content`: upload it to Storage and send `storagePath`") }
                text = format == .html ? HTMLText.text(content) : content
            } else if let path {
                guard let storage else { throw FunctionError.notConfigured("storage", "Storage is not available on this server") }
                let bytes: [UInt8]
                do {
                    bytes = try await storage.read(bucket: "documents", name: path, as: user, maxBytes: limit)
                } catch let error as StorageError {
                    if error.statusCode == "413" || error.code == "EntityTooLarge" { throw SourceTextError.tooLarge(limit) }
                    throw FunctionError.notFound("No file of yours at documents/\(path)")
                }
                guard let format = SourceFormat.detect(fileType: fileType, name: path, bytes: Array(bytes.prefix(4096))) else {
                    throw SourceTextError.unsupported("\(path) is not text, Markdown, HTML or PDF")
                }
                text = try await knowledge.text(of: bytes, format: format)
            } else if let url {
                do {
                    text = try await SourceURLFetcher(settings: knowledge.settings).text(of: url, maxBytes: limit)
                } catch let error as SourceTextError {
                    // As the original: the source is kept (here `failed`, with why), the request answered.
                    guard case .tooLarge = error else {
                        return .json(try await knowledge.recordUnreadable(KnowledgeBase.Ingest(
                            sourceType: type, sourceName: sourceName, sourceURL: url, fileType: fileType,
                            fileSize: fileSize, text: ""), reason: error.description, as: input.caller))
                    }
                    throw error
                }
            } else {
                throw FunctionError.invalid("Either content, storagePath or sourceUrl is required")
            }
        } catch let error as SourceTextError {
            throw functionError(error)
        }
        // PostgreSQL's text cannot hold NUL.
        if text.contains("\u{0}") { text = text.replacingOccurrences(of: "\u{0}", with: "") }
        do {
            return .json(try await knowledge.ingest(KnowledgeBase.Ingest(
                sourceType: type, sourceName: sourceName, sourceURL: url, fileType: fileType,
                fileSize: fileSize, storagePath: path, sourceID: sourceID, text: text), as: input.caller))
        } catch let error as KnowledgeError {
            throw functionError(error)
        } catch let error as SourceTextError {
            throw functionError(error)
        }
    }

    static func functionError(_ error: SourceTextError) -> FunctionError {
        switch error {
        case .unsupported(let what): FunctionError(status: 415, code: "unsupported_media_type", message: "Unsupported source: \(what)")
        case .toolMissing(let what): FunctionError.notConfigured("pdf", what)
        case .unreadable(let why): FunctionError.unprocessable("The source cannot be read: \(why)")
        case .tooLarge(let limit): FunctionError(status: 413, code: "payload_too_large", message: "The source is larger than \(limit) bytes")
        case .fetchRefused(let why): FunctionError.unprocessable(why)
        }
    }

    static func functionError(_ error: KnowledgeError) -> FunctionError {
        switch error {
        case .sourceNotFound: .notFound("Source not found")
        case .sourceGone: .conflict(error.description)
        case .embeddingFailed(let reason): .upstream("The embedding model failed: \(reason)")
        case .modelUnavailable(let reason): .notConfigured("embedding", reason)
        case .allowanceExceeded: .unprocessable(error.description)
        case .noModel: .notConfigured("embedding", error.description)
        }
    }
}

extension KnowledgeBase {
    /// The caller's notes that best match `query`, as `search` answers them ([{chunkId, sourceId,
    /// sourceName, sourceType, text, score, …}]), for the coach's prompts: none when the search
    /// fails, which then go without notes.
    func notes(matching query: String, limit: Int, as caller: Caller) async -> [JSONValue] {
        guard let text = try? await search(query, limit: limit, as: caller),
              let answer = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return [] }
        return answer["results"]?.arrayValue ?? []
    }
}
