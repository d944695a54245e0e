@testable import RESTQuery
import Testing

@Suite("logic trees")
struct LogicTreeTests {
    /// (key, value — decoded, path, tree)
    static let valid: [(String, String, [String], LogicTree)] = [
        ("or", "(a.eq.1,b.eq.2)", [], .or(negated: false, [condition("a", value(.eq, "1")), condition("b", value(.eq, "2"))])),
        ("and", "(a.eq.1,b.eq.2)", [], .and(negated: false, [condition("a", value(.eq, "1")), condition("b", value(.eq, "2"))])),
        ("not.or", "(a.eq.1,b.eq.2)", [], .or(negated: true, [condition("a", value(.eq, "1")), condition("b", value(.eq, "2"))])),
        ("not.and", "(a.eq.1)", [], .and(negated: true, [condition("a", value(.eq, "1"))])),
        ("or", "(a.eq.1)", [], .or(negated: false, [condition("a", value(.eq, "1"))])),
        ("or", "( a.eq.1 , b.gt.2 )", [], .or(negated: false, [condition("a", value(.eq, "1 ")), condition("b", value(.gt, "2 "))])),
        ("or", "(a.not.eq.1,b.not.is.null)", [], .or(negated: false, [
            condition("a", value(.eq, "1", not: true)), condition("b", isFilter(.null, not: true)),
        ])),
        ("or", "(dir.not.is.null,act.not.is.null)", [], .or(negated: false, [
            condition("dir", isFilter(.null, not: true)), condition("act", isFilter(.null, not: true)),
        ])),
        ("or", "(a.eq.1,and(b.eq.2,c.eq.3))", [], .or(negated: false, [
            condition("a", value(.eq, "1")),
            .and(negated: false, [condition("b", value(.eq, "2")), condition("c", value(.eq, "3"))]),
        ])),
        ("and", "(a.eq.1,or(b.eq.2,not.and(c.eq.3,d.is.true)),not.or(e.lt.0))", [], .and(negated: false, [
            condition("a", value(.eq, "1")),
            .or(negated: false, [
                condition("b", value(.eq, "2")),
                .and(negated: true, [condition("c", value(.eq, "3")), condition("d", isFilter(.true))]),
            ]),
            .or(negated: true, [condition("e", value(.lt, "0"))]),
        ])),
        ("or", "(name.eq.\"a,b\",name.eq.\"(x)\",name.eq.\"q\\\"uote\")", [], .or(negated: false, [
            condition("name", value(.eq, "a,b")), condition("name", value(.eq, "(x)")), condition("name", value(.eq, "q\"uote")),
        ])),
        ("or", "(id.in.(1,2,3),s.in.(\"a,b\",c))", [], .or(negated: false, [
            condition("id", list(.in, ["1", "2", "3"])), condition("s", list(.in, ["a,b", "c"])),
        ])),
        ("or", "(tags.cs.{a,b},tags.cd.{\"x,y\"})", [], .or(negated: false, [
            condition("tags", value(.cs, "{a,b}")), condition("tags", value(.cd, "{\"x,y\"}")),
        ])),
        ("or", "(meta.cs.{\"k\": {\"n\": [1, 2]}},meta.cd.[1,2])", [], .or(negated: false, [
            condition("meta", value(.cs, "{\"k\": {\"n\": [1, 2]}}")), condition("meta", value(.cd, "[1,2]")),
        ])),
        ("or", "(r.ov.[1,5),r.sl.(1,10),r.adj.(1,10])", [], .or(negated: false, [
            condition("r", value(.ov, "[1,5)")), condition("r", value(.sl, "(1,10)")), condition("r", value(.adj, "(1,10]")),
        ])),
        ("or", "(id.eq(any).{1,2},s.like(all).{a*,*b})", [], .or(negated: false, [
            condition("id", list(.eq, ["1", "2"], quantifier: .any)), condition("s", list(.like, ["a%", "%b"], quantifier: .all)),
        ])),
        ("or", "(s.like.*x*,s.ilike.\"*,*\")", [], .or(negated: false, [
            condition("s", value(.like, "%x%")), condition("s", value(.ilike, "%,%")),
        ])),
        ("or", "(doc.fts(english).cat & dog,doc.wfts.x)", [], .or(negated: false, [
            condition("doc", value(.fts, "cat & dog", language: "english")), condition("doc", value(.wfts, "x")),
        ])),
        ("or", "(ip.eq.10.0.0.1,v.eq.1.5)", [], .or(negated: false, [
            condition("ip", value(.eq, "10.0.0.1")), condition("v", value(.eq, "1.5")),
        ])),
        ("or", "(s.eq.,t.eq.x)", [], .or(negated: false, [condition("s", value(.eq, "")), condition("t", value(.eq, "x"))])),
        ("or", "(s.is.NULL,t.isdistinct.x)", [], .or(negated: false, [condition("s", isFilter(.null)), condition("t", value(.isdistinct, "x"))])),
        ("or", "(data->>kind.eq.x,data->a->0.eq.1)", [], .or(negated: false, [
            condition("data", value(.eq, "x"), json: [.doubleArrow("kind")]),
            condition("data", value(.eq, "1"), json: [.arrow("a"), .arrow("0")]),
        ])),
        ("or", "(habits.done.eq.true,habits.user_id.is.null)", [], .or(negated: false, [
            condition("done", value(.eq, "true"), path: ["habits"]), condition("user_id", isFilter(.null), path: ["habits"]),
        ])),
        ("or", "(a.b.c.eq.1,a.data->>k.eq.2,a.x.not.in.(1))", [], .or(negated: false, [
            condition("c", value(.eq, "1"), path: ["a", "b"]),
            condition("data", value(.eq, "2"), path: ["a"], json: [.doubleArrow("k")]),
            condition("x", list(.in, ["1"], not: true), path: ["a"]),
        ])),
        ("or", "(\"a:b\".eq.1,\"eq\".x.eq.2)", [], .or(negated: false, [
            condition("a:b", value(.eq, "1")), condition("x", value(.eq, "2"), path: ["eq"]),
        ])),
        ("or", "(and.eq.1,or.eq.2,not.eq.3)", [], .or(negated: false, [
            condition("and", value(.eq, "1")), condition("or", value(.eq, "2")), condition("not", value(.eq, "3")),
        ])),
        ("habits.or", "(done.eq.true,done.is.null)", ["habits"], .or(negated: false, [
            condition("done", value(.eq, "true")), condition("done", isFilter(.null)),
        ])),
        ("habits.not.and", "(a.eq.1,b.eq.2)", ["habits"], .and(negated: true, [condition("a", value(.eq, "1")), condition("b", value(.eq, "2"))])),
        ("a.b.and", "(c.eq.1)", ["a", "b"], .and(negated: false, [condition("c", value(.eq, "1"))])),
        ("\"my.rel\".or", "(c.eq.1)", ["my.rel"], .or(negated: false, [condition("c", value(.eq, "1"))])),
    ]

    @Test("valid logic trees", arguments: valid)
    func parses(key: String, text: String, path: [String], tree: LogicTree) {
        #expect(LogicGrammar.parse(key: key, value: text) == .success(PathLogic(path: path, tree: tree)))
    }

    /// (key, value, column, the start of the details)
    static let invalid: [(String, String, Int, String)] = [
        ("or", "()", 4, "unexpected \")\""),
        ("or", "", 3, "unexpected end of input expecting \"(\""),
        ("or", "(id.in.1,2,id.eq.3)", 10, "unexpected \"1\" expecting \"(\""),
        ("or", ")(", 3, "unexpected \")\" expecting \"(\""),
        ("and", "(ord(id.eq.1,id.eq.1),id.eq.2)", 7, "unexpected \"d\" expecting \"(\""),
        ("or", "(id.eq.1,not.xor(id.eq.2,id.eq.3))", 16, "unexpected \"x\""),
        ("or", "(a.eq.1,b)", 12, "unexpected \")\" expecting"),
        ("or", "(a.eq.1", 10, "unexpected end of input expecting \",\" or \")\""),
        ("or", "(a.eq.1))", 11, "unexpected \")\" expecting end of input"),
        ("or", "(a.eq.1)x", 11, "unexpected \"x\""),
        ("or", "(a.eqq.1)", 6, "unexpected \"e\" expecting \"not\" or operator"),
        ("or", "(a.is.nope)", 9, "unexpected \"n\" expecting isVal"),
        ("or", "(a.eq(any).1)", 14, "unexpected \"1\""),
        ("or", "(a.in.(1,2)x)", 14, "unexpected \"x\""),
        ("or", "a.eq.1", 3, "unexpected \"a\" expecting \"(\""),
    ]

    @Test("malformed trees are PGRST100: failed to parse logic tree, with the position", arguments: invalid)
    func rejects(key: String, text: String, column: Int, details: String) throws {
        let error = try #require(LogicGrammar.parse(key: key, value: text).failureValue)
        #expect(error.kind == .query)
        #expect(error.message == "\"failed to parse logic tree (\(text))\" (line 1, column \(column))")
        #expect(error.details?.hasPrefix(details) == true, "details: \(error.details ?? "nil")")
    }

    @Test("a malformed logic key names the logic path")
    func badPath() throws {
        let error = try #require(LogicGrammar.parse(key: "a..or", value: "(b.eq.1)").failureValue)
        #expect(error.message.hasPrefix("\"failed to parse logic path (a..or)\""))
    }

    @Test("nesting deeper than the limit is refused, not recursed into")
    func deepNesting() throws {
        let deep = "(" + String(repeating: "or(", count: 10_000) + "a.eq.1" + String(repeating: ")", count: 10_001)
        #expect(LogicGrammar.parse(key: "or", value: deep).failureValue?.kind == .query)
        let depth = LogicGrammar.maximumDepth - 1
        let allowed = "(" + String(repeating: "or(", count: depth) + "a.eq.1" + String(repeating: ")", count: depth + 1)
        #expect(LogicGrammar.parse(key: "or", value: allowed).successValue != nil)
    }

    @Test("trees in a query string, as py or_() and js or() send them")
    func inQueryString() throws {
        let parsed = try #require(request(query: "or=(status.eq.active,status.is.null)&habits.or=(a.eq.1,b.eq.2)&not.and=(x.gt.1,x.lt.5)"))
        #expect(parsed.query.logic.map(\.path) == [[], ["habits"], []])
        #expect(parsed.query.logic[2].tree == .and(negated: true, [condition("x", value(.gt, "1")), condition("x", value(.lt, "5"))]))
        #expect(parsed.query.filters.isEmpty)
        let encoded = try #require(request(query: "or=%28name.eq.%22a%2Cb%22%2Cname.ilike.%2Ax%2A%29"))
        #expect(encoded.query.logic.first?.tree == .or(negated: false, [condition("name", value(.eq, "a,b")), condition("name", value(.ilike, "%x%"))]))
        let error = try #require(failure(query: "or=(a.eq.1,b)"))
        #expect(error.message == "\"failed to parse logic tree ((a.eq.1,b))\" (line 1, column 12)")
    }
}
