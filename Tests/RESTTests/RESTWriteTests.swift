import AppConfig
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
import Tokens

@Suite("REST: writes, RLS and identity")
struct RESTWriteTests {
    @Test("a user writes and reads their own rows; another user and anon see nothing of them")
    func ownership() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await app.signUp(client, email: "alice@rest.test")
            let bob = try await app.signUp(client, email: "bob@rest.test")
            let anon = RESTClient(client: client, apiKey: app.keys.anon)
            let asAlice = anon.with(bearer: alice.token)
            let asBob = anon.with(bearer: bob.token)

            let created = try await asAlice.send(
                .post, "vision_boards", json: #"{"prompt":"a house by the sea","image_url":"https://img/1.png"}"#,
                prefer: "return=representation")
            #expect(created.status == .created, "\(created.body)")
            let board = try #require(created.array.first)
            #expect(board["user_id"] as? String == alice.id, "user_id defaults to auth.uid()")
            #expect(board["is_favorite"] as? Bool == false)
            let boardID = try #require(board["id"] as? String)

            let minimal = try await asAlice.send(.post, "vision_boards", json: #"{"prompt":"p2","image_url":"u2"}"#)
            #expect(minimal.status == .created)
            #expect(minimal.body.isEmpty)

            #expect(try await asAlice.send(.get, "vision_boards").array.count == 2)
            #expect(try await asBob.send(.get, "vision_boards").array.isEmpty)
            let anonRead = try await anon.send(.get, "vision_boards")
            #expect(anonRead.status == .unauthorized)
            #expect(anonRead.code == "42501")

            // Bob cannot write in Alice's name, nor change or delete her rows.
            let forged = try await asBob.send(.post, "vision_boards", json: #"{"prompt":"x","image_url":"y","user_id":"\#(alice.id)"}"#)
            #expect(forged.status == .forbidden)
            #expect(forged.code == "42501")
            let patched = try await asBob.send(.patch, "vision_boards?id=eq.\(boardID)", json: #"{"prompt":"hacked"}"#, prefer: "return=representation")
            #expect(patched.status == .ok)
            #expect(patched.array.isEmpty)
            #expect(try await asBob.send(.delete, "vision_boards?id=eq.\(boardID)").status == .noContent)

            // Alice updates and (soft-)deletes her own.
            let updated = try await asAlice.send(.patch, "vision_boards?id=eq.\(boardID)", json: #"{"is_favorite":true}"#, prefer: "return=representation")
            #expect(updated.status == .ok)
            #expect(updated.array.first?["is_favorite"] as? Bool == true)
            #expect(updated.array.first?["prompt"] as? String == "a house by the sea")
            #expect(try await asAlice.send(.delete, "vision_boards?id=eq.\(boardID)").status == .noContent)
            #expect(try await asAlice.send(.get, "vision_boards").array.count == 1)

            // service_role sees everything, the soft-deleted row too.
            let service = RESTClient(client: client, apiKey: app.keys.serviceRole)
            #expect(try await service.send(.get, "vision_boards").array.count == 2)
        }
    }

    @Test("end users cannot change credits; column privileges are enforced")
    func columnPrivileges() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "greedy@rest.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon, bearer: user.token)
            let grab = try await rest.send(.patch, "profiles?id=eq.\(user.id)", json: #"{"credits":1000}"#)
            #expect(grab.status == .forbidden)
            #expect(grab.code == "42501")
            let fine = try await rest.send(.patch, "profiles?id=eq.\(user.id)", json: #"{"onboarding_completed":true}"#, prefer: "return=representation")
            #expect(fine.status == .ok)
            #expect(fine.array.first?["credits"] as? Int == 3)
            // plaid_items: * expands to the readable columns only, so reading works and never shows ciphertext.
            let plaid = try await rest.send(.get, "plaid_items")
            #expect(plaid.status == .ok, "\(plaid.body)")
        }
    }

    @Test("bulk inserts: absent keys take defaults, explicit nulls stay null; columns limits the write")
    func bulkInsert() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "bulk@rest.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon, bearer: user.token)
            let reply = try await rest.send(
                .post, "action_tasks?columns=%22title%22,%22type%22,%22description%22",
                json: #"[{"title":"a","type":"FINANCE","description":null},{"title":"b","type":"ADMIN","ignored":1}]"#,
                prefer: "return=representation")
            #expect(reply.status == .created, "\(reply.body)")
            #expect(reply.array.count == 2)
            #expect(reply.array.allSatisfy { $0["user_id"] as? String == user.id && $0["is_completed"] as? Bool == false })
            let unknown = try await rest.send(.post, "action_tasks", json: #"{"title":"c","type":"ADMIN","nope":1}"#)
            #expect(unknown.status == .badRequest)
            #expect(unknown.code == "PGRST204")
            let notNull = try await rest.send(.post, "action_tasks", json: #"{"title":null,"type":"ADMIN"}"#)
            #expect(notNull.status == .badRequest)
            #expect(notNull.code == "23502")
            let badJSON = try await rest.send(.post, "action_tasks", json: #"{"title":"#)
            #expect(badJSON.status == .badRequest)
            #expect(badJSON.code == "PGRST102")
        }
    }

    @Test("upserts on a conflict target; duplicates without one are 409")
    func upserts() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "upsert@rest.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon, bearer: user.token)
            let first = try await rest.send(.post, "user_comm_preferences", json: #"{"timezone":"Europe/Paris"}"#, prefer: "return=representation")
            #expect(first.status == .created, "\(first.body)")
            let duplicate = try await rest.send(.post, "user_comm_preferences", json: #"{"timezone":"Europe/Berlin"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.code == "23505")
            let merged = try await rest.send(
                .post, "user_comm_preferences?on_conflict=user_id", json: #"{"user_id":"\#(user.id)","timezone":"Asia/Tokyo"}"#,
                prefer: "return=representation,resolution=merge-duplicates")
            #expect(merged.status == .ok, "a merge that created nothing is 200: \(merged.body)")
            #expect(merged.array.first?["timezone"] as? String == "Asia/Tokyo")
            #expect(merged.header("Preference-Applied")?.contains("resolution=merge-duplicates") == true)
            #expect(try await rest.send(.get, "user_comm_preferences").array.count == 1)

            // A bulk merge that inserts at least one new row is 201, and returns every written row.
            let board = try await rest.send(.post, "vision_boards", json: #"{"prompt":"a","image_url":"u"}"#, prefer: "return=representation")
            let boardID = try #require(board.array.first?["id"] as? String)
            let rows = #"[{"id":"\#(boardID)","prompt":"a2","image_url":"u"},{"id":"\#(UUID().uuidString.lowercased())","prompt":"b","image_url":"u"}]"#
            let mixed = try await rest.send(
                .post, "vision_boards?columns=id,prompt,image_url", json: rows, prefer: "return=representation,resolution=merge-duplicates")
            #expect(mixed.status == .created, "\(mixed.body)")
            #expect(Set(mixed.array.compactMap { $0["prompt"] as? String }) == ["a2", "b"])
        }
    }

    @Test("RPC: POST runs with the caller's rights; GET is read-only")
    func rpc() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "rpc@rest.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon, bearer: user.token)
            for expected in ["true", "true", "true", "false"] {
                let reply = try await rest.send(.post, "rpc/decrement_user_credits", json: "{}")
                #expect(reply.status == .ok)
                #expect(reply.body == expected)
            }
            let readOnly = try await rest.send(.get, "rpc/decrement_user_credits")
            #expect(readOnly.status == .methodNotAllowed)
            #expect(readOnly.code == "25006")
            let unknown = try await rest.send(.post, "rpc/no_such_function", json: "{}")
            #expect(unknown.status == .notFound)
            #expect(unknown.code == "PGRST202")
            let anon = try await RESTClient(client: client, apiKey: app.keys.anon).send(.post, "rpc/decrement_user_credits", json: "{}")
            #expect(anon.status == .unauthorized)
            let restore = try await rest.send(.post, "rpc/restore_vision_board", json: #"{"p_id":"\#(UUID().uuidString)"}"#)
            #expect(restore.status == .ok)
            #expect(restore.body == "false")
        }
    }

    @Test("forged, expired and tampered tokens are refused with PostgREST's JWT errors")
    func tokens() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let user = try await app.signUp(client, email: "jwt@rest.test")
            let rest = RESTClient(client: client, apiKey: app.keys.anon)
            struct Claims: Encodable { var sub: String; var role = "authenticated"; var aud = "authenticated"; var exp: Int }
            let now = Int(Date().timeIntervalSince1970)
            let expired = try HS256(secret: TestApp.secret).sign(Claims(sub: user.id, exp: now - 3600))
            let forged = try HS256(secret: "an-attacker-secret-of-enough-length-0000").sign(Claims(sub: user.id, exp: now + 600))
            let parts = user.token.split(separator: ".")
            let escalated = parts[0] + "." + APIKeys.base64URL(Data(#"{"sub":"\#(user.id)","role":"service_role","exp":\#(now + 600)}"#.utf8)) + "." + parts[2]

            let expiredReply = try await rest.with(bearer: expired).send(.get, "vision_boards")
            #expect(expiredReply.status == .unauthorized)
            #expect(expiredReply.code == "PGRST303")
            #expect(expiredReply.header("WWW-Authenticate")?.contains("invalid_token") == true)
            for token in [forged, String(escalated)] {
                let reply = try await rest.with(bearer: token).send(.get, "vision_boards")
                #expect(reply.status == .unauthorized)
                #expect(reply.code == "PGRST301")
            }
            #expect(try await rest.with(bearer: "a.b").send(.get, "vision_boards").code == "PGRST301")
            #expect(try await rest.with(bearer: user.token).send(.get, "vision_boards").status == .ok)

            // A signed token without exp (the official clients' test service key) is refused, clearly, by default.
            struct Forever: Encodable { var role = "service_role"; var iss = "supabase-demo" }
            let forever = try HS256(secret: TestApp.secret).sign(Forever())
            let refused = try await rest.with(bearer: forever).send(.get, "vision_boards")
            #expect(try await RESTClient(client: client, apiKey: forever).with(bearer: forever).send(.get, "vision_boards").status == .unauthorized,
                    "nor is it an API key")
            #expect(refused.status == .unauthorized && refused.code == "PGRST303", "\(refused.body)")
            #expect(refused.object["message"] as? String == "The JWT has no 'exp' claim: tokens that never expire are refused (VISIONARY_JWT_REQUIRE_EXP)")
        }
    }

    @Test("VISIONARY_JWT_REQUIRE_EXP=false accepts a signed token without exp on REST, Storage and Functions; a forged one still fails")
    func tokensWithoutExpiry() async throws {
        let app = try await TestApp.make { $0.auth.requireExpiry = false }
        try await app.run { client in
            struct Forever: Encodable { var role = "service_role"; var iss = "supabase-demo" }
            let forever = try HS256(secret: TestApp.secret).sign(Forever())
            let forged = try HS256(secret: "an-attacker-secret-of-enough-length-0000").sign(Forever())
            let headers: (String) -> HTTPFields = { [HTTPField.Name("apikey")!: $0, .authorization: "Bearer \($0)"] }
            for uri in ["/rest/v1/vision_boards", "/storage/v1/bucket", "/functions/v1/restore?action=purge"] {
                let accepted = try await client.execute(uri: uri, method: .get, headers: headers(forever))
                #expect(accepted.status != .unauthorized && accepted.status != .forbidden, "\(uri): \(accepted.status)")
                let refused = try await client.execute(uri: uri, method: .get, headers: headers(forged))
                #expect(refused.status == .unauthorized || refused.status == .forbidden || refused.status == .badRequest, "\(uri): \(refused.status)")
            }
            let rest = try await client.execute(uri: "/rest/v1/vision_boards", method: .get, headers: headers(forever))
            #expect(rest.status == .ok)
            // Sent as the API key alone, it is still the service_role it names, not anon.
            let keyOnly = try await client.execute(uri: "/rest/v1/profiles", method: .get, headers: [HTTPField.Name("apikey")!: forever])
            let anon = try await client.execute(uri: "/rest/v1/profiles", method: .get, headers: [HTTPField.Name("apikey")!: app.keys.anon])
            #expect(keyOnly.status == .ok && anon.status != .ok, "\(keyOnly.status) \(anon.status)")
        }
    }
}
