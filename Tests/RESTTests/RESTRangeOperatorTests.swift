import Database
import Foundation
import HTTPTypes
import PostgresNIO
import RESTAPI
import Testing
import TestSupport
import Tokens
import VisionaryApp

/// The range operators answer exactly the rows PostgreSQL's own operator selects: each filter is
/// checked against the same operator applied by PostgreSQL to the same operands.
@Suite("REST: range operators")
struct RESTRangeOperatorTests {
    /// PostgREST's operator names and the PostgreSQL operators they stand for.
    static let operators = [
        ("sl", "<<"), ("sr", ">>"), ("nxr", "&<"), ("nxl", "&>"), ("adj", "-|-"), ("ov", "&&"), ("cs", "@>"), ("cd", "<@"),
    ]
    static let ranges = ["[1,5)", "[3,8)", "[5,10)", "[10,20)", "[0,2)", "empty", "[-4,-1)", "[7,7]"]
    static let operands = ["[4,6)", "[5,10)", "[0,3)", "[10,11)", "[-10,100)", "(,)", "[8,9]"]

    @Test("sl, sr, nxr, nxl, adj, ov, cs and cd select what PostgreSQL's operators select")
    func againstPostgreSQL() async throws {
        let app = try await TestApp.make()
        try await TestCluster.withConnection(app.database) { connection in
            let values = Self.ranges.enumerated().map { "(\($0.offset + 1), '\($0.element)')" }.joined(separator: ", ")
            for statement in [
                "CREATE TABLE public.spans (id int PRIMARY KEY, r int4range NOT NULL)",
                "GRANT SELECT ON public.spans TO anon",
                "INSERT INTO public.spans VALUES \(values)",
            ] {
                try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: TestCluster.logger)
            }
        }
        let expected = try await TestCluster.withConnection(app.database) { connection in
            var expected: [String: [Int]] = [:]
            for (name, op) in Self.operators {
                for operand in Self.operands {
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT id FROM public.spans WHERE r \(op) '\(operand)'::int4range ORDER BY id"),
                        logger: TestCluster.logger)
                    var ids: [Int] = []
                    for try await id in rows.decode(Int.self) { ids.append(id) }
                    expected["\(name) \(operand)"] = ids
                }
            }
            return expected
        }
        try await app.run { client in
            try await app.parts.schemaCache.reload()
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            var distinct = Set<[Int]>()
            for (name, _) in Self.operators {
                for operand in Self.operands {
                    let encoded = operand.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? operand
                    let reply = try await rest.send(.get, "spans?select=id&order=id&r=\(name).\(encoded)")
                    #expect(reply.status == .ok, "\(name) \(operand): \(reply.body)")
                    let ids = reply.array.compactMap { $0["id"] as? Int }
                    #expect(ids == expected["\(name) \(operand)"], "\(name).\(operand)")
                    distinct.insert(ids)
                }
            }
            // The operands tell the operators apart: a swapped pair would not go unnoticed.
            #expect(expected["nxl [4,6)"] != expected["nxr [4,6)"])
            #expect(distinct.count > 8)
        }
    }
}
