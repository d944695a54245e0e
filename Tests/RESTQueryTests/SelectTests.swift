@testable import RESTQuery
import Testing

@Suite("select")
struct SelectTests {
    static let valid: [(String, [SelectItem])] = [
        ("*", [.star]),
        ("", []),
        ("id", [column("id")]),
        ("id,name", [column("id"), column("name")]),
        ("id, name ,  title", [column("id"), column("name"), column("title")]),
        (" * , id ", [.star, column("id")]),
        ("display:name", [column("name", alias: "display")]),
        ("display : name", [column("name", alias: "display")]),
        ("created_at::text", [column("created_at", cast: "text")]),
        ("total:amount::numeric", [column("amount", alias: "total", cast: "numeric")]),
        ("x:price::double precision", [column("price", alias: "x", cast: "double precision")]),
        ("data->a", [column("data", [.arrow("a")])]),
        ("data->>a", [column("data", [.doubleArrow("a")])]),
        ("data->a->>b", [column("data", [.arrow("a"), .doubleArrow("b")])]),
        ("data->items->0->>name", [column("data", [.arrow("items"), .arrow("0"), .doubleArrow("name")])]),
        ("data->-1", [column("data", [.arrow("-1")])]),
        ("data->>-2::int", [column("data", [.doubleArrow("-2")], cast: "int")]),
        ("kind:data->>kind::text", [column("data", [.doubleArrow("kind")], alias: "kind", cast: "text")]),
        ("data->\"a.b\"->>\"c,d\"", [column("data", [.arrow("a.b"), .doubleArrow("c,d")])]),
        ("data->some-key", [column("data", [.arrow("some-key")])]),
        ("data->!@#$%^&*_a", [column("data", [.arrow("!@#$%^&*_a")])]),
        ("user-id", [column("user-id")]),
        ("\"a:b\"", [column("a:b")]),
        ("\"with,comma\",\"quote\\\"d\"", [column("with,comma"), column("quote\"d")]),
        ("\" padded \"", [column(" padded ")]),
        ("\"x\":\"y\"", [column("y", alias: "x")]),
        ("$weird_1", [column("$weird_1")]),
        ("名前", [column("名前")]),
        ("habits(*)", [embed("habits")]),
        ("habits()", [embed("habits", [])]),
        ("habits( )", [embed("habits", [])]),
        ("habits(id,title)", [embed("habits", [column("id"), column("title")])]),
        ("h:habits(*)", [embed("habits", alias: "h")]),
        ("habits!habits_user_id_fkey(*)", [embed("habits", hint: "habits_user_id_fkey")]),
        ("habits!user_id(*)", [embed("habits", hint: "user_id")]),
        ("habits!inner(*)", [embed("habits", join: .inner)]),
        ("habits!left(*)", [embed("habits", join: .left)]),
        ("b!fk!inner(id)", [embed("b", hint: "fk", join: .inner, [column("id")])]),
        ("b!inner!fk(id)", [embed("b", hint: "fk", join: .inner, [column("id")])]),
        ("owner:users!fk!left(email)", [embed("users", alias: "owner", hint: "fk", join: .left, [column("email")])]),
        ("b!\"odd-fk\"(*)", [embed("b", hint: "odd-fk")]),
        ("b!\"inner\"(*)", [embed("b", hint: "inner")]),
        ("...profiles(name)", [embed("profiles", spread: true, [column("name")])]),
        ("...profiles!fk!inner(name)", [embed("profiles", hint: "fk", join: .inner, spread: true, [column("name")])]),
        ("...p:profiles(name)", [embed("profiles", alias: "p", spread: true, [column("name")])]),
        ("id,...profiles(name,email),other(*)", [
            column("id"), embed("profiles", spread: true, [column("name"), column("email")]), embed("other"),
        ]),
        ("*,client(*,nested(*))", [.star, embed("client", [.star, embed("nested")])]),
        ("a(b(c(d(e(id)))))", [embed("a", [embed("b", [embed("c", [embed("d", [embed("e", [column("id")])])])])])]),
        ("id, habits ( id , t:title::text , completions!inner ( done_at ) )", [
            column("id"),
            embed("habits", [column("id"), column("title", alias: "t", cast: "text"), embed("completions", join: .inner, [column("done_at")])]),
        ]),
        ("\"my table\"(*)", [embed("my table")]),
        ("count", [column("count")]),
        ("\"count\"(*)", [embed("count")]),
    ]

    @Test("valid select values", arguments: valid)
    func parses(text: String, expected: [SelectItem]) {
        #expect(SelectGrammar.parse(text) == .success(expected))
    }

    static let invalid: [(String, String)] = [
        ("id,", "unexpected end of input"),
        (",id", "unexpected \",\""),
        ("id,,name", "unexpected \",\""),
        ("habits(", "unexpected end of input"),
        ("habits(*", "unexpected end of input"),
        ("habits(*))", "unexpected \")\""),
        ("id)", "unexpected \")\""),
        ("name!hint", "unexpected \"!\""),
        ("*!hint", "unexpected \"!\""),
        ("name::", "unexpected end of input"),
        ("data->", "unexpected end of input"),
        ("data->>-78xy", "unexpected \"x\""),
        ("data->>--34", "unexpected \"-\""),
        ("id,clients(name[])", "unexpected \"[\""),
        ("rel->jsonpath(*)", "unexpected \"(\""),
        ("a b c d(*)x", "unexpected \"x\""),
        ("\"unterminated", "unexpected end of input"),
        ("b!x!y(*)", "unexpected \"!\""),
        ("b!inner!left(*)", "unexpected \"!\""),
        ("...", "unexpected end of input"),
        ("...rel", "unexpected end of input"),
        ("...rel->x(*)", "unexpected \"-\""),
        ("alias:", "unexpected end of input"),
        (":name", "unexpected \":\""),
        ("id name,", "unexpected end of input"),
    ]

    @Test("malformed select values are PGRST100 naming the parameter", arguments: invalid)
    func rejects(text: String, details: String) throws {
        let error = try #require(SelectGrammar.parse(text).failureValue)
        #expect(error.kind == .query)
        #expect(error.message.hasPrefix("\"failed to parse select parameter (\(text))\" (line 1, column "))
        #expect(error.details?.hasPrefix(details) == true, "details: \(error.details ?? "nil")")
    }

    @Test("positions are 1-based columns", arguments: [
        ("id,", 4), ("name!hint", 5), ("data->>-78xy", 11), ("habits(*", 9),
    ])
    func positions(text: String, column: Int) throws {
        let error = try #require(SelectGrammar.parse(text).failureValue)
        #expect(error.message.hasSuffix("(line 1, column \(column))"), "\(error.message)")
    }

    static let aggregates: [(String, [SelectItem])] = [
        ("count()", [aggregate(.count)]),
        ("c:count()", [aggregate(.count, alias: "c")]),
        ("c : count()", [aggregate(.count, alias: "c")]),
        ("count()::int", [aggregate(.count, outputCast: "int")]),
        ("amount.sum()", [aggregate(.sum, "amount")]),
        ("amount.avg(),category", [aggregate(.avg, "amount"), column("category")]),
        ("order_date,amount.sum()", [column("order_date"), aggregate(.sum, "amount")]),
        ("total:amount.sum(),average:amount.avg(),amount.max(),amount.min()", [
            aggregate(.sum, "amount", alias: "total"), aggregate(.avg, "amount", alias: "average"),
            aggregate(.max, "amount"), aggregate(.min, "amount"),
        ]),
        ("amount::int.sum()", [aggregate(.sum, "amount", inputCast: "int")]),
        ("amount.sum()::text", [aggregate(.sum, "amount", outputCast: "text")]),
        ("x:amount::numeric.avg()::int", [aggregate(.avg, "amount", alias: "x", inputCast: "numeric", outputCast: "int")]),
        ("amount::double precision.max()", [aggregate(.max, "amount", inputCast: "double precision")]),
        ("data->tax::numeric.sum()", [aggregate(.sum, "data", [.arrow("tax")], inputCast: "numeric")]),
        ("data->>tax.min()", [aggregate(.min, "data", [.doubleArrow("tax")])]),
        ("n:id.count()", [aggregate(.count, "id", alias: "n")]),
        (" amount.sum() , count() ", [aggregate(.sum, "amount"), aggregate(.count)]),
        ("habits(count())", [embed("habits", [aggregate(.count)])]),
        ("*,orders(amount.sum(),order_date)", [.star, embed("orders", [aggregate(.sum, "amount"), column("order_date")])]),
        ("order_date,...customers(joined_date.max())", [
            column("order_date"), embed("customers", spread: true, [aggregate(.max, "joined_date")]),
        ]),
        ("\"a.b\".sum()", [aggregate(.sum, "a.b")]),
        ("*,team_members(count)", [.star, embed("team_members", [column("count")])]),
    ]

    @Test("aggregate functions: count() alone, function() after a column, aliases and casts on both sides", arguments: aggregates)
    func parsesAggregates(text: String, expected: [SelectItem]) {
        #expect(SelectGrammar.parse(text) == .success(expected))
    }

    @Test("malformed aggregates are PGRST100", arguments: [
        ("amount.sum(", "unexpected \".\""),
        ("amount.sum", "unexpected \".\""),
        ("amount.total()", "unexpected \".\""),
        ("amount.summary()", "unexpected \".\""),
        ("amount. sum()", "unexpected \".\""),
        ("amount.sum()x", "unexpected \"x\""),
        ("amount.sum().avg()", "unexpected \".\""),
        ("amount.sum()::", "unexpected end of input"),
        ("count()x", "unexpected \"x\""),
        ("count( )", "unexpected \"(\""),
        ("count().sum()", "unexpected \".\""),
        ("*.count()", "unexpected \".\""),
        ("amount.SUM()", "unexpected \".\""),
    ])
    func rejectsAggregates(text: String, details: String) throws {
        let error = try #require(SelectGrammar.parse(text).failureValue)
        #expect(error.kind == .query)
        #expect(error.details?.hasPrefix(details) == true, "\(text) details: \(error.details ?? "nil")")
    }

    @Test("nesting deeper than the limit is refused, not recursed into")
    func deepNesting() throws {
        let deep = String(repeating: "a(", count: 10_000) + "*" + String(repeating: ")", count: 10_000)
        #expect(SelectGrammar.parse(deep).failureValue?.kind == .query)
        let allowed = String(repeating: "a(", count: SelectGrammar.maximumDepth) + "*"
            + String(repeating: ")", count: SelectGrammar.maximumDepth)
        #expect(SelectGrammar.parse(allowed).successValue != nil)
    }

    @Test("select in a query string: absent is *, first occurrence wins, encoded as the clients do")
    func inQueryString() throws {
        #expect(request(query: "")?.query.select == [.star])
        #expect(request(query: "select")?.query.select == [.star])
        #expect(request(query: "select=")?.query.select == [])
        #expect(request(query: "select=id&select=name")?.query.select == [column("id")])
        let text = "id,owner:users!fk!inner(email),...p(name),data->>k::text"
        #expect(request(query: "select=" + formEncoded(text))?.query.select == SelectGrammar.parse(text).successValue)
        #expect(request(query: "select=id,%22a%20b%22")?.query.select == [column("id"), column("a b")])
        let error = try #require(failure(query: "select=id,"))
        #expect(error.message == "\"failed to parse select parameter (id,)\" (line 1, column 4)")
    }
}
