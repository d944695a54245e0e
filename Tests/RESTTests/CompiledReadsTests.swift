import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import RESTAPI
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// A GET or HEAD compiled once is served again only to the same form, role and schema cache:
/// each test makes a second request that a memo keyed too loosely would answer wrongly.
@Suite("REST: compiled reads")
struct CompiledReadsTests {
    /// A table whose `secret` column anon may not read, three rows, and a fresh schema cache.
    static func notes(_ app: TestApp) async throws {
        try await TestCluster.withConnection(app.database) { connection in
            for statement in [
                "CREATE TABLE public.memo_notes (id int PRIMARY KEY, title text NOT NULL, secret text NOT NULL)",
                "GRANT SELECT (id, title) ON public.memo_notes TO anon",
                "GRANT SELECT ON public.memo_notes TO authenticated",
                "INSERT INTO public.memo_notes VALUES (1, 'one', 's1'), (2, 'two', 's2'), (3, 'three', 's3')",
            ] {
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
            }
        }
        try await app.parts.schemaCache.reload()
    }

    /// Runs `body` against a server with the notes table, given its client, an anon REST client
    /// and the server's memo of compiled reads.
    static func withNotes(
        _ body: @Sendable (TestApp, any TestClientProtocol, RESTClient, CompiledReads) async throws -> Void
    ) async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            try await notes(app)
            try await body(app, client, RESTClient(client: client, apiKey: app.keys.anon), app.parts.rest.compiledReads)
        }
    }

    @Test("a read compiled for one role is compiled again for another: anon's * leaves out the column it may not read")
    func roles() async throws {
        try await Self.withNotes { app, client, anon, memo in
            let user = try await app.signUp(client, email: "reader@compiled.test")
            let signedIn = anon.with(bearer: user.token)
            let query = "memo_notes?select=*&order=id"

            let before = memo.statistics
            let first = try await signedIn.send(.get, query)
            #expect(first.status == .ok, "\(first.body)")
            #expect(first.array.map { $0["secret"] as? String } == ["s1", "s2", "s3"])

            let asAnon = try await anon.send(.get, query)
            #expect(asAnon.status == .ok, "\(asAnon.body)")
            #expect(asAnon.array.map { $0.keys.sorted() } == Array(repeating: ["id", "title"], count: 3), "\(asAnon.body)")
            // A forged token is refused before anything is compiled or looked up.
            let forged = try await anon.with(bearer: user.token.dropLast(2) + "AA").send(.get, query)
            #expect(forged.status == .unauthorized)

            let again = try await signedIn.send(.get, query)
            #expect(again.body == first.body)
            let after = memo.statistics
            #expect(after.misses - before.misses == 2, "one compile per role")
            #expect(after.hits - before.hits == 1, "the signed-in user's second read is served compiled")
        }
    }

    @Test("the headers the parser reads are part of the key; other headers are not")
    func headers() async throws {
        try await Self.withNotes { _, _, rest, memo in
            let query = "memo_notes?select=id&order=id"

            func ids(_ reply: RESTClient.Reply) -> [Int] { reply.array.compactMap { $0["id"] as? Int } }
            let plain = try await rest.send(.get, query)
            #expect(ids(plain) == [1, 2, 3])
            #expect(plain.header("Content-Range") == "0-2/*")

            let counted = try await rest.send(.get, query, prefer: "count=exact")
            #expect(counted.header("Content-Range") == "0-2/3")
            let ranged = try await rest.send(.get, query, headers: [("Range", "1-1")])
            #expect(ids(ranged) == [2])
            let object = try await rest.send(.get, query + "&id=eq.2", accept: "application/vnd.pgrst.object+json")
            #expect(object.body == #"{"id":2}"#)
            let many = try await rest.send(.get, query, accept: "application/vnd.pgrst.object+json")
            #expect(many.status == .notAcceptable, "\(many.body)")
            let profile = try await rest.send(.get, query, headers: [("Accept-Profile", "private")])
            #expect(profile.status == .notAcceptable, "\(profile.body)")
            let head = try await rest.send(.head, query)
            #expect(head.status == .ok && head.body.isEmpty)

            // Headers the parser never reads change nothing: served compiled.
            let before = memo.statistics
            let other = try await rest.send(.get, query, headers: [("X-Client-Info", "supabase-js/2.0"), ("User-Agent", "compiled-test")])
            #expect(other.body == plain.body)
            #expect(memo.statistics.hits == before.hits + 1)
            #expect(memo.statistics.misses == before.misses)
        }
    }

    @Test("a reloaded schema cache compiles afresh: a column added since is read")
    func reload() async throws {
        try await Self.withNotes { app, _, rest, _ in
            let query = "memo_notes?select=*&order=id&limit=1"
            #expect(try await rest.send(.get, query).body == #"[{"id":1,"title":"one"}]"#)
            try await TestCluster.withConnection(app.database) { connection in
                for statement in [
                    "ALTER TABLE public.memo_notes ADD COLUMN mood text NOT NULL DEFAULT 'calm'",
                    "GRANT SELECT (mood) ON public.memo_notes TO anon",
                ] {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
                }
            }
            try await app.parts.schemaCache.reload()
            #expect(try await rest.send(.get, query).body == #"[{"id":1,"title":"one","mood":"calm"}]"#)
        }
    }

    @Test("one compiled read serves every user, each sees only their own rows, and an ended session none")
    func users() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@compiled.test")
            let bob = try await app.signUp(client, email: "bob@compiled.test")
            let anon = RESTClient(client: client, apiKey: app.keys.anon)
            for (caller, prompt) in [(alice, "alice's sea"), (bob, "bob's mountain")] {
                let made = try await anon.with(bearer: caller.token).send(.post, "vision_boards", json: #"{"prompt":"\#(prompt)","image_url":"u"}"#)
                #expect(made.status == .created, "\(made.body)")
            }
            let memo = app.parts.rest.compiledReads
            let before = memo.statistics
            let query = "vision_boards?select=prompt,user_id"
            let seenByAlice = try await anon.with(bearer: alice.token).send(.get, query)
            let seenByBob = try await anon.with(bearer: bob.token).send(.get, query)
            #expect(seenByAlice.array.map { $0["prompt"] as? String } == ["alice's sea"])
            #expect(seenByAlice.array.map { $0["user_id"] as? String } == [alice.id])
            #expect(seenByBob.array.map { $0["prompt"] as? String } == ["bob's mountain"])
            #expect(seenByBob.array.map { $0["user_id"] as? String } == [bob.id])
            let seenByAnon = try await anon.send(.get, query)
            #expect(seenByAnon.array.isEmpty && !seenByAnon.body.contains("sea"), "\(seenByAnon.status) \(seenByAnon.body)")
            #expect(memo.statistics.hits == before.hits + 1, "bob's read reuses alice's compiled one")

            // A token whose session has ended reads nothing, though its read is compiled.
            let logout = try await client.execute(
                uri: "/auth/v1/logout", method: .post,
                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(alice.token)"]) { $0.status }
            #expect(logout == .noContent)
            let hits = memo.statistics.hits
            let revoked = try await anon.with(bearer: alice.token).send(.get, query)
            #expect(revoked.status == .unauthorized, "\(revoked.body)")
            #expect(!revoked.body.contains("sea"))
            #expect(memo.statistics.hits == hits + 1, "the revoked token's read was served compiled, and still refused")
        }
    }

    @Test("a form or a statement longer than the memo keeps is answered but not kept")
    func longForms() async throws {
        try await Self.withNotes { _, _, rest, memo in
            let long = String(repeating: "x", count: memo.maxFormLength)
            let before = memo.statistics
            let reply = try await rest.send(.get, "memo_notes?select=id&title=neq.\(long)&order=id")
            #expect(reply.array.compactMap { $0["id"] as? Int } == [1, 2, 3], "\(reply.body)")
            #expect(memo.statistics.held == before.held)
            #expect(memo.statistics.misses == before.misses, "a form too long is not even looked up")

            // A short form whose statement is long: 250 alternatives, some 3.5 KB of query.
            let titles = (1..<250).map { "title.eq.t\($0)" }.joined(separator: ",")
            let query = "memo_notes?select=id&or=(\(titles),title.eq.two)"
            #expect(query.utf8.count < memo.maxFormLength)
            for _ in 1...2 {
                let wide = try await rest.send(.get, query)
                #expect(wide.array.compactMap { $0["id"] as? Int } == [2], "\(wide.body.prefix(200))")
            }
            #expect(memo.statistics.held == before.held, "compiled twice, kept neither time")
            #expect(memo.statistics.misses == before.misses + 2)
        }
    }
}
