import AppConfig
import Core
import Database
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import HummingbirdTesting
import Jobs
import Knowledge
import NIOCore
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// knowledge-ingest end to end with the built-in model (`VISIONARY_EMBEDDING_MODEL_DIR`, set by
/// `make test`): retrieval that understands paraphrase, isolation between users, and failures
/// that leave nothing half-written.
@Suite("knowledge-ingest")
struct KnowledgeIngestTests {
    static func configure(_ config: inout AppConfig) {
        let environment = ProcessInfo.processInfo.environment
        config.knowledge.modelDirectory = environment["VISIONARY_EMBEDDING_MODEL_DIR"]
        config.knowledge.pdftotext = environment["VISIONARY_PDFTOTEXT"]
    }

    static func ingest(_ user: TestUser, name: String, content: String, type: String = "notes", extra: [String: Any] = [:]) async throws -> FunctionsClient.Reply {
        try await user.functions.call("knowledge-ingest", "ingest", json(["sourceType": type, "sourceName": name, "content": content].merging(extra) { $1 }))
    }

    static func search(_ user: TestUser, _ query: String, limit: Int = 5) async throws -> [[String: Any]] {
        let reply = try await user.functions.call("knowledge-ingest", "search", json(["query": query, "limit": limit]))
        #expect(reply.status == .ok, "\(reply.body)")
        return reply.object["results"] as? [[String: Any]] ?? []
    }

    static let notes: [(name: String, text: String, query: String)] = [
        ("Running", "I go for a run every morning before work, usually five kilometres around the park.", "how do I keep fit?"),
        ("Budget", "Each month I put a fifth of my salary into savings and track spending in a spreadsheet.", "what is my approach to money?"),
        ("Garden", "On weekends I grow tomatoes, basil and peppers in the raised beds behind the house.", "which vegetables do I cultivate?"),
        ("Reading", "Before bed I read novels, lately a lot of historical fiction set in Rome.", "what books do I enjoy?"),
        ("Cooking", "I bake sourdough bread and cook a big pot of soup every Sunday for the week.", "what do I make in the kitchen?"),
        ("Travel", "Next summer we plan a trip through Portugal, from Lisbon down to the Algarve coast.", "where are we going on vacation this summer?"),
        ("Sleep", "I aim for eight hours a night and keep my phone out of the bedroom.", "how do I sleep well?"),
        ("Career", "I want to become an engineering manager within two years and lead a small team.", "what are my professional ambitions?"),
        ("Family", "Sunday dinners with my parents and my sister's kids are the highlight of my week.", "who are my relatives I spend time with?"),
        ("Music", "I practise piano for half an hour daily and am learning a Chopin nocturne.", "which instrument am I learning?"),
    ]

    @Test("a paraphrased question finds the right note first, where full-text search alone does not")
    func retrievalQuality() async throws {
        let app = try await TestApp.make(Self.configure)
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "quality@kb.test")
            for note in Self.notes {
                let reply = try await Self.ingest(user, name: note.name, content: note.text)
                #expect(reply.status == .ok, "\(reply.body)")
                #expect(reply.object["chunksCreated"] as? Int == 1)
            }
            var semantic = 0
            var textOnly = 0
            var misses: [String] = []
            for note in Self.notes {
                let first = (try await Self.search(user, note.query)).first?["sourceName"] as? String
                if first == note.name { semantic += 1 } else { misses.append("\(note.query) → \(first ?? "nothing")") }
                // The same search without a vector: words only.
                let words = try await app.owner.transaction { tx in
                    _ = try await tx.text(SQLStatement(
                        "SELECT set_config('request.jwt.claims', json_build_object('sub', $1::text, 'role', 'authenticated')::text, true)", [.text(user.id)]))
                    return try await tx.text(SQLStatement("SELECT source_name FROM public.search_knowledge($1, NULL, NULL, 1)", [.text(note.query)]))
                }
                if words == note.name { textOnly += 1 }
            }
            #expect(semantic >= 9, "right note first for \(semantic) of 10 questions; missed \(misses)")
            #expect(textOnly < 9, "full text alone found \(textOnly) of 10")
            let hit = try #require(try await Self.search(user, "how do I keep fit?").first)
            #expect(hit["chunkId"] is String && hit["sourceId"] is String && hit["text"] as? String == Self.notes[0].text)
            #expect((hit["score"] as? Double ?? 0) > 0)
        }
    }

    @Test("ten users with overlapping notes: nobody receives another's chunk through any action")
    func isolation() async throws {
        let app = try await TestApp.make(Self.configure)
        try await app.run { client in
            var users: [TestUser] = []
            var sources: [String] = []
            for index in 0..<10 {
                let user = try await signUp(client, app: app, email: "iso\(index)@kb.test")
                let reply = try await Self.ingest(user, name: "Plan \(index)", content: "My savings plan number \(index): put money aside every month for the house.")
                #expect(reply.status == .ok, "\(reply.body)")
                sources.append(try #require((reply.object["source"] as? [String: Any])?["id"] as? String))
                users.append(user)
            }
            for (index, user) in users.enumerated() {
                let results = try await Self.search(user, "savings plan money house", limit: 50)
                #expect(results.count == 1 && results.allSatisfy { $0["sourceId"] as? String == sources[index] })
                let list = try await user.functions.call("knowledge-ingest", "list")
                #expect((list.object["sources"] as? [[String: Any]])?.map { $0["id"] as? String } == [sources[index]])
                #expect((list.object["count"] as? Int) == 1)
                let other = sources[(index + 1) % sources.count]
                let get = try await user.functions.call("knowledge-ingest", "get", json(["sourceId": other]))
                #expect(get.status == .notFound)
                let delete = try await user.functions.call("knowledge-ingest", "delete", json(["sourceId": other]))
                #expect(delete.status == .notFound)
                let toggle = try await user.functions.call("knowledge-ingest", "toggle", json(["sourceId": other, "isActive": false]))
                #expect(toggle.status == .notFound)
                let reingest = try await Self.ingest(user, name: "Mine now", content: "stolen", extra: ["sourceId": other])
                #expect(reingest.status == .notFound)
                let stats = try await user.functions.call("knowledge-ingest", "stats")
                #expect((stats.object["stats"] as? [String: Any])?["totalChunks"] as? Int == 1)
            }
            // Every source still whole, none switched off.
            let intact = try await app.owner.text(SQLStatement(
                "SELECT count(*)::text FROM public.user_knowledge_sources WHERE is_active AND source_name LIKE 'Plan %' AND status = 'completed'"))
            #expect(intact == "10")
            // Without a user: refused before any work.
            let anon = users[0].functions.with(bearer: nil)
            #expect(try await anon.call("knowledge-ingest", "search", json(["query": "savings"])).status == .unauthorized)
            #expect(try await anon.call("knowledge-ingest", "ingest", json(["sourceType": "notes", "sourceName": "x", "content": "y"])).status == .unauthorized)
        }
    }

    @Test("sources from Storage (Markdown, HTML, PDF); re-ingesting replaces the chunks; get, toggle, delete")
    func sourcesAndLifecycle() async throws {
        let app = try await TestApp.make(Self.configure)
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "files@kb.test")
            let markdown = "# Morning\n\nI run at dawn. It clears my head.\n\n# Evening\n\nI journal before bed about the day's wins."
            try await upload(client, app: app, user: user, name: "\(user.id)/notes.md", bytes: Array(markdown.utf8), type: "text/markdown")
            let fromFile = try await Self.ingest(user, name: "Notes", content: "", type: "document", extra: ["storagePath": "\(user.id)/notes.md"])
            #expect(fromFile.status == .ok, "\(fromFile.body)")
            #expect(fromFile.object["chunksCreated"] as? Int == 2, "a chunk per heading")
            let id = try #require((fromFile.object["source"] as? [String: Any])?["id"] as? String)
            let got = try await user.functions.call("knowledge-ingest", "get&sourceId=\(id)")
            let chunks = (got.object["source"] as? [String: Any])?["chunks"] as? [[String: Any]] ?? []
            #expect(chunks.map { ($0["metadata"] as? [String: Any])?["section"] as? String } == ["Morning", "Evening"])

            let pdf = Self.pdf(text: "Quarterly goals: learn Spanish and run a marathon")
            try await upload(client, app: app, user: user, name: "\(user.id)/goals.pdf", bytes: pdf, type: "application/pdf")
            let fromPDF = try await Self.ingest(user, name: "Goals", content: "", type: "document", extra: ["storagePath": "\(user.id)/goals.pdf"])
            #expect(fromPDF.status == .ok, "\(fromPDF.body)")
            #expect(try await Self.search(user, "language learning").first?["sourceName"] as? String == "Goals")

            let html = try await Self.ingest(user, name: "Page", content: "<html><head><style>p{}</style></head><body><h1>Diet</h1><p>Less sugar &amp; more greens.</p><script>evil()</script></body></html>",
                                             extra: ["fileType": "text/html"])
            let page = try await user.functions.call("knowledge-ingest", "get", json(["sourceId": (html.object["source"] as? [String: Any])?["id"] as? String ?? ""]))
            let pageChunks = ((page.object["source"] as? [String: Any])?["chunks"] as? [[String: Any]] ?? []).compactMap { $0["chunk_text"] as? String }
            #expect(pageChunks == ["Diet Less sugar & more greens."])

            // Re-ingest: the chunks are replaced, not added to.
            let again = try await Self.ingest(user, name: "Notes", content: "Only one line now.", extra: ["sourceId": id])
            #expect(again.status == .ok, "\(again.body)")
            let count = try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.user_knowledge_chunks WHERE source_id = $1::uuid", [.text(id)]))
            #expect(count == "1")

            // Switched out of context: no longer searched.
            let toggle = try await user.functions.call("knowledge-ingest", "toggle", json(["sourceId": id, "includeInContext": false]))
            #expect(toggle.status == .ok)
            #expect(try await Self.search(user, "Only one line now", limit: 10).allSatisfy { $0["sourceId"] as? String != id })
            let delete = try await user.functions.call("knowledge-ingest", "delete", json(["sourceId": id]))
            #expect(delete.status == .ok)
            let left = try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.user_knowledge_chunks WHERE source_id = $1::uuid", [.text(id)]))
            #expect(left == "0")

            // Bad input answers 4xx in the functions' envelope.
            #expect(try await Self.ingest(user, name: "x", content: "y", type: "nonsense").status == .badRequest)
            #expect(try await Self.ingest(user, name: "", content: "y").status == .badRequest)
            #expect(try await user.functions.call("knowledge-ingest", "search", json(["query": "x", "limit": 1_000_000])).status == .badRequest)
            #expect(try await user.functions.call("knowledge-ingest", "search", json(["query": ""])).status == .badRequest)
            // Fetching URLs is off by default: the source is kept, failed, with why (as the original kept unfetched ones).
            let url = try await Self.ingest(user, name: "Link", content: "", type: "url", extra: ["sourceUrl": "http://127.0.0.1:1/"])
            #expect(url.status == .ok, "\(url.body)")
            #expect((url.object["source"] as? [String: Any])?["status"] as? String == "failed")
            #expect(((url.object["source"] as? [String: Any])?["error_message"] as? String)?.contains("VISIONARY_KNOWLEDGE_URL_FETCH") == true)
            #expect(try await Self.ingest(user, name: "x", content: "", extra: ["storagePath": "\(user.id)/missing.md"]).status == .notFound)
        }
    }

    @Test("failures leave the source failed with a reason or gone: a broken PDF, an oversized source, a model that fails, a source deleted mid-ingest")
    func failures() async throws {
        let app = try await TestApp.make {
            Self.configure(&$0)
            $0.knowledge.maxSourceBytes = 4096
            $0.knowledge.maxUserBytes = 6000
            $0.knowledge.inlineBytes = 2048
            $0.workerEnabled = false
        }
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "failures@kb.test")
            try await upload(client, app: app, user: user, name: "\(user.id)/broken.pdf", bytes: Array("%PDF-1.4 garbage".utf8), type: "application/pdf")
            let broken = try await Self.ingest(user, name: "Broken", content: "", extra: ["storagePath": "\(user.id)/broken.pdf"])
            #expect(broken.status == .unprocessableContent, "\(broken.body)")
            try await upload(client, app: app, user: user, name: "\(user.id)/blob.bin", bytes: [0xFF, 0xFE, 0x00, 0x81], type: "application/octet-stream")
            #expect(try await Self.ingest(user, name: "Blob", content: "", extra: ["storagePath": "\(user.id)/blob.bin"]).status == .unsupportedMediaType)
            #expect(try await Self.ingest(user, name: "Big", content: String(repeating: "word ", count: 1000)).status == .contentTooLarge)
            let none = try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.user_knowledge_sources WHERE user_id = $1::uuid", [.text(user.id)]))
            #expect(none == "0", "refused sources leave nothing behind")

            // A user's allowance (here 6,000 bytes): a source that would pass it is refused; replacing one counts it once.
            let first = try await Self.ingest(user, name: "First", content: String(repeating: "a note. ", count: 500))
            #expect(first.status == .ok, "\(first.body)")
            let firstID = try #require((first.object["source"] as? [String: Any])?["id"] as? String)
            try await app.parts.knowledge.handler.run(try Self.job(firstID))
            let overAllowance = try await Self.ingest(user, name: "Second", content: String(repeating: "a note. ", count: 500))
            #expect(overAllowance.status == .unprocessableContent, "\(overAllowance.body)")
            let replaced = try await Self.ingest(user, name: "First", content: String(repeating: "b note. ", count: 500), extra: ["sourceId": firstID])
            #expect(replaced.status == .ok, "\(replaced.body)")
            try await app.parts.knowledge.handler.run(try Self.job(firstID))
            #expect(try await user.functions.call("knowledge-ingest", "delete", json(["sourceId": firstID])).status == .ok)

            // Larger than the inline limit: queued; deleted before the job runs; the job writes nothing.
            let text = String(repeating: "I water the plants on Mondays. ", count: 80)
            let queued = try await Self.ingest(user, name: "Plants", content: text)
            #expect(queued.status == .ok, "\(queued.body)")
            let source = try #require((queued.object["source"] as? [String: Any])?["id"] as? String)
            #expect((queued.object["source"] as? [String: Any])?["status"] as? String == "processing")
            #expect(try await user.functions.call("knowledge-ingest", "delete", json(["sourceId": source])).status == .ok)
            try await app.parts.knowledge.handler.run(try Self.job(source))
            let orphans = try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.user_knowledge_chunks WHERE source_id = $1::uuid", [.text(source)]))
            #expect(orphans == "0")

            // Queued again and run: completed, with its progress.
            let second = try await Self.ingest(user, name: "Plants", content: text)
            let secondID = try #require((second.object["source"] as? [String: Any])?["id"] as? String)
            try await app.parts.knowledge.handler.run(try Self.job(secondID))
            let list = try await user.functions.call("knowledge-ingest", "list")
            let row = try #require((list.object["sources"] as? [[String: Any]])?.first { $0["id"] as? String == secondID })
            #expect(row["status"] as? String == "completed")
            #expect((row["chunk_count"] as? Int ?? 0) >= 2 && row["chunks_embedded"] as? Int == row["chunk_count"] as? Int)
            #expect(row["progress"] as? Double == 1 || row["progress"] as? Int == 1)
        }

        // A provider that takes the connection and never answers: the call times out, and the
        // source is failed, with the reason.
        let silent = try SilentListener()
        defer { silent.close() }
        let unreachable = try await TestApp.make {
            Self.configure(&$0)
            $0.knowledge.provider = .openai
            $0.knowledge.baseURL = "http://127.0.0.1:\(silent.port)/v1"
            $0.knowledge.dimensions = 8
            $0.knowledge.timeoutSeconds = 1
            $0.knowledge.urlFetch = true
        }
        try await unreachable.run { client in
            let user = try await signUp(client, app: unreachable, email: "provider@kb.test")
            let reply = try await Self.ingest(user, name: "Note", content: "Something worth remembering.")
            #expect(reply.status == .badGateway, "\(reply.body)")
            let state = try await unreachable.owner.text(SQLStatement(
                "SELECT status || ': ' || coalesce(error_message, '') FROM public.user_knowledge_sources WHERE user_id = $1::uuid", [.text(user.id)]))
            #expect(state?.hasPrefix("failed: embedding provider") == true, "\(state ?? "no source")")
            let chunks = try await unreachable.owner.text(SQLStatement("SELECT count(*)::text FROM public.user_knowledge_chunks WHERE user_id = $1::uuid", [.text(user.id)]))
            #expect(chunks == "0")
            // With fetching on, the server still never fetches its own or private addresses, however written.
            for address in ["http://127.0.0.1:1/", "http://localhost:1/", "http://[::ffff:127.0.0.1]:1/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                            "http://[::1]/", "file:///etc/passwd", "http://user:pw@127.0.0.1/"] {
                let reply = try await Self.ingest(user, name: "Link", content: "", type: "url", extra: ["sourceUrl": address])
                #expect(reply.status == .ok, "\(address): \(reply.body)")
                let source = reply.object["source"] as? [String: Any]
                #expect(source?["status"] as? String == "failed" && source?["chunks_total"] as? Int == 0, "\(address) was not fetched")
            }
        }
    }

    /// A loopback port whose connections the kernel accepts (the listen backlog) but nobody
    /// reads or answers: a provider that has stopped responding.
    struct SilentListener {
        let socket: Int32
        let port: Int

        init() throws {
            let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, length) } }
            guard bound == 0, listen(descriptor, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
            socket = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        func close() { _ = Glibc.close(socket) }
    }

    static func job(_ source: String) throws -> Job {
        try JSONDecoder().decode(Job.self, from: Data("""
            {"id":"\(UUID().uuidString)","kind":"knowledge.ingest","payload":"{\\"source_id\\":\\"\(source)\\"}","attempts":1,"max_attempts":5,"idempotency_key":null,"run_at":"2026-01-01T00:00:00Z"}
            """.utf8))
    }

    /// A one-page PDF showing `text` in Helvetica, its cross-reference table computed.
    static func pdf(text: String) -> [UInt8] {
        let content = "BT /F1 12 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var output = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(output.utf8.count)
            output += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = output.utf8.count
        output += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { output += String(format: "%010d 00000 n \n", offset) }
        output += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(output.utf8)
    }

    /// Uploads an object to the user's `documents` bucket through the Storage API.
    func upload(_ client: any TestClientProtocol, app: TestApp, user: TestUser, name: String, bytes: [UInt8], type: String) async throws {
        let response = try await client.execute(
            uri: "/storage/v1/object/documents/\(name)", method: .post,
            headers: [.authorization: "Bearer \(user.token)", HTTPField.Name("apikey")!: app.keys.anon, .contentType: type],
            body: ByteBuffer(bytes: bytes))
        #expect(response.status == .ok, "upload of \(name): \(String(buffer: response.body))")
    }
}
