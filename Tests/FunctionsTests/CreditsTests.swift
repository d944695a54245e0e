import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("credits")
struct CreditsTests {
    @Test("balance and ledger; spending stops at zero; other tiers are unlimited")
    func balanceAndUse() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "spender@credits.test")
            let start = try await user.functions.call("credits")
            #expect(start.status == .ok, "\(start.body)")
            #expect(start.object["credits"] as? Int == 3)
            #expect(start.object["unlimited"] as? Bool == false)
            let ledger = start.object["ledger"] as? [[String: Any]] ?? []
            #expect(ledger.count == 1)
            #expect(ledger.first?["reason"] as? String == "signup_bonus")

            for expected in [2, 1, 0] {
                let used = try await user.functions.call("credits", "use")
                #expect(used.object["allowed"] as? Bool == true)
                #expect(used.object["credits"] as? Int == expected)
            }
            let empty = try await user.functions.call("credits", "use")
            #expect(empty.status == .ok)
            #expect(empty.object["allowed"] as? Bool == false)
            #expect(empty.object["credits"] as? Int == 0)

            let page = try await user.functions.send(.get, "credits?action=balance&limit=2")
            #expect((page.object["ledger"] as? [[String: Any]])?.count == 2)
            #expect((page.object["ledger"] as? [[String: Any]])?.first?["reason"] as? String == "generation")
            #expect(try await user.functions.call("credits", "balance", #"{"limit":0}"#).status == .badRequest)

            try await app.owner.execute(SQLStatement("UPDATE profiles SET subscription_tier = 'PRO' WHERE id = $1::uuid", [.text(user.id)]))
            let pro = try await user.functions.call("credits", "use")
            #expect(pro.object["allowed"] as? Bool == true)
            #expect(pro.object["credits"] as? Int == 0)
            #expect(try await user.functions.call("credits").object["unlimited"] as? Bool == true)
        }
    }

    @Test("adjust is the server's: idempotent per reference, even when the same webhook arrives five times at once")
    func adjust() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await signUp(client, app: app, email: "buyer@credits.test")
            let service = FunctionsClient(client: client, apiKey: app.keys.serviceRole)
            let body = json(["user_id": user.id, "amount": 10, "reason": "purchase", "reference": "pi_123"])

            #expect(try await user.functions.call("credits", "adjust", body).status == .forbidden)
            #expect(try await FunctionsClient(client: client, apiKey: app.keys.anon).call("credits", "adjust", body).status == .forbidden)
            #expect(try await user.functions.call("credits").object["credits"] as? Int == 3)

            let replies = try await withThrowingTaskGroup(of: FunctionsClient.Reply.self) { group in
                for _ in 0..<5 { group.addTask { try await service.concurrent.call("credits", "adjust", body) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == .ok && $0.object["credits"] as? Int == 13 }, "\(replies.map(\.body))")
            let ledger = try await user.functions.call("credits").object["ledger"] as? [[String: Any]] ?? []
            #expect(ledger.filter { $0["reference"] as? String == "pi_123" }.count == 1)

            // A refund names the payment but is not a replay of it.
            let refund = try await service.call("credits", "adjust", json(["user_id": user.id, "amount": -10, "reason": "refund", "reference": "pi_123"]))
            #expect(refund.object["credits"] as? Int == 3)

            let errors: [(String, Int)] = [
                (json(["user_id": user.id, "amount": 0, "reason": "x"]), 400),
                (json(["user_id": user.id, "amount": 5]), 400),
                (json(["amount": 5, "reason": "x"]), 400),
                (json(["user_id": user.id, "amount": 1.5, "reason": "x"]), 400),
                (json(["user_id": user.id, "amount": -50, "reason": "chargeback"]), 422),
                (json(["user_id": UUID().uuidString, "amount": 5, "reason": "purchase"]), 404),
            ]
            for (body, status) in errors {
                let reply = try await service.call("credits", "adjust", body)
                #expect(reply.status.code == status, "\(body): \(reply.body)")
            }
            #expect(try await user.functions.call("credits").object["credits"] as? Int == 3)
        }
    }
}
