import AppConfig
import Core
import Database
import Foundation
import Logging
import Synchronization
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
import Tokens

/// Bank links against a loopback Plaid: the access token is sealed at rest the moment it
/// arrives, used only on the server, and never reaches a client, a dump or a log.
@Suite("bank links: create-link-token, exchange-public-token, get-plaid-balances, plaid-unlink")
struct BankFunctionsTests {
    static func app(_ plaid: PlaidTestServer?, logger: Logger = TestCluster.logger) async throws -> TestApp {
        try await TestApp.make(logger: logger) { config in
            if let plaid { config.integrations.plaid = PlaidAccount(baseURL: plaid.baseURL, clientID: "client-1", secret: "plaid-secret") }
        }
    }

    @Test("link, read balances, unlink: the token is sealed under the newest key, bound to its row, and only the owner's bank is reached")
    func linkBalancesUnlink() async throws {
        let plaid = try await PlaidTestServer(clientID: "client-1", secret: "plaid-secret")
        defer { plaid.stop() }
        // Every line the server logs, at the most talkative level.
        let log = CapturedLog()
        let app = try await Self.app(plaid, logger: log.logger)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@bank.test")
            let bob = try await signUp(client, app: app, email: "bob@bank.test")
            let anon = FunctionsClient(client: client, apiKey: app.keys.anon)
            for function in ["create-link-token", "exchange-public-token", "get-plaid-balances", "plaid-unlink"] {
                #expect(try await anon.call(function, nil, #"{"public_token":"public-1","item_id":"00000000-0000-4000-8000-000000000001"}"#).status == .unauthorized, "\(function)")
            }
            #expect(plaid.calls.isEmpty, "anon reaches nothing")

            let link = try await ann.functions.call("create-link-token")
            #expect(link.status == .ok && (link.object["link_token"] as? String)?.hasPrefix("link-sandbox-") == true, "\(link.body)")

            let exchanged = try await ann.functions.call("exchange-public-token", nil,
                #"{"public_token":"public-1","metadata":{"institution":{"institution_id":"ins_109508","name":"First Platypus"}}}"#)
            #expect(exchanged.status == .ok && exchanged.object["success"] as? Bool == true, "\(exchanged.body)")
            let itemID = try #require(exchanged.object["id"] as? String)
            let token = try #require(plaid.issuedTokens.first)
            #expect(!exchanged.body.contains(token))

            // Stored sealed under the newest key (2), not as text; client roles cannot read the ciphertext.
            let stored = try await app.owner.text(SQLStatement(
                "SELECT token_key_version || ' ' || institution_id || ' ' || status || ' ' || (position(convert_to($2, 'UTF8') IN access_token_encrypted) = 0) FROM public.plaid_items WHERE id = $1::uuid",
                [.text(itemID), .text(token)]))
            #expect(stored == "2 ins_109508 ACTIVE true")
            let rest = try await client.execute(uri: "/rest/v1/plaid_items?select=access_token_encrypted", method: .get,
                                                headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)"])
            #expect(rest.status == .unauthorized || rest.status == .forbidden, "\(rest.status)")

            #expect(try await ann.functions.call("exchange-public-token", nil, #"{"public_token":"public-bad"}"#).status == .badGateway)
            #expect(try await ann.functions.call("exchange-public-token", nil, "{}").status == .badRequest)
            #expect(try await ann.functions.call("exchange-public-token", nil, #"{"public_token":"p","metadata":{"institution":{"institution_id":7}}}"#).status == .badRequest)

            let balances = try await ann.functions.call("get-plaid-balances")
            #expect(balances.status == .ok, "\(balances.body)")
            let groups = try #require(balances.object["balances"] as? [String: [[String: Any]]])
            #expect(groups["depository"]?.count == 2 && groups["credit"]?.count == 1)
            let totals = try #require(balances.object["totals"] as? [String: [String: Double]])
            #expect(totals["depository"]?["current"] == 310.25 && totals["depository"]?["available"] == 300.5 && totals["credit"]?["current"] == 99.99)
            #expect(!balances.body.contains(token))
            #expect(plaid.calls.last == PlaidTestServer.Call(path: "accounts/balance/get", accessToken: token))

            // Bob sees no bank of Ann's, by any id, and cannot unlink it.
            let bobs = try await bob.functions.call("get-plaid-balances", nil, json(["item_id": itemID]))
            #expect(bobs.status == .ok && (bobs.object["items"] as? [Any])?.isEmpty == true, "\(bobs.body)")
            #expect(try await bob.functions.call("plaid-unlink", nil, json(["item_id": itemID])).status == .notFound)
            #expect(plaid.holds(token))

            // Ann's ciphertext copied into Bob's row does not open there: Plaid never gets Ann's token for Bob.
            #expect(try await bob.functions.call("exchange-public-token", nil, #"{"public_token":"public-2"}"#).status == .ok)
            try await app.owner.execute(SQLStatement("""
                UPDATE public.plaid_items SET access_token_encrypted = (SELECT access_token_encrypted FROM public.plaid_items WHERE id = $1::uuid)
                WHERE user_id = $2::uuid
                """, [.text(itemID), .text(bob.id)]))
            let callsBefore = plaid.calls.count
            let moved = try await bob.functions.call("get-plaid-balances")
            #expect(moved.status.code >= 500 && !moved.body.contains(token), "\(moved.status) \(moved.body)")
            #expect(plaid.calls.count == callsBefore)

            // A bank that needs a new sign-in is marked so, and the others still answer.
            #expect(try await ann.functions.call("exchange-public-token", nil, #"{"public_token":"public-relogin"}"#).status == .ok)
            let partial = try await ann.functions.call("get-plaid-balances")
            #expect(partial.status == .ok && (partial.object["items"] as? [[String: Any]])?.filter { $0["error"] is String }.count == 1)
            #expect(try await app.owner.text(SQLStatement(
                "SELECT string_agg(status, ',' ORDER BY status) FROM public.plaid_items WHERE user_id = $1::uuid", [.text(ann.id)])) == "ACTIVE,LOGIN_REQUIRED")

            // Unlink: removed at Plaid, then the row; a second time there is nothing.
            #expect(try await ann.functions.call("plaid-unlink", nil, json(["item_id": itemID])).status == .ok)
            #expect(!plaid.holds(token))
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.plaid_items WHERE id = $1::uuid", [.text(itemID)])) == "0")
            #expect(try await ann.functions.call("plaid-unlink", nil, json(["item_id": itemID])).status == .notFound)

            // The same Plaid item linked by another user is refused; linked again by its owner it keeps one row.
            #expect(try await ann.functions.call("exchange-public-token", nil, #"{"public_token":"public-same-1"}"#).status == .ok)
            #expect(try await bob.functions.call("exchange-public-token", nil, #"{"public_token":"public-same-2"}"#).status == .conflict)
            #expect(try await ann.functions.call("exchange-public-token", nil, #"{"public_token":"public-same-3"}"#).status == .ok)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM public.plaid_items WHERE plaid_item_id = 'item-same'")) == "1")

            // No token the fake issued is anywhere in a plain dump of the database.
            let bin = try #require(ProcessInfo.processInfo.environment["VISIONARY_PG_BIN"])
            let dump = try await Program.run(bin + "/pg_dump", ["--format=plain", "--data-only", app.database.url])
            #expect(dump.status == 0 && dump.output.contains("plaid_items"), "\(dump.output.prefix(300))")
            let found = plaid.issuedTokens.filter { dump.output.contains($0) }
            #expect(plaid.issuedTokens.count >= 5 && found.isEmpty, "\(found)")
            // Nor in any line the server logged (requests, statements, failures).
            let lines = log.lines
            #expect(lines.count > 20 && lines.contains { $0.contains("exchange-public-token") }, "the log did capture the flow")
            #expect(!plaid.issuedTokens.contains { token in lines.contains { $0.contains(token) } })
        }
    }

    @Test("without Plaid configured, each answers 503 plaid_not_configured")
    func notConfigured() async throws {
        let app = try await Self.app(nil)
        try await app.run { client in
            let ann = try await signUp(client, app: app, email: "ann@nobank.test")
            for function in ["create-link-token", "exchange-public-token", "get-plaid-balances", "plaid-unlink"] {
                let reply = try await ann.functions.call(function, nil, #"{"public_token":"public-1","item_id":"00000000-0000-4000-8000-000000000001"}"#)
                #expect(reply.status == .serviceUnavailable && reply.code == "plaid_not_configured", "\(function): \(reply.body)")
            }
            // A token whose session has ended acts no more, though the server acts for it.
            let logout = try await client.execute(uri: "/auth/v1/logout", method: .post,
                                                  headers: [HTTPField.Name("apikey")!: app.keys.anon, .authorization: "Bearer \(ann.token)"])
            #expect(logout.status == .noContent)
            for function in ["create-link-token", "exchange-public-token", "get-plaid-balances", "plaid-unlink"] {
                let reply = try await ann.functions.call(function, nil, #"{"public_token":"public-1","item_id":"00000000-0000-4000-8000-000000000001"}"#)
                #expect(reply.status == .unauthorized, "\(function): \(reply.body)")
            }
        }
    }
}

/// A logger at trace level whose lines are kept, for searching what a server logged.
final class CapturedLog: Sendable {
    private let captured = Mutex<[String]>([])

    var lines: [String] { captured.withLock { $0 } }

    func append(_ line: String) { captured.withLock { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "visionary") { [self] _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { _, new in new })")
        }
    }
}
