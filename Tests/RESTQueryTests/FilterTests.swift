@testable import RESTQuery
import Testing

@Suite("horizontal filters")
struct FilterTests {
    /// (key, value — decoded, path, field, filter)
    static let valid: [(String, String, [String], Field, Filter)] = [
        ("id", "eq.5", [], Field(name: "id"), value(.eq, "5")),
        ("id", "neq.5", [], Field(name: "id"), value(.neq, "5")),
        ("n", "gt.1", [], Field(name: "n"), value(.gt, "1")),
        ("n", "gte.1", [], Field(name: "n"), value(.gte, "1")),
        ("n", "lt.1", [], Field(name: "n"), value(.lt, "1")),
        ("n", "lte.1", [], Field(name: "n"), value(.lte, "1")),
        ("d", "eq.2024-01-01", [], Field(name: "d"), value(.eq, "2024-01-01")),
        ("b", "eq.true", [], Field(name: "b"), value(.eq, "true")),
        ("s", "eq.null", [], Field(name: "s"), value(.eq, "null")),
        ("s", "eq.", [], Field(name: "s"), value(.eq, "")),
        ("ip", "eq.10.0.0.1", [], Field(name: "ip"), value(.eq, "10.0.0.1")),
        ("v", "eq.1.5e3", [], Field(name: "v"), value(.eq, "1.5e3")),
        ("s", "eq.a,b(c)", [], Field(name: "s"), value(.eq, "a,b(c)")),
        ("s", "eq. spaced ", [], Field(name: "s"), value(.eq, " spaced ")),
        ("t", "eq.2024-05-01T12:00:00.123456+00:00", [], Field(name: "t"), value(.eq, "2024-05-01T12:00:00.123456+00:00")),
        ("s", "not.eq.x", [], Field(name: "s"), value(.eq, "x", not: true)),
        ("s", "not.is.null", [], Field(name: "s"), isFilter(.null, not: true)),
        ("s", "like.*abc*", [], Field(name: "s"), value(.like, "%abc%")),
        ("s", "like.%abc%", [], Field(name: "s"), value(.like, "%abc%")),
        ("s", "ilike.a*b.c", [], Field(name: "s"), value(.ilike, "a%b.c")),
        ("s", "not.ilike.*x", [], Field(name: "s"), value(.ilike, "%x", not: true)),
        ("s", "match.^a.*b$", [], Field(name: "s"), value(.match, "^a.*b$")),
        ("s", "imatch.^A", [], Field(name: "s"), value(.imatch, "^A")),
        ("id", "in.(1,2,3)", [], Field(name: "id"), list(.in, ["1", "2", "3"])),
        ("s", "in.(a,b,\"c,d\")", [], Field(name: "s"), list(.in, ["a", "b", "c,d"])),
        ("s", "in.(\"a\\\"b\",\"c\\\\d\")", [], Field(name: "s"), list(.in, ["a\"b", "c\\d"])),
        ("s", "in.(\"(x)\",\"k:v\")", [], Field(name: "s"), list(.in, ["(x)", "k:v"])),
        ("s", "in.()", [], Field(name: "s"), list(.in, [])),
        ("s", "in.(\"\")", [], Field(name: "s"), list(.in, [""])),
        ("s", "in.(a,,b)", [], Field(name: "s"), list(.in, ["a", "", "b"])),
        ("s", "in.( a,b )", [], Field(name: "s"), list(.in, ["a", "b "])),
        ("s", "in.(\"a\"x,y)", [], Field(name: "s"), list(.in, ["\"a\"x", "y"])),
        ("s", "in.(\"a)", [], Field(name: "s"), list(.in, ["\"a"])),
        ("s", "not.in.(1,2)", [], Field(name: "s"), list(.in, ["1", "2"], not: true)),
        ("t", "in.(\"2024-01-01T00:00:00\")", [], Field(name: "t"), list(.in, ["2024-01-01T00:00:00"])),
        ("s", "is.null", [], Field(name: "s"), isFilter(.null)),
        ("s", "is.NULL", [], Field(name: "s"), isFilter(.null)),
        ("s", "is.Null", [], Field(name: "s"), isFilter(.null)),
        ("s", "is.not_null", [], Field(name: "s"), isFilter(.notNull)),
        ("s", "is.NOT_NULL", [], Field(name: "s"), isFilter(.notNull)),
        ("b", "is.true", [], Field(name: "b"), isFilter(.true)),
        ("b", "is.TRUE", [], Field(name: "b"), isFilter(.true)),
        ("b", "is.false", [], Field(name: "b"), isFilter(.false)),
        ("b", "is.unknown", [], Field(name: "b"), isFilter(.unknown)),
        ("b", "not.is.true", [], Field(name: "b"), isFilter(.true, not: true)),
        ("s", "isdistinct.x", [], Field(name: "s"), value(.isdistinct, "x")),
        ("s", "not.isdistinct.x.y", [], Field(name: "s"), value(.isdistinct, "x.y", not: true)),
        ("doc", "fts.cat & dog", [], Field(name: "doc"), value(.fts, "cat & dog")),
        ("doc", "fts(english).cat & dog", [], Field(name: "doc"), value(.fts, "cat & dog", language: "english")),
        ("doc", "plfts.fat cats", [], Field(name: "doc"), value(.plfts, "fat cats")),
        ("doc", "plfts(simple).a", [], Field(name: "doc"), value(.plfts, "a", language: "simple")),
        ("doc", "phfts(english).the cat", [], Field(name: "doc"), value(.phfts, "the cat", language: "english")),
        ("doc", "wfts(french).\"chat\" -chien", [], Field(name: "doc"), value(.wfts, "\"chat\" -chien", language: "french")),
        ("doc", "not.fts.a*", [], Field(name: "doc"), value(.fts, "a*", not: true)),
        ("tags", "cs.{a,b}", [], Field(name: "tags"), value(.cs, "{a,b}")),
        ("tags", "cd.{a,\"b c\"}", [], Field(name: "tags"), value(.cd, "{a,\"b c\"}")),
        ("meta", "cs.{\"k\":\"v\"}", [], Field(name: "meta"), value(.cs, "{\"k\":\"v\"}")),
        ("meta", "cs.{\"k\": \"v\", \"n\": 1}", [], Field(name: "meta"), value(.cs, "{\"k\": \"v\", \"n\": 1}")),
        ("meta", "cd.[1,2]", [], Field(name: "meta"), value(.cd, "[1,2]")),
        ("r", "cs.[1,5)", [], Field(name: "r"), value(.cs, "[1,5)")),
        ("tags", "ov.{a,b}", [], Field(name: "tags"), value(.ov, "{a,b}")),
        ("r", "ov.[2024-01-01,2024-02-01)", [], Field(name: "r"), value(.ov, "[2024-01-01,2024-02-01)")),
        ("r", "sl.(1,10)", [], Field(name: "r"), value(.sl, "(1,10)")),
        ("r", "sr.[1,10]", [], Field(name: "r"), value(.sr, "[1,10]")),
        ("r", "nxl.(1,10]", [], Field(name: "r"), value(.nxl, "(1,10]")),
        ("r", "nxr.(1,10)", [], Field(name: "r"), value(.nxr, "(1,10)")),
        ("r", "adj.(1,10)", [], Field(name: "r"), value(.adj, "(1,10)")),
        ("r", "not.adj.(1,10)", [], Field(name: "r"), value(.adj, "(1,10)", not: true)),
        ("id", "eq(any).{1,2}", [], Field(name: "id"), list(.eq, ["1", "2"], quantifier: .any)),
        ("id", "eq(all).{1}", [], Field(name: "id"), list(.eq, ["1"], quantifier: .all)),
        ("id", "not.eq(all).{1,2}", [], Field(name: "id"), list(.eq, ["1", "2"], not: true, quantifier: .all)),
        ("n", "gt(any).{1, 2 ,3}", [], Field(name: "n"), list(.gt, ["1", "2", "3"], quantifier: .any)),
        ("n", "gte(all).{}", [], Field(name: "n"), list(.gte, [], quantifier: .all)),
        ("n", "lt(any).{5}", [], Field(name: "n"), list(.lt, ["5"], quantifier: .any)),
        ("n", "lte(any).{5}", [], Field(name: "n"), list(.lte, ["5"], quantifier: .any)),
        ("s", "like(all).{a*,*b}", [], Field(name: "s"), list(.like, ["a%", "%b"], quantifier: .all)),
        ("s", "like(any).{\"a,*\",b}", [], Field(name: "s"), list(.like, ["a,%", "b"], quantifier: .any)),
        ("s", "ilike(any).{%a%,*B*}", [], Field(name: "s"), list(.ilike, ["%a%", "%B%"], quantifier: .any)),
        ("s", "match(any).{^a,b$}", [], Field(name: "s"), list(.match, ["^a", "b$"], quantifier: .any)),
        ("s", "imatch(all).{x,\"y\\\"z\"}", [], Field(name: "s"), list(.imatch, ["x", "y\"z"], quantifier: .all)),
        ("s", "eq(any).{a\\,b,c}", [], Field(name: "s"), list(.eq, ["a,b", "c"], quantifier: .any)),
        ("data->>kind", "eq.x", [], Field(name: "data", jsonPath: [.doubleArrow("kind")]), value(.eq, "x")),
        ("data->a->>b", "eq.x", [], Field(name: "data", jsonPath: [.arrow("a"), .doubleArrow("b")]), value(.eq, "x")),
        ("data->0", "eq.1", [], Field(name: "data", jsonPath: [.arrow("0")]), value(.eq, "1")),
        ("data->\"a.b\"", "eq.1", [], Field(name: "data", jsonPath: [.arrow("a.b")]), value(.eq, "1")),
        ("habits.user_id", "eq.x", ["habits"], Field(name: "user_id"), value(.eq, "x")),
        ("a.b.c", "eq.1", ["a", "b"], Field(name: "c"), value(.eq, "1")),
        ("a.b.data->>k", "eq.1", ["a", "b"], Field(name: "data", jsonPath: [.doubleArrow("k")]), value(.eq, "1")),
        ("habits", "is.null", [], Field(name: "habits"), isFilter(.null)),
        ("habits", "not.is.null", [], Field(name: "habits"), isFilter(.null, not: true)),
        ("\"a:b\"", "eq.1", [], Field(name: "a:b"), value(.eq, "1")),
        ("\"a.b\"", "eq.1", [], Field(name: "a.b"), value(.eq, "1")),
        ("\"rel\".\"a b\"", "eq.1", ["rel"], Field(name: "a b"), value(.eq, "1")),
        ("user-id", "eq.1", [], Field(name: "user-id"), value(.eq, "1")),
        ("in", "in.(1)", [], Field(name: "in"), list(.in, ["1"])),
        ("not", "not.eq.1", [], Field(name: "not"), value(.eq, "1", not: true)),
    ]

    @Test("valid filters", arguments: valid)
    func parses(key: String, text: String, path: [String], field: Field, filter: Filter) {
        #expect(FilterGrammar.parse(key: key, value: text) == .success(PathFilter(path: path, field: field, filter: filter)))
    }

    @Test("every operator parses", arguments: FilterOperator.allCases)
    func everyOperator(op: FilterOperator) throws {
        let text: String
        switch op {
        case .in: text = "in.(1,2)"
        case .is: text = "is.null"
        default: text = "\(op.rawValue).x"
        }
        let filter = try #require(FilterGrammar.parse(key: "c", value: text).successValue).filter
        #expect(filter.op == op)
        #expect(!filter.negated)
        let negated = try #require(FilterGrammar.parse(key: "c", value: "not." + text).successValue).filter
        #expect(negated.op == op && negated.negated)
    }

    /// (key, value, what the message names, the start of the details)
    static let invalid: [(String, String, String, String)] = [
        ("id", "val", "filter (val)", "unexpected \"v\" expecting \"not\" or operator (eq, gt, ...)"),
        ("id", "noop.0", "filter (noop.0)", "unexpected \"n\""),
        ("id", "", "filter ()", "unexpected end of input"),
        ("id", "eq", "filter (eq)", "unexpected end of input expecting delimiter (.)"),
        ("id", "EQ.1", "filter (EQ.1)", "unexpected \"E\""),
        ("id", "not.1", "filter (not.1)", "unexpected \"1\" expecting operator"),
        ("id", "not.not.eq.1", "filter (not.not.eq.1)", "unexpected \"n\""),
        ("id", "eq(any)", "filter (eq(any))", "unexpected end of input"),
        ("id", "eq().1", "filter (eq().1)", "unexpected \")\" expecting \"any\" or \"all\""),
        ("id", "eq(some).{1}", "filter (eq(some).{1})", "unexpected \"s\""),
        ("id", "eq(any).1", "filter (eq(any).1)", "unexpected \"1\""),
        ("id", "eq(any).{1,{2}}", "filter (eq(any).{1,{2}})", "unexpected \"{\""),
        ("id", "eq(any).{1,2", "filter (eq(any).{1,2)", "unexpected end of input"),
        ("id", "eq(any).{1,}", "filter (eq(any).{1,})", "unexpected \"}\""),
        ("id", "eq(any).{1}x", "filter (eq(any).{1}x)", "unexpected \"x\""),
        ("id", "neq(any).{1}", "filter (neq(any).{1})", "unexpected \"(\""),
        ("id", "is(any).null", "filter (is(any).null)", "unexpected \"(\""),
        ("id", "in(any).(1)", "filter (in(any).(1))", "unexpected \"(\""),
        ("id", "cs(any).{1}", "filter (cs(any).{1})", "unexpected \"(\""),
        ("id", "is.nul", "filter (is.nul)", "unexpected \"n\" expecting isVal"),
        ("id", "is.nullx", "filter (is.nullx)", "unexpected \"n\" expecting isVal"),
        ("id", "is.null.x", "filter (is.null.x)", "unexpected \".\""),
        ("id", "is.", "filter (is.)", "unexpected end of input"),
        ("id", "in.1,2", "filter (in.1,2)", "unexpected \"1\""),
        ("id", "in.(1,2", "filter (in.(1,2)", "unexpected end of input"),
        ("id", "in.(1,2)x", "filter (in.(1,2)x)", "unexpected \"x\""),
        ("doc", "fts().x", "filter (fts().x)", "unexpected \")\""),
        ("doc", "fts(english.x", "filter (fts(english.x)", "unexpected \".\""),
        ("id", ".eq.1", "filter (.eq.1)", "unexpected \".\""),
        ("", "eq.1", "tree path ()", "unexpected end of input"),
        ("a..b", "eq.1", "tree path (a..b)", "unexpected \".\""),
        ("a.", "eq.1", "tree path (a.)", "unexpected end of input"),
        ("a:b", "eq.1", "tree path (a:b)", "unexpected \":\""),
        ("data->", "eq.1", "tree path (data->)", "unexpected end of input"),
        ("data->a.b", "eq.1", "tree path (data->a.b)", "unexpected \".\""),
        ("\"open", "eq.1", "tree path (\"open)", "unexpected end of input"),
    ]

    @Test("malformed filters are PGRST100 naming the parameter", arguments: invalid)
    func rejects(key: String, text: String, named: String, details: String) throws {
        let error = try #require(FilterGrammar.parse(key: key, value: text).failureValue)
        #expect(error.kind == .query)
        #expect(error.message.hasPrefix("\"failed to parse \(named)\" (line 1, column "), "\(error.message)")
        #expect(error.details?.hasPrefix(details) == true, "details: \(error.details ?? "nil")")
    }

    @Test("error positions match PostgREST's", arguments: [
        ("val", 1), ("eq().1", 4), ("not.1", 5), ("is.nullx", 4), ("in.(1,2)x", 9),
    ])
    func positions(text: String, column: Int) throws {
        let error = try #require(FilterGrammar.parse(key: "id", value: text).failureValue)
        #expect(error.message.hasSuffix("(line 1, column \(column))"), "\(error.message)")
    }

    @Test("filters in a query string keep their raw pair, in order, repeated keys included")
    func inQueryString() throws {
        let parsed = try #require(request(query: "age=gte.18&age=lte.65&name=ilike.*ann*&select=id"))
        #expect(parsed.query.filters.map(\.key) == ["age", "age", "name"])
        #expect(parsed.query.filters.map(\.value) == ["gte.18", "lte.65", "ilike.*ann*"])
        #expect(parsed.query.filters.map { $0.parsed.successValue?.filter } == [value(.gte, "18"), value(.lte, "65"), value(.ilike, "%ann%")])
    }

    @Test("operands are form-decoded: + is a space, %XX a byte, %25 a percent sign", arguments: [
        ("doc=fts(english).cat+%26+dog", value(.fts, "cat & dog", language: "english")),
        ("s=like.%25abc%25", value(.like, "%abc%")),
        ("s=eq.a%2Bb", value(.eq, "a+b")),
        ("s=eq.caf%C3%A9", value(.eq, "café")),
        ("s=eq.100%", value(.eq, "100%")),
        ("s=eq.%zz", value(.eq, "%zz")),
        ("s=in.(%22a%2Cb%22,c)", list(.in, ["a,b", "c"])),
        ("meta=cs.%7B%22k%22%3A+%22v%22%7D", value(.cs, "{\"k\": \"v\"}")),
        ("s=eq.a=b", value(.eq, "a=b")),
    ])
    func decoding(query: String, filter: Filter) throws {
        let parsed = try #require(request(query: query))
        #expect(parsed.query.filters.first?.parsed.successValue?.filter == filter)
    }

    @Test("a bad filter fails the request, except on function reads, where it may be an argument")
    func routineArguments() throws {
        let error = try #require(failure(query: "id=5"))
        #expect(error.message == "\"failed to parse filter (5)\" (line 1, column 1)")
        #expect(failure("PATCH", query: "id=5", body: "{}")?.kind == .query)
        #expect(failure("POST", "/rpc/f", query: "x=5")?.kind == .query)

        let call = try #require(request("GET", "/rpc/add", query: "a=1&b=2&c=eq.3&d=&e=%7B1,2%7D&bad:key=1"))
        #expect(call.query.filters.map(\.key) == ["a", "b", "c", "d", "e", "bad:key"])
        #expect(call.query.filters.map(\.value) == ["1", "2", "eq.3", "", "{1,2}", "1"])
        #expect(call.query.filters.map(\.parsed.successValue) == [
            nil, nil, PathFilter(path: [], field: Field(name: "c"), filter: value(.eq, "3")), nil, nil, nil,
        ])
        #expect(call.query.filters[0].parsed.failureValue?.kind == .query)
        #expect(request("HEAD", "/rpc/add", query: "a=1")?.query.filters.first?.parsed.failureValue != nil)
    }

    @Test("keys without = are ignored, as PostgREST does")
    func keysWithoutValue() throws {
        let parsed = try #require(request(query: "flag&id=eq.1&&"))
        #expect(parsed.query.filters.map(\.key) == ["id"])
    }
}
