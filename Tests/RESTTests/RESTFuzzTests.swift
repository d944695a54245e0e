import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

/// Thousands of random and malformed requests over real HTTP: every answer is a 2xx, 3xx or
/// 4xx with PostgREST's envelope, never a 5xx.
@Suite("REST: fuzzing")
struct RESTFuzzTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tables = ["print_products", "vision_boards", "habits", "action_tasks", "profiles", "plaid_items", "nope", "rpc/decrement_user_credits", "rpc/nope", ""]
    static let columns = ["id", "name", "title", "base_price", "user_id", "data", "type", "nope", "created_at", "tags", "\"q\"", ""]
    static let operators = ["eq", "neq", "gt", "lt", "gte", "lte", "like", "ilike", "match", "imatch", "in", "is", "isdistinct",
                            "fts", "plfts", "phfts", "wfts", "cs", "cd", "ov", "sl", "sr", "nxl", "nxr", "adj", "not.eq", "eq(any)", "bogus"]
    static let values = ["1", "-1", "abc", "null", "true", "(1,2)", "(\"a,b\",c)", "{1,2}", "[1,5)", "%25x%25", "*", "2024-01-01",
                         "00000000-0000-0000-0000-000000000000", "", "%00", "%FF", "'", "\\", "((", ")", "NaN", "1e309"]
    static let pieces = ["select=", "order=", "limit=", "offset=", "or=", "and=", "not.or=", "columns=", "on_conflict=", "x.y=", "a->b=", "&", "=", "%"]

    static func pick<T>(_ items: [T], _ random: inout Generator) -> T { items[Int(random.next() % UInt64(items.count))] }

    static func query(_ random: inout Generator) -> String {
        var parts: [String] = []
        for _ in 0..<Int(random.next() % 5) {
            switch random.next() % 6 {
            case 0: parts.append("\(pick(columns, &random))=\(pick(operators, &random)).\(pick(values, &random))")
            case 1: parts.append("select=\(pick(columns, &random)),\(pick(columns, &random))\(pick(["", "::text", "->x", "(*)", ":a", "!inner(*)"], &random))")
            case 2: parts.append("order=\(pick(columns, &random)).\(pick(["asc", "desc", "nullsfirst", "x"], &random))")
            case 3: parts.append("\(pick(["limit", "offset"], &random))=\(pick(values, &random))")
            case 4: parts.append("or=(\(pick(columns, &random)).\(pick(operators, &random)).\(pick(values, &random)),\(pick(values, &random)))")
            default: parts.append(pick(pieces, &random) + pick(values, &random))
            }
        }
        return parts.joined(separator: "&")
            .replacingOccurrences(of: " ", with: "%20").replacingOccurrences(of: "\"", with: "%22")
            .replacingOccurrences(of: "{", with: "%7B").replacingOccurrences(of: "}", with: "%7D")
            .replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "\\", with: "%5C")
            .replacingOccurrences(of: "'", with: "%27").replacingOccurrences(of: ">", with: "%3E")
    }

    static let bodies = [nil, "{}", "[]", "[{}]", #"{"name":"x"}"#, #"{"title":"t","type":"ADMIN"}"#, #"[{"a":1},{"b":2}]"#,
                         "{", "null", "42", #"{"prompt":null}"#, #"{"id":"not-a-uuid"}"#, #"{"nope":1}"#, "\u{0}"]

    @Test("2,000 random requests as anon, a user and service_role: never a 5xx")
    func neverFiveHundred() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "fuzz@rest.test")
            let callers = [
                RESTClient(client: client, apiKey: app.keys.anon),
                RESTClient(client: client, apiKey: app.keys.anon, bearer: user.token),
                RESTClient(client: client, apiKey: app.keys.serviceRole),
            ]
            var random = Generator(state: 20_261_124)
            var failures: [String] = []
            for _ in 0..<2_000 {
                let method = Self.pick([HTTPRequest.Method.get, .head, .post, .patch, .delete, .put], &random)
                let path = Self.pick(Self.tables, &random) + "?" + Self.query(&random)
                let body = [.post, .patch, .put].contains(method) ? Self.pick(Self.bodies, &random) : nil
                let accept = Self.pick([nil, "application/vnd.pgrst.object+json", "text/csv", "application/xml"], &random)
                let prefer = Self.pick([nil, "return=representation", "count=exact", "resolution=merge-duplicates", "tx=rollback", "handling=strict, bogus"], &random)
                let reply = try await Self.pick(callers, &random).send(method, path, json: body, prefer: prefer, accept: accept)
                if reply.status.code >= 500 {
                    failures.append("\(method) \(path) body=\(body ?? "-") → \(reply.status.code) \(reply.body.prefix(200))")
                }
                if reply.status.code >= 400, method != .head, !reply.body.isEmpty, reply.code == nil {
                    failures.append("\(method) \(path) → \(reply.status.code) without an error code: \(reply.body.prefix(200))")
                }
            }
            #expect(failures.isEmpty, "\(failures.count) bad answers, first: \(failures.prefix(5).joined(separator: "\n"))")
        }
    }
}
