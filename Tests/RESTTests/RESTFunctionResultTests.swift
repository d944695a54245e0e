import Database
import Foundation
import HTTPTypes
import PostgresNIO
import RESTAPI
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// RPC results that are rows are read like a relation: `select`, filters, `order`, window,
/// count, singular and CSV responses, and embeddings through the returned table's keys.
@Suite("REST: function results")
struct RESTFunctionResultTests {
    /// Two functions made for these tests, created as the owner (call `reload` once the app runs).
    static func makeApp() async throws -> TestApp {
        let app = try await TestApp.make()
        try await TestCluster.withConnection(app.database) { connection in
            for statement in [
                """
                CREATE FUNCTION public.numbers(p_count int) RETURNS TABLE (n int, label text)
                LANGUAGE sql IMMUTABLE AS $$ SELECT g, 'n' || g FROM generate_series(1, p_count) AS g $$
                """,
                "GRANT EXECUTE ON FUNCTION public.numbers(int) TO anon, authenticated",
                """
                CREATE FUNCTION public.my_boards(p_favorites boolean DEFAULT false) RETURNS SETOF public.vision_boards
                LANGUAGE sql STABLE AS $$ SELECT * FROM public.vision_boards WHERE NOT p_favorites OR is_favorite $$
                """,
                "GRANT EXECUTE ON FUNCTION public.my_boards(boolean) TO authenticated",
            ] {
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
            }
        }
        return app
    }

    @Test("GET and POST calls take filters, order, select and limit on the returned rows")
    func filtersAndOrder() async throws {
        let app = try await Self.makeApp()
        try await app.run { client in
            try await app.parts.schemaCache.reload()
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let get = try await rest.send(.get, "rpc/numbers?p_count=10&n=gt.3&order=n.desc&limit=2")
            #expect(get.status == .ok, "\(get.body)")
            #expect(get.body == #"[{"n":10,"label":"n10"}, {"n":9,"label":"n9"}]"# || get.array.map { $0["n"] as? Int } == [10, 9])
            let post = try await rest.send(.post, "rpc/numbers?select=label&n=in.(1,3)&order=n", json: #"{"p_count":5}"#)
            #expect(post.status == .ok)
            #expect(post.array.map { $0["label"] as? String } == ["n1", "n3"])
            #expect(post.array.allSatisfy { $0.count == 1 })
            let logic = try await rest.send(.post, "rpc/numbers?or=(n.eq.2,label.eq.n4)", json: #"{"p_count":5}"#)
            #expect(logic.array.map { $0["n"] as? Int } == [2, 4])
        }
    }

    @Test("count, ranges, singular objects and CSV apply to function results")
    func countsAndMediaTypes() async throws {
        let app = try await Self.makeApp()
        try await app.run { client in
            try await app.parts.schemaCache.reload()
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            let counted = try await rest.send(.post, "rpc/numbers?limit=2&offset=1", json: #"{"p_count":5}"#, prefer: "count=exact")
            #expect(counted.status == .partialContent)
            #expect(counted.header("Content-Range") == "1-2/5")
            #expect(counted.array.map { $0["n"] as? Int } == [2, 3])
            let beyond = try await rest.send(.post, "rpc/numbers?offset=9", json: #"{"p_count":5}"#, prefer: "count=exact")
            #expect(beyond.status.code == 416)
            let single = try await rest.send(.post, "rpc/numbers?n=eq.2", json: #"{"p_count":5}"#, accept: "application/vnd.pgrst.object+json")
            #expect(single.status == .ok)
            #expect(single.object["label"] as? String == "n2")
            let many = try await rest.send(.post, "rpc/numbers", json: #"{"p_count":5}"#, accept: "application/vnd.pgrst.object+json")
            #expect(many.status.code == 406)
            #expect(many.code == "PGRST116")
            let csv = try await rest.send(.post, "rpc/numbers?n=lte.2", json: #"{"p_count":5}"#, accept: "text/csv")
            #expect(csv.header("Content-Type") == "text/csv; charset=utf-8")
            #expect(csv.body == "n,label\n1,n1\n2,n2")
        }
    }

    @Test("a SETOF table result keeps RLS and embeds through the table's keys; bad filters are 400s")
    func tableResults() async throws {
        let app = try await Self.makeApp()
        try await app.run { client in
            try await app.parts.schemaCache.reload()
            let alice = try await app.signUp(client, email: "alice@rpc.test")
            let bob = try await app.signUp(client, email: "bob@rpc.test")
            let anon = RESTClient(client: client, apiKey: app.keys.anon)
            let asAlice = anon.with(bearer: alice.token)
            for (prompt, favorite) in [("sea", true), ("hills", false), ("city", true)] {
                let made = try await asAlice.send(
                    .post, "vision_boards", json: #"{"prompt":"\#(prompt)","image_url":"u","is_favorite":\#(favorite)}"#)
                #expect(made.status == .created)
            }
            let favorites = try await asAlice.send(
                .post, "rpc/my_boards?select=prompt,poster_orders(id)&order=prompt", json: #"{"p_favorites":true}"#)
            #expect(favorites.status == .ok, "\(favorites.body)")
            #expect(favorites.array.map { $0["prompt"] as? String } == ["city", "sea"])
            #expect(favorites.array.allSatisfy { ($0["poster_orders"] as? [Any])?.isEmpty == true })
            let filtered = try await asAlice.send(.get, "rpc/my_boards?prompt=like.*i*&order=prompt")
            #expect(filtered.array.map { $0["prompt"] as? String } == ["city", "hills"])
            #expect(try await anon.with(bearer: bob.token).send(.post, "rpc/my_boards", json: "{}").array.isEmpty)

            let unknownColumn = try await asAlice.send(.post, "rpc/my_boards?nope=eq.1", json: "{}")
            #expect(unknownColumn.status == .badRequest)
            let scalar = try await asAlice.send(.post, "rpc/decrement_user_credits?x=eq.1", json: "{}")
            #expect(scalar.status == .badRequest)
            #expect(scalar.code == "PGRST100")
        }
    }
}

@Suite("REST: Location and max-affected")
struct RESTPreferenceTests {
    @Test("return=headers-only answers 201, no body and the new row's Location")
    func location() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@location.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon).with(bearer: alice.token)
            let created = try await rest.send(
                .post, "vision_boards", json: #"{"prompt":"p","image_url":"u"}"#, prefer: "return=headers-only")
            #expect(created.status == .created)
            #expect(created.body.isEmpty)
            let location = try #require(created.header("Location"))
            #expect(location.hasPrefix("/vision_boards?id=eq."))
            let read = try await rest.send(.get, String(location.dropFirst()))
            #expect(read.array.map { $0["prompt"] as? String } == ["p"])
            let minimal = try await rest.send(.post, "vision_boards", json: #"{"prompt":"q","image_url":"u"}"#)
            #expect(minimal.header("Location") == nil)
        }
    }

    @Test("handling=strict with max-affected refuses (and undoes) a write touching more rows")
    func maxAffected() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@affected.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon).with(bearer: alice.token)
            for prompt in ["a", "b", "c"] {
                #expect(try await rest.send(.post, "vision_boards", json: #"{"prompt":"\#(prompt)","image_url":"u"}"#).status == .created)
            }
            let refused = try await rest.send(
                .patch, "vision_boards", json: #"{"is_favorite":true}"#, prefer: "handling=strict, max-affected=2")
            #expect(refused.status == .badRequest)
            #expect(refused.code == "PGRST124")
            #expect(try await rest.send(.get, "vision_boards?is_favorite=is.true").array.isEmpty, "the update was undone")
            let lenient = try await rest.send(.patch, "vision_boards?prompt=eq.a", json: #"{"is_favorite":true}"#, prefer: "max-affected=0")
            #expect(lenient.status == .noContent, "without handling=strict the limit is ignored")
            let allowed = try await rest.send(
                .delete, "vision_boards?prompt=in.(b,c)", prefer: "handling=strict, max-affected=2")
            #expect(allowed.status == .noContent)
        }
    }
}

@Suite("REST: nulls=stripped")
struct RESTStrippedNullsTests {
    @Test("arrays and objects without null-valued keys, for reads and written representations")
    func stripped() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@nulls.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon).with(bearer: alice.token)
            let array = "application/vnd.pgrst.array+json;nulls=stripped"
            let written = try await rest.send(
                .post, "vision_boards?select=prompt,deleted_at", json: #"{"prompt":"p","image_url":"u"}"#,
                prefer: "return=representation", accept: array)
            #expect(written.status == .created)
            #expect(written.body == #"[{"prompt":"p"}]"#)
            let read = try await rest.send(.get, "vision_boards?select=prompt,deleted_at", accept: array)
            #expect(read.body == #"[{"prompt":"p"}]"#)
            #expect(read.header("Content-Type")?.hasPrefix("application/vnd.pgrst.array+json") == true)
            let plain = try await rest.send(.get, "vision_boards?select=prompt,deleted_at")
            #expect(plain.body == #"[{"prompt":"p","deleted_at":null}]"#)
            let object = try await rest.send(
                .get, "vision_boards?select=prompt,deleted_at", accept: "application/vnd.pgrst.object+json;nulls=stripped")
            #expect(object.body == #"{"prompt":"p"}"#)
        }
    }
}

@Suite("REST: PUT single-row upsert")
struct RESTPutTests {
    @Test("PUT inserts (201) or replaces (200) the row its primary key names; 204 minimal; bad PUTs refused")
    func put() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@put.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon).with(bearer: alice.token)
            let id = UUID().uuidString.lowercased()
            let created = try await rest.send(
                .put, "vision_boards?id=eq.\(id)", json: #"{"id":"\#(id)","prompt":"first","image_url":"u"}"#, prefer: "return=representation")
            #expect(created.status == .created, "\(created.body)")
            #expect(created.array.first?["prompt"] as? String == "first")
            let replaced = try await rest.send(
                .put, "vision_boards?id=eq.\(id)", json: #"{"id":"\#(id)","prompt":"second","image_url":"u"}"#, prefer: "return=representation")
            #expect(replaced.status == .ok)
            #expect(replaced.array.first?["prompt"] as? String == "second")
            let minimal = try await rest.send(.put, "vision_boards?id=eq.\(id)", json: #"{"id":"\#(id)","prompt":"third","image_url":"u"}"#)
            #expect(minimal.status == .noContent)
            #expect(try await rest.send(.get, "vision_boards?select=prompt").array.map { $0["prompt"] as? String } == ["third"])

            let notKey = try await rest.send(.put, "vision_boards?prompt=eq.x", json: #"{"prompt":"x","image_url":"u"}"#)
            #expect(notKey.status.code == 405)
            #expect(notKey.code == "PGRST105")
            let notEq = try await rest.send(.put, "vision_boards?id=gt.\(id)", json: #"{"id":"\#(id)","prompt":"x","image_url":"u"}"#)
            #expect(notEq.code == "PGRST105")
            let windowed = try await rest.send(.put, "vision_boards?id=eq.\(id)&limit=1", json: #"{"id":"\#(id)","prompt":"x","image_url":"u"}"#)
            #expect(windowed.status == .badRequest)
            #expect(windowed.code == "PGRST114")
            let mismatch = try await rest.send(
                .put, "vision_boards?id=eq.\(id)", json: #"{"id":"\#(UUID().uuidString.lowercased())","prompt":"x","image_url":"u"}"#)
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.code == "PGRST115")
            #expect(try await rest.send(.get, "vision_boards?select=prompt").array.map { $0["prompt"] as? String } == ["third"])
        }
    }
}
