import Core
import Database
import Foundation
import HTTPTypes
import Testing
import TestSupport
import Tokens

@Suite("restore")
struct RestoreTests {
    @Test("list and restore within the retention window; never someone else's; the server purges what is past it")
    func restoreAndPurge() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let alice = try await signUp(client, app: app, email: "alice@restore.test")
            let bob = try await signUp(client, app: app, email: "bob@restore.test")
            let board = try await makeBoard(app, for: alice, prompt: "lake house")
            try await app.owner.execute(SQLStatement("UPDATE vision_boards SET deleted_at = now() - interval '2 days' WHERE id = $1::uuid", [.text(board)]))
            let old = try await app.owner.text(SQLStatement(
                "INSERT INTO documents (user_id, name, url, type, deleted_at) VALUES ($1::uuid, 'taxes', '', 'MANUAL', now() - interval '40 days') RETURNING id::text",
                [.text(alice.id)])) ?? ""

            let list = try await alice.functions.call("restore", "list")
            #expect(list.array.count == 1, "\(list.body)")
            #expect(list.array.first?["kind"] as? String == "vision_board")
            #expect(list.array.first?["label"] as? String == "lake house")
            #expect(try await bob.functions.call("restore", "list").array.isEmpty)

            #expect(try await bob.functions.call("restore", "restore", json(["kind": "vision_board", "id": board])).status == .notFound)
            let restored = try await alice.functions.call("restore", "restore", json(["kind": "vision_board", "id": board]))
            #expect(restored.object["restored"] as? Bool == true, "\(restored.body)")
            #expect(try await app.owner.text(SQLStatement("SELECT (deleted_at IS NULL)::text FROM vision_boards WHERE id = $1::uuid", [.text(board)])) == "true")
            #expect(try await alice.functions.call("restore", "restore", json(["kind": "vision_board", "id": board])).status == .notFound, "not deleted any more")
            #expect(try await alice.functions.call("restore", "restore", json(["kind": "document", "id": old])).status == .notFound, "past the window")
            for body in ["{}", json(["kind": "photo", "id": board]), json(["kind": "document"]), json(["kind": "document", "id": "x"])] {
                #expect(try await alice.functions.call("restore", "restore", body).status == .badRequest, "\(body)")
            }

            #expect(try await alice.functions.call("restore", "purge").status == .forbidden)
            let purged = try await FunctionsClient(client: client, apiKey: app.keys.serviceRole).call("restore", "purge")
            #expect(purged.status == .ok, "\(purged.body)")
            #expect(purged.object["documents"] as? Int == 1)
            #expect(purged.object["vision_boards"] as? Int == 0)
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM documents")) == "0")
            #expect(try await app.owner.text(SQLStatement("SELECT count(*)::text FROM vision_boards")) == "1")
        }
    }
}
