@testable import RESTQuery
import Testing

/// Whole requests as supabase-py and supabase-js put them on the wire (docs/wire-compatibility.md,
/// What the clients send).
@Suite("what the official clients send")
struct ClientWireTests {
    static let uid = "8d0f2a51-6c7e-4b8a-9f11-2a3b4c5d6e7f"

    @Test("py select(cols, count=exact).eq().order(desc=True).limit(); both profile headers")
    func pySelect() throws {
        let parsed = try #require(request(
            "GET", "/habits",
            query: "select=id%2Ctitle%2Ccompletions%28done_at%29&user_id=eq.\(Self.uid)&order=created_at.desc&limit=10",
            headers: [("Prefer", "count=exact"), ("Accept-Profile", "public"), ("Content-Profile", "public")]))
        #expect(parsed.target == .relation("habits"))
        #expect(parsed.action == .read(headersOnly: false))
        #expect(parsed.profile == "public")
        #expect(parsed.query.select == [column("id"), column("title"), embed("completions", [column("done_at")])])
        #expect(parsed.query.filters.map(\.parsed) == [.success(PathFilter(path: [], field: Field(name: "user_id"), filter: value(.eq, Self.uid)))])
        #expect(parsed.query.order == [PathOrder(path: [], terms: [OrderTerm(field: Field(name: "created_at"), direction: .desc)])])
        #expect(parsed.query.ranges == [PathRange(path: [], limit: 10)])
        #expect(parsed.preferences.count == .exact)
        #expect(parsed.mediaType == .json)
    }

    @Test("py insert([..]): columns=\"a\",\"b\", return=representation (+ missing=default)")
    func pyBulkInsert() throws {
        let body = "[{\"title\": \"Run\", \"user_id\": \"\(Self.uid)\"}, {\"title\": \"Read\", \"notes\": null}]"
        let parsed = try #require(request(
            "POST", "/habits", query: "columns=%22title%22%2C%22user_id%22%2C%22notes%22",
            headers: [("Prefer", "return=representation,missing=default"), ("Content-Type", "application/json")], body: body))
        #expect(parsed.action == .insert)
        #expect(parsed.query.columns == ["title", "user_id", "notes"])
        #expect(parsed.preferences.return == .representation)
        #expect(parsed.preferences.missing == .default)
        #expect(parsed.payload == Payload(json: body, shape: .array, keys: ["title", "user_id", "notes"]))
        #expect(request("POST", "/t", query: "columns=a,b", body: "[]")?.query.columns == ["a", "b"])
        #expect(request("POST", "/t", query: "columns=%20a%20,%20%22b%20c%22", body: "[]")?.query.columns == ["a", "b c"])
    }

    @Test("py upsert(rows, on_conflict=...): return=representation,resolution=merge-duplicates")
    func pyUpsert() throws {
        let parsed = try #require(request(
            "POST", "/habit_days", query: "on_conflict=habit_id%2Cday&columns=%22habit_id%22%2C%22day%22",
            headers: [("Prefer", "return=representation,resolution=merge-duplicates")],
            body: "[{\"habit_id\": 1, \"day\": \"2024-05-01\"}]"))
        #expect(parsed.query.onConflict == ["habit_id", "day"])
        #expect(parsed.preferences.resolution == .mergeDuplicates)
        #expect(parsed.preferences.return == .representation)
        let ignoring = try #require(request("POST", "/t", query: "on_conflict=id", headers: [("Prefer", "return=minimal,resolution=ignore-duplicates")], body: "{\"id\":1}"))
        #expect(ignoring.preferences.resolution == .ignoreDuplicates)
        #expect(ignoring.query.onConflict == ["id"])
    }

    @Test("py update(v).eq() and delete().eq() with {} body")
    func pyUpdateDelete() throws {
        let update = try #require(request("PATCH", "/habits", query: "id=eq.7", headers: [("Prefer", "return=representation")], body: "{\"title\": \"x\"}"))
        #expect(update.action == .update)
        #expect(update.payload?.keys == ["title"])
        let delete = try #require(request("DELETE", "/habits", query: "id=eq.7", headers: [("Prefer", "return=representation")], body: "{}"))
        #expect(delete.action == .delete)
        #expect(delete.payload == nil)
        #expect(delete.query.filters.first?.parsed.successValue?.filter == value(.eq, "7"))
    }

    @Test("py filters: not_.in_, in_ with quoted values, is_, text_search, like_all_of, contains(dict)")
    func pyFilters() throws {
        let parsed = try #require(request(query: [
            "id=not.in.%281%2C2%29",
            "at=in.%28%222024-01-01T00%3A00%3A00%22%2C%22a%2Cb%22%29",
            "deleted_at=is.null",
            "doc=fts%28english%29.cat+%26+dog",
            "name=like%28all%29.%7Ba%2A%2C%2Ab%7D",
            "meta=cs.%7B%22k%22%3A+%22v%22%7D",
            "email=eq.null",
        ].joined(separator: "&")))
        #expect(parsed.query.filters.map { $0.parsed.successValue?.filter } == [
            list(.in, ["1", "2"], not: true),
            list(.in, ["2024-01-01T00:00:00", "a,b"]),
            isFilter(.null),
            value(.fts, "cat & dog", language: "english"),
            list(.like, ["a%", "%b"], quantifier: .all),
            value(.cs, "{\"k\": \"v\"}"),
            value(.eq, "null"),
        ])
    }

    @Test("py or_(…, reference_table=t) and js or(…, {referencedTable})")
    func referencedOr() throws {
        let parsed = try #require(request(query: "select=*,habits(*)&habits.or=%28done.eq.true%2Cdone.is.null%29&or=(a.eq.1,habits.done.eq.true)"))
        #expect(parsed.query.logic == [
            PathLogic(path: ["habits"], tree: .or(negated: false, [condition("done", value(.eq, "true")), condition("done", isFilter(.null))])),
            PathLogic(path: [], tree: .or(negated: false, [condition("a", value(.eq, "1")), condition("done", value(.eq, "true"), path: ["habits"])])),
        ])
    }

    @Test("js range(a,b) sends offset=a&limit=b-a+1; order with nullsFirst; referencedTable order/limit")
    func jsTransforms() throws {
        let parsed = try #require(request(
            query: "select=*%2Chabits%28*%29&order=c.desc.nullsfirst&habits.order=created_at.asc%2Cid.desc&habits.limit=5&offset=10&limit=10"))
        #expect(parsed.query.select == [.star, embed("habits")])
        #expect(parsed.query.order == [
            PathOrder(path: [], terms: [OrderTerm(field: Field(name: "c"), direction: .desc, nulls: .first)]),
            PathOrder(path: ["habits"], terms: [
                OrderTerm(field: Field(name: "created_at"), direction: .asc), OrderTerm(field: Field(name: "id"), direction: .desc),
            ]),
        ])
        #expect(parsed.query.ranges == [PathRange(path: ["habits"], limit: 5), PathRange(path: [], limit: 10, offset: 10)])
    }

    @Test("js single(), maybeSingle() on writes, csv(), explain()", arguments: [
        ("application/vnd.pgrst.object+json", MediaType.singleObject),
        ("application/json", .json),
        ("text/csv", .csv),
        ("application/vnd.pgrst.plan+text; for=\"application/json\"; options=analyze|verbose",
         .plan(PlanRequest(format: .text, target: .json, targetName: "application/json", options: ["analyze", "verbose"],
                           written: "application/vnd.pgrst.plan+text; for=\"application/json\"; options=analyze|verbose"))),
        // postgrest-js's explain({format: 'json'}) sends the options in its own order; EXPLAIN gets them in a fixed one.
        ("application/vnd.pgrst.plan+json; for=\"application/vnd.pgrst.object+json\"; options=buffers|analyze",
         .plan(PlanRequest(format: .json, target: .singleObject, targetName: "application/vnd.pgrst.object+json", options: ["analyze", "buffers"],
                           written: "application/vnd.pgrst.plan+json; for=\"application/vnd.pgrst.object+json\"; options=buffers|analyze"))),
        ("application/vnd.pgrst.plan+json; options=analyze|drop table", .unsupported("application/vnd.pgrst.plan+json; options=analyze|drop table")),
        ("application/geo+json", .unsupported("application/geo+json")),
    ])
    func jsAccept(accept: String, mediaType: MediaType) {
        #expect(request(query: "select=*", headers: [("Accept", accept)])?.mediaType == mediaType)
    }

    @Test("js insert(v).select().rollback(): Prefer values appended with \", \"")
    func jsInsertSelectRollback() throws {
        let parsed = try #require(request(
            "POST", "/habits", query: "columns=%22title%22&select=*",
            headers: [("prefer", "return=representation, tx=rollback"), ("content-profile", "public")],
            body: "[{\"title\":\"x\"}]"))
        #expect(parsed.preferences.return == .representation)
        #expect(parsed.preferences.transaction == .rollback)
        #expect(parsed.profile == "public")
        #expect(parsed.query.select == [.star])
    }

    @Test("js select('*', {count, head: true}) is a HEAD with count")
    func jsHeadCount() throws {
        let parsed = try #require(request("HEAD", "/habits", query: "select=*", headers: [("Prefer", "count=exact")]))
        #expect(parsed.action == .read(headersOnly: true))
        #expect(parsed.preferences.count == .exact)
    }

    @Test("js match({…}) and filter(col, op, value)")
    func jsMatchAndFilter() throws {
        let parsed = try #require(request(query: "a=eq.1&b=eq.x&tags=cs.%7Ba%2Cb%7D&r=ov.%5B1%2C5%29"))
        #expect(parsed.query.filters.map { $0.parsed.successValue?.filter } == [
            value(.eq, "1"), value(.eq, "x"), value(.cs, "{a,b}"), value(.ov, "[1,5)"),
        ])
    }

    @Test("rpc: POST with named arguments; GET/HEAD with arguments in the query, arrays as {a,b}")
    func rpc() throws {
        let post = try #require(request("POST", "/rpc/decrement_user_credits", headers: [("Content-Type", "application/json")], body: "{\"amount\": 1}"))
        #expect(post.target == .routine("decrement_user_credits"))
        #expect(post.payload?.keys == ["amount"])

        let get = try #require(request("GET", "/rpc/search", query: "query=cats+and+dogs&match_count=5&ids=%7B1%2C2%7D&limit_count=3&select=id&order=rank.desc&limit=2"))
        #expect(get.action == .call(readOnly: true, headersOnly: false))
        #expect(get.query.filters.map(\.key) == ["query", "match_count", "ids", "limit_count"])
        #expect(get.query.filters.map(\.value) == ["cats and dogs", "5", "{1,2}", "3"])
        #expect(get.query.filters.allSatisfy { $0.parsed.failureValue != nil })
        #expect(get.query.ranges == [PathRange(path: [], limit: 2)])
        #expect(get.query.select == [column("id")])

        let head = try #require(request("HEAD", "/rpc/f", query: "x=1", headers: [("Prefer", "count=exact")]))
        #expect(head.action == .call(readOnly: true, headersOnly: true))
        #expect(head.preferences.count == .exact)

        // js falls back to POST with return=minimal when a head call has object arguments.
        let fallback = try #require(request("POST", "/rpc/f", headers: [("Prefer", "return=minimal")], body: "{\"o\":{\"k\":1}}"))
        #expect(fallback.preferences.return == .minimal)
    }
}
