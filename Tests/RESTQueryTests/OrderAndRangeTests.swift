@testable import RESTQuery
import Testing

@Suite("order, limit, offset, Range")
struct OrderAndRangeTests {
    static let valid: [(String, [OrderTerm])] = [
        ("a", [OrderTerm(field: Field(name: "a"))]),
        ("a.asc", [OrderTerm(field: Field(name: "a"), direction: .asc)]),
        ("a.desc", [OrderTerm(field: Field(name: "a"), direction: .desc)]),
        ("a.nullsfirst", [OrderTerm(field: Field(name: "a"), nulls: .first)]),
        ("a.desc.nullslast,b", [
            OrderTerm(field: Field(name: "a"), direction: .desc, nulls: .last), OrderTerm(field: Field(name: "b")),
        ]),
        ("c.desc.nullsfirst", [OrderTerm(field: Field(name: "c"), direction: .desc, nulls: .first)]),
        ("a.asc,b.desc,c.asc.nullslast", [
            OrderTerm(field: Field(name: "a"), direction: .asc), OrderTerm(field: Field(name: "b"), direction: .desc),
            OrderTerm(field: Field(name: "c"), direction: .asc, nulls: .last),
        ]),
        (" a.desc , b ", [OrderTerm(field: Field(name: "a"), direction: .desc), OrderTerm(field: Field(name: "b"))]),
        ("data->key.asc.nullslast", [OrderTerm(field: Field(name: "data", jsonPath: [.arrow("key")]), direction: .asc, nulls: .last)]),
        ("data->>a->0.desc", [OrderTerm(field: Field(name: "data", jsonPath: [.doubleArrow("a"), .arrow("0")]), direction: .desc)]),
        ("profiles(name).desc", [OrderTerm(relation: "profiles", field: Field(name: "name"), direction: .desc)]),
        ("clients(json_col->key).desc.nullsfirst", [
            OrderTerm(relation: "clients", field: Field(name: "json_col", jsonPath: [.arrow("key")]), direction: .desc, nulls: .first),
        ]),
        ("name,clients(name),id", [
            OrderTerm(field: Field(name: "name")), OrderTerm(relation: "clients", field: Field(name: "name")), OrderTerm(field: Field(name: "id")),
        ]),
        ("\"a.b\".desc", [OrderTerm(field: Field(name: "a.b"), direction: .desc)]),
        ("user-id.desc", [OrderTerm(field: Field(name: "user-id"), direction: .desc)]),
    ]

    @Test("valid order values", arguments: valid)
    func parses(text: String, terms: [OrderTerm]) {
        #expect(OrderGrammar.parse(text) == .success(terms))
    }

    static let invalid: [(String, Int, String)] = [
        ("", 1, "unexpected end of input"),
        ("id.ac", 4, "unexpected \"a\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""),
        ("id.descc", 4, "unexpected \"d\""),
        ("id.nulsfist", 4, "unexpected \"n\""),
        ("id.nullslasttt", 4, "unexpected \"n\""),
        ("id.asc.nlsfst", 8, "unexpected \"n\" expecting \"nullsfirst\" or \"nullslast\""),
        ("id.asc.nullslast.x", 17, "unexpected \".\""),
        ("id.nullsfirst.desc", 14, "unexpected \".\""),
        ("clients(name,id)", 13, "unexpected \",\""),
        ("a,", 3, "unexpected end of input"),
        ("a b c!", 6, "unexpected \"!\""),
    ]

    @Test("malformed order values are PGRST100", arguments: invalid)
    func rejects(text: String, column: Int, details: String) throws {
        let error = try #require(OrderGrammar.parse(text).failureValue)
        #expect(error.kind == .query)
        #expect(error.message == "\"failed to parse order (\(text))\" (line 1, column \(column))")
        #expect(error.details?.hasPrefix(details) == true, "details: \(error.details ?? "nil")")
    }

    @Test("order at the root and under embedding paths, repeated keys kept in order")
    func orderPaths() throws {
        let parsed = try #require(request(query: "order=a.desc&habits.order=b&a.b.order=c.asc&order=d"))
        #expect(parsed.query.order == [
            PathOrder(path: [], terms: [OrderTerm(field: Field(name: "a"), direction: .desc)]),
            PathOrder(path: ["habits"], terms: [OrderTerm(field: Field(name: "b"))]),
            PathOrder(path: ["a", "b"], terms: [OrderTerm(field: Field(name: "c"), direction: .asc)]),
            PathOrder(path: [], terms: [OrderTerm(field: Field(name: "d"))]),
        ])
        #expect(failure(query: "a..order=x")?.message.hasPrefix("\"failed to parse tree path (a..order)\"") == true)
    }

    @Test("limit and offset, at the root and under paths; a repeated one replaces the earlier")
    func limitOffset() throws {
        let parsed = try #require(request(query: "offset=20&limit=10&habits.limit=5&a.b.offset=2&limit=3&habits.offset=0"))
        #expect(parsed.query.ranges == [
            PathRange(path: [], limit: 3, offset: 20),
            PathRange(path: ["habits"], limit: 5, offset: 0),
            PathRange(path: ["a", "b"], offset: 2),
        ])
        #expect(request(query: "limit=0")?.query.ranges == [PathRange(path: [], limit: 0)])
        #expect(request(query: "limit=%2010%20")?.query.ranges == [PathRange(path: [], limit: 10)])
    }

    @Test("limit and offset must be non-negative integers", arguments: [
        ("limit=abc", RESTQueryError.Kind.query), ("limit=", .query), ("limit=1.5", .query), ("limit=%2B10", .query),
        ("offset=x", .query), ("offset=-1", .query), ("habits.offset=-3", .query),
        ("limit=99999999999999999999999", .query), ("limit=-1", .range), ("habits.limit=-5", .range),
    ])
    func invalidCounts(query: String, kind: RESTQueryError.Kind) throws {
        let error = try #require(failure(query: query))
        #expect(error.kind == kind)
        if kind == .range {
            #expect(error.message == "Requested range not satisfiable")
            #expect(error.details == "Limit should be greater than or equal to zero.")
        } else {
            let key = String(query.prefix { $0 != "=" })
            #expect(error.message.hasPrefix("\"failed to parse \(key) parameter ("))
        }
    }

    @Test("the Range header", arguments: [
        ("0-9", RowRange(lower: 0, upper: 9)),
        ("5-", RowRange(lower: 5, upper: nil)),
        ("3-3", RowRange(lower: 3, upper: 3)),
        (" 10-20 ", RowRange(lower: 10, upper: 20)),
        ("items=0-24", RowRange(lower: 0, upper: 24)),
        ("Items=7-", RowRange(lower: 7, upper: nil)),
    ])
    func rangeHeader(header: String, range: RowRange) throws {
        #expect(request(headers: [("Range", header), ("Range-Unit", "items")])?.range == range)
        #expect(request("HEAD", headers: [("range", header)])?.range == range)
        #expect(request("GET", "/rpc/f", headers: [("RANGE", header)])?.range == range)
    }

    @Test("Range headers that are not a-b or a- are ignored", arguments: ["", "-5", "a-b", "0-9,20-29", "bytes=0-9", "1 - 2", "0--1"])
    func ignoredRange(header: String) {
        #expect(request(headers: [("Range", header)])?.range == nil)
    }

    @Test("Range only applies to reads: GET and HEAD", arguments: ["POST", "PATCH", "DELETE"])
    func rangeOnlyOnReads(method: String) throws {
        let parsed = try #require(request(method, headers: [("Range", "0-1")], body: "{}"))
        #expect(parsed.range == nil)
    }

    @Test("a > b, or bounds too large, are PGRST103")
    func unsatisfiable() throws {
        let error = try #require(failure(headers: [("Range", "10-2")]))
        #expect(error == RESTQueryError(
            .range, "Requested range not satisfiable",
            details: "The lower boundary must be lower than or equal to the upper boundary in the Range header."))
        #expect(failure(headers: [("Range", "99999999999999999999999-")])?.kind == .range)
        #expect(failure(headers: [("Range", "0-99999999999999999999999")])?.kind == .range)
    }
}
