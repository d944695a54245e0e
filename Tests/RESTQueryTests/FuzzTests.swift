import Foundation
@testable import RESTQuery
import Testing

/// SplitMix64: a small, seeded, deterministic generator.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &self)]
    }

    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &self) < percent
    }
}

/// Random and mutated requests: the parser must always answer, with a request or an error, and
/// never trap (no force unwraps, no out-of-range indices, no unbounded recursion).
@Suite("fuzz: the parser always answers")
struct FuzzTests {
    static let queryTokens = [
        "select=", "order=", "or=", "and=", "not.or=", "not.and=", "limit=", "offset=", "columns=", "on_conflict=",
        "habits.", "a.b.", "id", "data", "name", "->", "->>", "::", "text", "(", ")", ",", ".", "\"", "\\", "!", "inner",
        "left", "...", "*", "eq", "neq", "in", "is", "null", "NULL", "not_null", "like", "ilike", "fts", "(english)",
        "(any)", "(all)", "cs", "ov", "sl", "isdistinct", "not.", "{", "}", "[", "]", ":", "&", "=", "+", "%", "%2", "%28",
        "%29", "%2C", "%22", "%FF", "%C3%A9", "%E2%82", "é", "😀", "\u{301}", " ", "\t", "\n", "0", "1", "-1", "42",
        "99999999999999999999", "count()", ".sum()", "desc", "asc", "nullsfirst", "nullslast", "and(", "or(", "?",
    ]

    static let seedQueries = [
        "select=id,owner:users!fk!inner(email),...p(name),data->>k::text&order=a.desc.nullslast,rel(b).asc&limit=10&offset=5",
        "or=(a.eq.1,and(b.in.(1,2,\"c,d\"),not.or(c.is.null,d.cs.{x,y})),e.like(any).{a*,*b})&habits.not.and=(x.gt.1)",
        "id=eq.5&name=ilike.*ann*&tags=cs.%7Ba%2Cb%7D&r=ov.%5B1%2C5%29&doc=fts(english).cat+%26+dog&habits.user_id=is.null",
        "columns=%22a%22%2C%22b%22&on_conflict=a,b&select=*&data->a->0=eq.1&\"a:b\"=eq.2",
        "select=a(b(c(d(*))))&a.b.order=x&a.b.limit=1&a.or=(b.c.eq.1,data->>k.eq.2)",
    ]

    static let methods = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "get", ""]
    static let paths = ["/t", "/", "", "/rpc/f", "/a/b", "/rpc/", "/%FF", "/t%20x", "//", "/rpc"]

    static let bodyTokens = [
        "{", "}", "[", "]", "\"a\"", "\"b\"", ":", ",", "1", "-", "0", ".", "e", "E", "+", "true", "false", "null",
        "\"\\u00e9\"", "\"\\ud83d\"", "\"\\\"", "\\", " ", "\n", "\"x", "nul", "1e", "[{", "}]", "{\"k\":",
    ]

    static let preferTokens = ["return=representation", "return=minimal", "count=exact", "tx=rollback", "x", ",", ", ", "=", "max-affected=", "9", "-", "timezone=", "handling=strict", ""]
    static let acceptTokens = ["application/json", "*/*", "text/csv", ";", "q=0", "q=0.5", "q=x", ",", "nulls=stripped", "application/vnd.pgrst.object+json", "\"", "=", " "]
    static let rangeTokens = ["0", "9", "-", "items=", "99999999999999999999", " ", ",", "a"]

    static func soup(_ tokens: [String], count: Int, _ random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...count, using: &random)).map { _ in random.pick(tokens) }.joined()
    }

    static func mutate(_ text: String, _ random: inout SeededGenerator) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = scalars.isEmpty ? 0 : Int.random(in: 0...scalars.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !scalars.isEmpty && position < scalars.count:
                let end = min(scalars.count, position + Int.random(in: 1...6, using: &random))
                scalars.removeSubrange(position..<end)
            case 1:
                scalars.insert(contentsOf: random.pick(queryTokens).unicodeScalars, at: position)
            case 2 where position < scalars.count:
                let end = min(scalars.count, position + Int.random(in: 1...12, using: &random))
                scalars.insert(contentsOf: scalars[position..<end], at: position)
            default:
                if position < scalars.count { scalars[position] = random.pick(queryTokens).unicodeScalars.first ?? "x" }
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static func check(_ result: Result<ApiRequest, RESTQueryError>, body: [UInt8]?) {
        switch result {
        case .success(let request):
            if let payload = request.payload, let body, !body.isEmpty, payload.json != "{}" {
                #expect(Array(payload.json.utf8) == body)
            }
            if case .call(readOnly: true, _) = request.action {} else {
                #expect(request.query.filters.allSatisfy { $0.parsed.successValue != nil })
            }
            for range in request.query.ranges {
                #expect((range.limit ?? 0) >= 0 && (range.offset ?? 0) >= 0)
            }
            if let range = request.range {
                #expect(range.lower >= 0 && range.lower <= (range.upper ?? .max))
            }
        case .failure(let error):
            #expect(error.kind.rawValue.hasPrefix("PGRST"))
            #expect(!error.message.isEmpty)
        }
    }

    @Test("random query strings, verbs, paths, headers and bodies", arguments: 0..<8)
    func randomRequests(seed: UInt64) {
        var random = SeededGenerator(state: 0xC0FFEE &+ seed)
        for _ in 0..<500 {
            let query = Self.soup(Self.queryTokens, count: 40, &random)
            let bodyText = Self.soup(Self.bodyTokens, count: 24, &random)
            var body: [UInt8]? = random.chance(10) ? nil : Array(bodyText.utf8)
            if random.chance(5) { body?.append(UInt8.random(in: 0x80...0xFF, using: &random)) }
            var headers: [(name: String, value: String)] = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                switch Int.random(in: 0..<5, using: &random) {
                case 0: headers.append(("Prefer", Self.soup(Self.preferTokens, count: 8, &random)))
                case 1: headers.append(("accept", Self.soup(Self.acceptTokens, count: 8, &random)))
                case 2: headers.append(("Range", Self.soup(Self.rangeTokens, count: 6, &random)))
                case 3: headers.append(("Accept-Profile", Self.soup(Self.queryTokens, count: 3, &random)))
                default: headers.append(("Content-Profile", Self.soup(Self.queryTokens, count: 3, &random)))
                }
            }
            let result = ApiRequestParser.parse(
                method: random.pick(Self.methods), path: random.pick(Self.paths), query: query, headers: headers, body: body)
            Self.check(result, body: body)
        }
    }

    @Test("mutations of valid client queries", arguments: 0..<8)
    func mutatedQueries(seed: UInt64) {
        var random = SeededGenerator(state: 0xBADC0DE &+ seed)
        for seedQuery in Self.seedQueries {
            #expect(ApiRequestParser.parse(method: "GET", path: "/t", query: seedQuery, headers: [], body: nil).successValue != nil)
        }
        for _ in 0..<500 {
            let query = Self.mutate(random.pick(Self.seedQueries), &random)
            for method in ["GET", "POST"] {
                let body: [UInt8]? = method == "POST" ? Array("{\"a\":1}".utf8) : nil
                Self.check(ApiRequestParser.parse(method: method, path: "/t", query: query, headers: [], body: body), body: body)
            }
            Self.check(ApiRequestParser.parse(method: "GET", path: "/rpc/f", query: query, headers: [], body: nil), body: nil)
        }
    }

    @Test("every grammar on random text", arguments: 0..<4)
    func grammars(seed: UInt64) {
        var random = SeededGenerator(state: 0x5EED &+ seed)
        for _ in 0..<1_000 {
            let text = Self.soup(Self.queryTokens, count: 30, &random)
            _ = SelectGrammar.parse(text)
            _ = OrderGrammar.parse(text)
            _ = LogicGrammar.parse(key: random.pick(["or", "not.and", "a.or"]), value: text)
            _ = FilterGrammar.parse(key: random.pick(["id", "a.b", "data->>k", text]), value: text)
            _ = Preferences(headerValues: [text])
            _ = MediaType(acceptValues: [text])
            _ = RowRange.parse(header: text)
            _ = QueryString.pairs(text)
        }
    }

    /// The JSON check agrees with Foundation's parser on whether a body is JSON (on bodies
    /// without `\u` escapes, where the two legitimately differ over lone surrogates).
    @Test("the JSON check agrees with JSONSerialization", arguments: 0..<4)
    func jsonDifferential(seed: UInt64) throws {
        var random = SeededGenerator(state: 0x7150_4E &+ seed)
        let tokens = Self.bodyTokens.filter { !$0.contains("\\u") }
        var disagreements: [String] = []
        for _ in 0..<1_000 {
            let text = Self.soup(tokens, count: 16, &random)
            let bytes = Array(text.utf8)
            let ours = JSONInspector.inspect(bytes) != nil
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            if ours != foundation { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test("the keys found agree with JSONSerialization's")
    func jsonKeys() throws {
        var random = SeededGenerator(state: 42)
        for _ in 0..<500 {
            var object: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                let key = random.pick(["a", "b", "é", "with space", "quote\"d", "back\\slash", "tab\t", "😀", "n"])
                    + String(Int.random(in: 0...3, using: &random))
                object[key] = random.pick([1, "x", NSNull(), [1, 2], ["k": true]] as [Any])
            }
            let data = try JSONSerialization.data(withJSONObject: object)
            let inspection = try #require(JSONInspector.inspect(Array(data)))
            #expect(Set(inspection.keys) == Set(object.keys))
            #expect(inspection.keys.count == object.count)
        }
    }
}
