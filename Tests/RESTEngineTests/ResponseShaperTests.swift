import RESTEngine
import RESTErrors
import RESTQuery
import SchemaCache
import Testing

/// The response stage alone: a request parsed and planned against a hand-made schema cache, and
/// the statement's row (`total`, rows in the response, body; all text) given by hand, as
/// PostgreSQL would answer it. No database.
@Suite("REST response shaping")
struct ResponseShaperTests {
    static let everyone = ["anon", "authenticated", "service_role"]

    static let cache = SchemaCache(
        relations: [
            Relation(
                schema: "public", name: "items", kind: .table,
                columns: [
                    Column(name: "id", type: "uuid", nullable: false, hasDefault: true, defaultExpression: "gen_random_uuid()",
                           generated: false, readableBy: everyone, comment: nil),
                    Column(name: "name", type: "text", nullable: false, hasDefault: false, generated: false,
                           readableBy: everyone, comment: nil),
                ],
                primaryKey: ["id"], uniqueKeys: [["id"]], foreignKeys: [], comment: nil),
            // A composite primary key whose values need percent-encoding in `Location`.
            Relation(
                schema: "public", name: "board slots", kind: .table,
                columns: [
                    Column(name: "board", type: "text", nullable: false, hasDefault: false, generated: false,
                           readableBy: everyone, comment: nil),
                    Column(name: "position", type: "integer", nullable: false, hasDefault: false, generated: false,
                           readableBy: everyone, comment: nil),
                ],
                primaryKey: ["board", "position"], uniqueKeys: [["board", "position"]], foreignKeys: [], comment: nil),
            // No primary key: nothing to point a `Location` at.
            Relation(
                schema: "public", name: "events", kind: .table,
                columns: [
                    Column(name: "body", type: "text", nullable: true, hasDefault: false, generated: false,
                           readableBy: everyone, comment: nil),
                ],
                primaryKey: [], uniqueKeys: [], foreignKeys: [], comment: nil),
        ],
        routines: [
            Routine(schema: "public", name: "list_items", parameters: [], returnType: "items", returnsSet: true,
                    returnsComposite: true, volatility: .stable, comment: nil,
                    resultColumns: [.init(name: "id", type: "uuid"), .init(name: "name", type: "text")],
                    resultRelation: QualifiedName(schema: "public", name: "items")),
            Routine(schema: "public", name: "archive", parameters: [.init(name: "before", type: "date", hasDefault: false)],
                    returnType: "integer", returnsSet: false, returnsComposite: false, volatility: .volatile, comment: nil),
            Routine(schema: "public", name: "ping", parameters: [], returnType: "void", returnsSet: false,
                    returnsComposite: false, volatility: .volatile, comment: nil),
        ])

    static let id = "7f1c2b9e-3d4a-4e5f-8a6b-0c1d2e3f4a5b"

    /// The shaper of one request as a client sends it.
    static func shaper(
        _ method: String = "GET", _ path: String = "/items", query: String = "", headers: [(String, String)] = [],
        body: String? = nil, role: String = "anon", maxRows: Int? = nil
    ) throws -> ResponseShaper {
        let request = try ApiRequestParser.parse(
            method: method, path: path, query: query, headers: headers.map { (name: $0.0, value: $0.1) },
            body: body.map { Array($0.utf8) }
        ).get()
        let plan = try Planner(cache: cache, maxRows: maxRows).plan(request, role: role)
        return ResponseShaper(request: request, plan: plan)
    }

    /// The value of the one header `name` (case-insensitive); nil when absent. Records an issue
    /// when the header is there twice.
    static func header(_ response: RESTResponse, _ name: String) -> String? {
        let values = response.headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1)
        if values.count > 1 { Issue.record("\(name) sent \(values.count) times: \(values)") }
        return values.first
    }

    static let json = "application/json; charset=utf-8"
    static let object = "application/vnd.pgrst.object+json; charset=utf-8"
    static let csv = "text/csv; charset=utf-8"
    static let tenRows = "[" + (0..<10).map { #"{"n":\#($0)}"# }.joined(separator: ",") + "]"

    // MARK: Reads: status and Content-Range

    @Test("a read without a count: 200, first-last/*, the body as PostgreSQL built it")
    func readWithoutCount() throws {
        let response = try Self.shaper().response([nil, "10", Self.tenRows])
        #expect(response.status == 200)
        #expect(Self.header(response, "Content-Range") == "0-9/*")
        #expect(Self.header(response, "Content-Type") == Self.json)
        #expect(Self.header(response, "Preference-Applied") == nil)
        #expect(response.body == Self.tenRows)
    }

    @Test("count=exact: the total in Content-Range, 206 for a page of it, 200 for all of it")
    func exactCount() throws {
        let shaper = try Self.shaper(query: "limit=10", headers: [("Prefer", "count=exact")])
        let page = try shaper.response(["57", "10", Self.tenRows])
        #expect(page.status == 206)
        #expect(Self.header(page, "Content-Range") == "0-9/57")
        #expect(Self.header(page, "Preference-Applied") == "count=exact")

        let all = try shaper.response(["10", "10", Self.tenRows])
        #expect(all.status == 200)
        #expect(Self.header(all, "Content-Range") == "0-9/10")
    }

    @Test("an offset shifts the range: offset=20 with 10 rows of 57 is 20-29/57")
    func offsetRange() throws {
        let response = try Self.shaper(query: "offset=20&limit=10", headers: [("Prefer", "count=planned")])
            .response(["57", "10", Self.tenRows])
        #expect(response.status == 206)
        #expect(Self.header(response, "Content-Range") == "20-29/57")
        #expect(Self.header(response, "Preference-Applied") == "count=planned")
    }

    @Test("a Range header is a window like limit/offset")
    func rangeHeader() throws {
        let response = try Self.shaper(headers: [("Range", "5-9"), ("Prefer", "count=exact")]).response(["57", "5", "[]"])
        #expect(response.status == 206)
        #expect(Self.header(response, "Content-Range") == "5-9/57")
    }

    @Test("max-rows caps the page; the shaper reports the rows PostgreSQL returned")
    func maxRows() throws {
        let response = try Self.shaper(headers: [("Prefer", "count=exact")], maxRows: 10).response(["57", "10", Self.tenRows])
        #expect(response.status == 206)
        #expect(Self.header(response, "Content-Range") == "0-9/57")
    }

    @Test("no rows: */* without a count, */0 with one; 200 and an empty array either way")
    func emptyRead() throws {
        let uncounted = try Self.shaper().response([nil, "0", nil])
        #expect(uncounted.status == 200)
        #expect(Self.header(uncounted, "Content-Range") == "*/*")
        #expect(uncounted.body == "[]")

        let counted = try Self.shaper(headers: [("Prefer", "count=exact")]).response(["0", "0", "[]"])
        #expect(counted.status == 200)
        #expect(Self.header(counted, "Content-Range") == "*/0")
    }

    @Test("an offset beyond the total is PGRST103 (416); an offset equal to it is an empty 206, as PostgREST answers")
    func offsetBeyondTotal() throws {
        let beyond = try Self.shaper(query: "offset=60", headers: [("Prefer", "count=exact")])
        let error = #expect(throws: RESTError.self) { try beyond.response(["57", "0", "[]"]) }
        #expect(error?.code == "PGRST103")
        #expect(error?.status == 416)
        #expect(error?.details == "An offset of 60 was requested, but there are only 57 rows.")

        let atEnd = try Self.shaper(query: "offset=57", headers: [("Prefer", "count=exact")]).response(["57", "0", "[]"])
        // No rows of 57 is a part of them: PostgREST's 206 (1 + upper - lower < total).
        #expect(atEnd.status == 206)
        #expect(Self.header(atEnd, "Content-Range") == "*/57")
    }

    @Test("HEAD: the headers of a read, no body")
    func headRead() throws {
        let response = try Self.shaper("HEAD", headers: [("Prefer", "count=exact")]).response(["3", "3", nil])
        #expect(response.status == 200)
        #expect(Self.header(response, "Content-Range") == "0-2/3")
        #expect(response.body == nil)
    }

    // MARK: Media types

    @Test("Accept: text/csv answers text/csv, the body as rendered")
    func csvRead() throws {
        let body = "id,name\n\(Self.id),a"
        let response = try Self.shaper(headers: [("Accept", "text/csv")]).response([nil, "1", body])
        #expect(Self.header(response, "Content-Type") == Self.csv)
        #expect(response.body == body)
    }

    @Test("Accept: text/csv on a write with a representation answers text/csv")
    func csvWrite() throws {
        let response = try Self.shaper(
            "POST", headers: [("Accept", "text/csv"), ("Prefer", "return=representation")], body: #"{"name":"a"}"#
        ).response([nil, "1", "id,name\n\(Self.id),a"])
        #expect(response.status == 201)
        #expect(Self.header(response, "Content-Type") == Self.csv)
    }

    @Test("nulls=stripped is named in the content type, array and object alike")
    func strippedNulls() throws {
        let array = try Self.shaper(headers: [("Accept", "application/vnd.pgrst.array+json;nulls=stripped")])
            .response([nil, "1", "[{}]"])
        #expect(Self.header(array, "Content-Type") == "application/vnd.pgrst.array+json; nulls=stripped; charset=utf-8")
        let object = try Self.shaper(headers: [("Accept", "application/vnd.pgrst.object+json;nulls=stripped")])
            .response([nil, "1", "{}"])
        #expect(Self.header(object, "Content-Type") == "application/vnd.pgrst.object+json; nulls=stripped; charset=utf-8")
    }

    @Test("Accept-Profile is answered with Content-Profile")
    func profile() throws {
        let response = try Self.shaper(headers: [("Accept-Profile", "public")]).response([nil, "0", "[]"])
        #expect(Self.header(response, "Content-Profile") == "public")
        #expect(Self.header(try Self.shaper().response([nil, "0", "[]"]), "Content-Profile") == nil)
    }

    // MARK: Singular responses

    @Test("a singular Accept: check() refuses 0 and 2 rows with PGRST116 (406), passes exactly 1", arguments: [0, 2])
    func singularRead(rows: Int) throws {
        let shaper = try Self.shaper(headers: [("Accept", "application/vnd.pgrst.object+json")])
        #expect(shaper.checkUndoes)
        let error = #expect(throws: RESTError.self) { try shaper.check([nil, String(rows), nil]) }
        #expect(error?.code == "PGRST116")
        #expect(error?.status == 406)
        #expect(error?.details == "The result contains \(rows) rows")
    }

    @Test("a singular read of exactly one row: 200 (never 206), the object content type")
    func singularOne() throws {
        let shaper = try Self.shaper(headers: [("Accept", "application/vnd.pgrst.object+json"), ("Prefer", "count=exact")])
        try shaper.check(["57", "1", #"{"n":1}"#])
        let response = try shaper.response(["57", "1", #"{"n":1}"#])
        #expect(response.status == 200)
        #expect(Self.header(response, "Content-Type") == Self.object)
        #expect(Self.header(response, "Content-Range") == "0-0/57")
        #expect(response.body == #"{"n":1}"#)
    }

    @Test("a singular write is undone when it touches another number of rows, representation or not")
    func singularWrite() throws {
        let shaper = try Self.shaper("PATCH", query: "name=eq.a", headers: [("Accept", "application/vnd.pgrst.object+json")],
                                     body: #"{"name":"b"}"#)
        #expect(shaper.checkUndoes)
        let error = #expect(throws: RESTError.self) { try shaper.check([nil, "2", nil]) }
        #expect(error?.code == "PGRST116")
        try shaper.check([nil, "1", nil])
    }

    @Test("a plural read undoes nothing: check() passes any number of rows")
    func pluralCheck() throws {
        let shaper = try Self.shaper()
        #expect(!shaper.checkUndoes)
        try shaper.check([nil, "0", nil])
        try shaper.check([nil, "2", nil])
    }

    // MARK: max-affected

    @Test("handling=strict with max-affected: more rows touched is PGRST124 (400); the limit itself passes",
          arguments: ["PATCH", "DELETE"])
    func maxAffectedStrict(method: String) throws {
        let shaper = try Self.shaper(method, query: "name=eq.a", headers: [("Prefer", "handling=strict, max-affected=5")],
                                     body: method == "PATCH" ? #"{"name":"b"}"# : nil)
        #expect(shaper.checkUndoes)
        let error = #expect(throws: RESTError.self) { try shaper.check([nil, "6", nil]) }
        #expect(error?.code == "PGRST124")
        #expect(error?.status == 400)
        #expect(error?.details == "The query affects 6 rows")
        try shaper.check([nil, "5", nil])
    }

    @Test("max-affected on a function call under handling=strict")
    func maxAffectedCall() throws {
        let shaper = try Self.shaper("POST", "/rpc/archive", headers: [("Prefer", "handling=strict, max-affected=1")],
                                     body: #"{"before":"2026-01-01"}"#)
        let error = #expect(throws: RESTError.self) { try shaper.check([nil, "2", "2"]) }
        #expect(error?.code == "PGRST124")
    }

    @Test("max-affected is not enforced without handling=strict, nor on inserts", arguments: [
        ("PATCH", "handling=lenient, max-affected=5"),
        ("PATCH", "max-affected=5"),
        ("POST", "handling=strict, max-affected=5"),
    ])
    func maxAffectedIgnored(method: String, prefer: String) throws {
        let body = method == "POST" ? "[" + Array(repeating: #"{"name":"a"}"#, count: 6).joined(separator: ",") + "]" : #"{"name":"b"}"#
        let shaper = try Self.shaper(method, query: method == "PATCH" ? "name=eq.a" : "", headers: [("Prefer", prefer)], body: body)
        #expect(!shaper.checkUndoes)
        try shaper.check([nil, "6", nil])
    }

    // MARK: Writes: status, Content-Range, Preference-Applied

    @Test("an insert with return=representation and count=exact: 201, */n, both preferences applied in order")
    func insertRepresentation() throws {
        let body = #"[{"id":"\#(Self.id)","name":"a"}]"#
        let response = try Self.shaper("POST", headers: [("Prefer", "count=exact, return=representation")], body: #"{"name":"a"}"#)
            .response(["1", "1", body])
        #expect(response.status == 201)
        #expect(Self.header(response, "Content-Range") == "*/1")
        #expect(Self.header(response, "Preference-Applied") == "return=representation, count=exact")
        #expect(Self.header(response, "Content-Type") == Self.json)
        #expect(response.body == body)
    }

    @Test("an insert without a representation: 201, no body, */*")
    func insertMinimal() throws {
        let response = try Self.shaper("POST", body: #"{"name":"a"}"#).response([nil, "1", nil])
        #expect(response.status == 201)
        #expect(response.body == nil)
        #expect(Self.header(response, "Content-Range") == "*/*")
        #expect(Self.header(response, "Content-Type") == nil)
        #expect(Self.header(response, "Preference-Applied") == nil)
    }

    @Test("resolution=merge-duplicates is applied; 201 when a row was new, 200 when all were merged")
    func mergeDuplicates() throws {
        let shaper = try Self.shaper(
            "POST", headers: [("Prefer", "resolution=merge-duplicates, return=representation")],
            body: #"[{"id":"\#(Self.id)","name":"a"},{"name":"b"}]"#)
        let created = try shaper.response(["1", "2", "[]"])
        #expect(created.status == 201)
        #expect(Self.header(created, "Preference-Applied") == "resolution=merge-duplicates, return=representation")
        let merged = try shaper.response(["0", "2", "[]"])
        #expect(merged.status == 200)
    }

    @Test("resolution=ignore-duplicates is applied as written")
    func ignoreDuplicates() throws {
        let response = try Self.shaper("POST", headers: [("Prefer", "resolution=ignore-duplicates")], body: #"{"name":"a"}"#)
            .response([nil, "0", nil])
        #expect(response.status == 201)
        #expect(Self.header(response, "Preference-Applied") == "resolution=ignore-duplicates")
    }

    @Test("a resolution on a table without a conflict target is not applied")
    func resolutionWithoutTarget() throws {
        let response = try Self.shaper("POST", "/events", headers: [("Prefer", "resolution=merge-duplicates")], body: #"{"body":"x"}"#)
            .response([nil, "1", nil])
        #expect(Self.header(response, "Preference-Applied") == nil)
    }

    @Test("tx=rollback is applied (after return and count); tx=commit is not reported")
    func transaction() throws {
        let rollback = try Self.shaper("PATCH", query: "name=eq.a", headers: [("Prefer", "tx=rollback, count=exact, return=minimal")],
                                       body: #"{"name":"b"}"#).response(["3", "3", nil])
        #expect(rollback.status == 204)
        #expect(Self.header(rollback, "Preference-Applied") == "return=minimal, count=exact, tx=rollback")
        #expect(Self.header(rollback, "Content-Range") == "0-2/3")
        #expect(rollback.body == nil)

        let commit = try Self.shaper("PATCH", query: "name=eq.a", headers: [("Prefer", "tx=commit")], body: #"{"name":"b"}"#)
            .response([nil, "3", nil])
        #expect(Self.header(commit, "Preference-Applied") == nil)
        #expect(Self.header(commit, "Content-Range") == "0-2/*")
    }

    @Test("an update that touched nothing: */* (no range), 204")
    func emptyUpdate() throws {
        let response = try Self.shaper("PATCH", query: "name=eq.nobody", body: #"{"name":"b"}"#).response([nil, "0", nil])
        #expect(response.status == 204)
        #expect(Self.header(response, "Content-Range") == "*/*")
    }

    @Test("an update with a representation: 200 and the rows")
    func updateRepresentation() throws {
        let body = #"[{"id":"\#(Self.id)","name":"b"}]"#
        let response = try Self.shaper("PATCH", query: "name=eq.a", headers: [("Prefer", "return=representation")],
                                       body: #"{"name":"b"}"#).response([nil, "1", body])
        #expect(response.status == 200)
        #expect(Self.header(response, "Content-Range") == "0-0/*")
        #expect(response.body == body)
    }

    @Test("a delete: */count with count=exact, 204 without a representation")
    func delete() throws {
        let response = try Self.shaper("DELETE", query: "name=eq.a", headers: [("Prefer", "count=exact")]).response(["4", "4", nil])
        #expect(response.status == 204)
        #expect(Self.header(response, "Content-Range") == "*/4")
        #expect(Self.header(response, "Preference-Applied") == "count=exact")
    }

    @Test("PUT: 204 without a representation; with one, 201 for a new row and 200 for a replaced one")
    func put() throws {
        let body = #"{"id":"\#(Self.id)","name":"a"}"#
        let minimal = try Self.shaper("PUT", query: "id=eq.\(Self.id)", body: body).response([nil, "1", nil])
        #expect(minimal.status == 204)
        #expect(Self.header(minimal, "Content-Range") == "*/*")

        let shaper = try Self.shaper("PUT", query: "id=eq.\(Self.id)", headers: [("Prefer", "return=representation")], body: body)
        #expect(try shaper.response(["1", "1", "[\(body)]"]).status == 201)
        #expect(try shaper.response(["0", "1", "[\(body)]"]).status == 200)
    }

    // MARK: Location

    @Test("return=headers-only on an insert: 201, Location of the first row's primary key, no body")
    func location() throws {
        let shaper = try Self.shaper("POST", headers: [("Prefer", "return=headers-only")], body: #"{"name":"a"}"#)
        let response = try shaper.response([nil, "1", #"{"id":"\#(Self.id)"}"#])
        #expect(response.status == 201)
        #expect(Self.header(response, "Location") == "/items?id=eq.\(Self.id)")
        #expect(Self.header(response, "Preference-Applied") == "return=headers-only")
        #expect(response.body == nil)
    }

    @Test("Location percent-encodes the table and key values, and writes whole numbers as integers")
    func locationEncoding() throws {
        let shaper = try Self.shaper("POST", "/board%20slots", headers: [("Prefer", "return=headers-only")],
                                     body: #"{"board":"a b&c","position":3}"#)
        let response = try shaper.response([nil, "1", #"{"board":"a b&c","position":3}"#])
        #expect(Self.header(response, "Location") == "/board%20slots?board=eq.a%20b%26c&position=eq.3")
    }

    @Test("no Location without a primary key, nor when nothing was inserted")
    func noLocation() throws {
        let keyless = try Self.shaper("POST", "/events", headers: [("Prefer", "return=headers-only")], body: #"{"body":"x"}"#)
            .response([nil, "1", nil])
        #expect(Self.header(keyless, "Location") == nil)
        #expect(keyless.status == 201)

        let nothing = try Self.shaper("POST", headers: [("Prefer", "return=headers-only")], body: "[]").response([nil, "0", nil])
        #expect(Self.header(nothing, "Location") == nil)
    }

    // MARK: Function calls

    @Test("a set-returning call is ranged like a read: 206 and the total with count=exact")
    func setCall() throws {
        let shaper = try Self.shaper("GET", "/rpc/list_items", query: "limit=10", headers: [("Prefer", "count=exact")])
        let response = try shaper.response(["57", "10", Self.tenRows])
        #expect(response.status == 206)
        #expect(Self.header(response, "Content-Range") == "0-9/57")
        #expect(Self.header(response, "Preference-Applied") == "count=exact")
        #expect(response.body == Self.tenRows)
    }

    @Test("a set-returning call with an offset beyond its total is PGRST103")
    func setCallBeyondTotal() throws {
        let shaper = try Self.shaper("GET", "/rpc/list_items", query: "offset=10", headers: [("Prefer", "count=exact")])
        let error = #expect(throws: RESTError.self) { try shaper.response(["3", "0", "[]"]) }
        #expect(error?.code == "PGRST103")
        #expect(error?.status == 416)
    }

    @Test("a scalar call: 200, no Content-Range, null for no value")
    func scalarCall() throws {
        let shaper = try Self.shaper("POST", "/rpc/archive", body: #"{"before":"2026-01-01"}"#)
        let response = try shaper.response([nil, "1", "12"])
        #expect(response.status == 200)
        #expect(response.body == "12")
        #expect(Self.header(response, "Content-Range") == nil)
        #expect(try shaper.response([nil, "1", nil]).body == "null")
    }

    @Test("a void call: 204, no headers, no body")
    func voidCall() throws {
        let response = try Self.shaper("POST", "/rpc/ping", body: "{}").response([nil, "1", nil])
        #expect(response.status == 204)
        #expect(response.headers.isEmpty)
        #expect(response.body == nil)
    }
}
