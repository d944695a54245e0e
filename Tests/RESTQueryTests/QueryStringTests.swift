@testable import RESTQuery
import Testing

@Suite("query strings and reserved keys")
struct QueryStringTests {
    static let pairs: [(String, [QueryString.Pair])] = [
        ("", []),
        ("?", []),
        ("?a=1", [.init(key: "a", value: "1")]),
        ("a=1&a=2", [.init(key: "a", value: "1"), .init(key: "a", value: "2")]),
        ("a=b=c", [.init(key: "a", value: "b=c")]),
        ("a=&b", [.init(key: "a", value: ""), .init(key: "b", value: nil)]),
        ("&&a=1&", [.init(key: "a", value: "1")]),
        ("=x", [.init(key: "", value: "x")]),
        ("a+b=c+d", [.init(key: "a b", value: "c d")]),
        ("k=%2B%26%3D%25", [.init(key: "k", value: "+&=%")]),
        ("k=%e2%82%ac", [.init(key: "k", value: "€")]),
        ("k=%", [.init(key: "k", value: "%")]),
        ("k=%4", [.init(key: "k", value: "%4")]),
        ("k=%G1", [.init(key: "k", value: "%G1")]),
        ("k=é", [.init(key: "k", value: "é")]),
        ("%22a%3Ab%22=eq.1", [.init(key: "\"a:b\"", value: "eq.1")]),
    ]

    @Test("form decoding", arguments: pairs)
    func decoding(query: String, expected: [QueryString.Pair]) {
        #expect(QueryString.pairs(query) == .success(expected))
    }

    @Test("bytes that are not UTF-8 are PGRST100", arguments: ["k=%FF", "%C3=1", "k=%E2%82"])
    func notUTF8(query: String) throws {
        let error = try #require(QueryString.pairs(query).failureValue)
        #expect(error.kind == .query)
        #expect(failure(query: query)?.kind == .query)
    }

    enum Bucket: Equatable {
        case select, columns, onConflict, order([String]), range([String]), logic([String], negated: Bool), filter([String], String)
    }

    static func bucket(of request: ApiRequest) -> [Bucket] {
        var buckets: [Bucket] = []
        if request.query.select != [.star] { buckets.append(.select) }
        if request.query.columns != nil { buckets.append(.columns) }
        if request.query.onConflict != nil { buckets.append(.onConflict) }
        buckets += request.query.order.map { .order($0.path) }
        buckets += request.query.ranges.map { .range($0.path) }
        buckets += request.query.logic.map { logic in
            switch logic.tree {
            case .and(let negated, _), .or(let negated, _): .logic(logic.path, negated: negated)
            case .condition: .logic(logic.path, negated: false)
            }
        }
        buckets += request.query.filters.compactMap { $0.parsed.successValue.map { .filter($0.path, $0.field.name) } }
        return buckets
    }

    static let reserved: [(String, Bucket)] = [
        ("select=id", .select),
        ("columns=a", .columns),
        ("on_conflict=a", .onConflict),
        ("order=a", .order([])),
        ("habits.order=a", .order(["habits"])),
        ("a.b.order=a", .order(["a", "b"])),
        ("limit=1", .range([])),
        ("offset=1", .range([])),
        ("habits.limit=1", .range(["habits"])),
        ("a.b.limit=1", .range(["a", "b"])),
        ("a.b.offset=1", .range(["a", "b"])),
        ("or=(x.eq.1)", .logic([], negated: false)),
        ("and=(x.eq.1)", .logic([], negated: false)),
        ("not.or=(x.eq.1)", .logic([], negated: true)),
        ("not.and=(x.eq.1)", .logic([], negated: true)),
        ("habits.or=(x.eq.1)", .logic(["habits"], negated: false)),
        ("habits.and=(x.eq.1)", .logic(["habits"], negated: false)),
        ("habits.not.or=(x.eq.1)", .logic(["habits"], negated: true)),
        ("habits.not.and=(x.eq.1)", .logic(["habits"], negated: true)),
        ("a.b.not.and=(x.eq.1)", .logic(["a", "b"], negated: true)),
        // Not reserved: filters.
        ("habits.select=eq.1", .filter(["habits"], "select")),
        ("habits.columns=eq.1", .filter(["habits"], "columns")),
        ("\"x.order\"=eq.1", .filter([], "x.order")),
        ("limit_count=eq.1", .filter([], "limit_count")),
        ("ordered=eq.1", .filter([], "ordered")),
        ("not=eq.1", .filter([], "not")),
        ("Select=eq.1", .filter([], "Select")),
    ]

    @Test("reserved keys, also under an embedding path; every other key is a filter", arguments: reserved)
    func classification(query: String, bucket: Bucket) throws {
        let parsed = try #require(request(query: query))
        #expect(Self.bucket(of: parsed) == [bucket])
    }

    @Test("columns and on_conflict lists", arguments: [
        ("\"a\",\"b\"", ["a", "b"]), ("a,b", ["a", "b"]), (" a , b ", ["a", "b"]), ("\"a,b\",c", ["a,b", "c"]),
        ("user-id", ["user-id"]), ("x", ["x"]),
    ])
    func nameLists(text: String, names: [String]) throws {
        let parsed = try #require(request("POST", query: "columns=\(formEncoded(text))&on_conflict=\(formEncoded(text))", body: "{}"))
        #expect(parsed.query.columns == names)
        #expect(parsed.query.onConflict == names)
    }

    @Test("malformed columns and on_conflict are PGRST100", arguments: [
        ("columns", ""), ("columns", "a,"), ("columns", "a,,b"), ("columns", "a b)"), ("on_conflict", "\"a"), ("on_conflict", ",a"),
    ])
    func badNameLists(key: String, text: String) throws {
        let error = try #require(failure("POST", query: "\(key)=\(formEncoded(text))", body: "{}"))
        #expect(error.kind == .query)
        #expect(error.message.hasPrefix("\"failed to parse \(key) parameter (\(text))\""))
    }
}
