import Foundation
import HTTPTypes
import NIOCore
import PostgresNIO
import Testing
import TestSupport
import Tokens

@Suite("Storage: ownership from the attacker's side", .serialized)
struct StorageSecurityTests {
    @Test("another user, anon and bad tokens can neither read nor change a user's objects")
    func ownership() async throws {
        try await StorageHarness.run(.local) { h in
            let alice = try await h.signUp("alice@storage.test")
            let bob = try await h.signUp("bob@storage.test")
            let path = "\(alice.id)/board.png"
            #expect(try await h.upload("visions", path, [1, 2, 3], bearer: alice.token, type: "image/png").status == .ok)

            for bearer in [bob.token, h.anonKey] {
                #expect(try await h.send(.get, "object/visions/\(path)", bearer: bearer).storageError?.statusCode == "404")
                #expect(try await h.send(.get, "object/info/visions/\(path)", bearer: bearer).storageError?.statusCode == "404")
                #expect(try await h.json(.post, "object/list/visions", bearer: bearer, #"{"prefix":"\#(alice.id)"}"#).array.isEmpty)
                #expect(try await h.json(.post, "object/sign/visions/\(path)", bearer: bearer, #"{"expiresIn":60}"#).storageError?.statusCode == "404")
                let batch = try await h.json(.delete, "object/visions", bearer: bearer, #"{"prefixes":["\#(path)"]}"#)
                #expect(batch.text == "[]" || batch.storageError?.statusCode == "403", "\(batch.text)")
                // anon holds no DELETE privilege at all (403); a user's delete finds no row of theirs (404).
                #expect(["403", "404"].contains(try await h.send(.delete, "object/visions/\(path)", bearer: bearer).storageError?.statusCode))
                let move = try await h.json(.post, "object/move", bearer: bearer, #"{"bucketId":"visions","sourceKey":"\#(path)","destinationKey":"\#(bob.id)/stolen.png"}"#)
                #expect(move.storageError?.statusCode == "404")
                let copy = try await h.json(.post, "object/copy", bearer: bearer, #"{"bucketId":"visions","sourceKey":"\#(path)","destinationKey":"\#(bob.id)/stolen.png"}"#)
                #expect(copy.storageError?.statusCode == "404")
                let overwrite = try await h.upload("visions", path, [6, 6, 6], bearer: bearer, type: "image/png", upsert: true)
                #expect(overwrite.storageError?.statusCode == "403", "\(overwrite.text)")
            }
            let intoAlice = try await h.upload("visions", "\(alice.id)/planted.png", [0], bearer: bob.token, type: "image/png")
            #expect(intoAlice.status == .badRequest)
            #expect(intoAlice.storageError?.statusCode == "403")
            #expect(intoAlice.storageError?.error == "Unauthorized")
            #expect((intoAlice.object["message"] as? String)?.contains("row-level security") == true, "\(intoAlice.text)")
            let anonUpload = try await h.upload("visions", "anon/x.png", [0], bearer: h.anonKey, type: "image/png")
            #expect(anonUpload.storageError?.statusCode == "403")
            #expect((anonUpload.object["message"] as? String)?.contains("row-level security") == true, "\(anonUpload.text)")
            let loose = try await h.upload("visions", "loose.png", [0], bearer: alice.token, type: "image/png")
            #expect(loose.storageError?.statusCode == "403", "objects outside the user's folder are refused")
            // Bob cannot move his own object into Alice's folder either.
            #expect(try await h.upload("visions", "\(bob.id)/mine.png", [5], bearer: bob.token, type: "image/png").status == .ok)
            let push = try await h.json(.post, "object/move", bearer: bob.token, #"{"bucketId":"visions","sourceKey":"\#(bob.id)/mine.png","destinationKey":"\#(alice.id)/mine.png"}"#)
            #expect(push.storageError?.statusCode == "403")
            #expect(try await h.send(.get, "object/visions/\(path)", bearer: alice.token).bytes == [1, 2, 3])
            #expect(try await h.objectRows("visions") == [path, "\(bob.id)/mine.png"].sorted())
        }
    }

    @Test("missing, forged, expired and wrongly signed bearer tokens get 403 Unauthorized with the verifier's message")
    func tokens() async throws {
        try await StorageHarness.run(.local) { h in
            let user = try await h.signUp("tokens@storage.test")
            let missing = try await h.send(.get, "object/visions/\(user.id)/x.png", bearer: nil)
            #expect(missing.storageError?.statusCode == "403")
            #expect(missing.storageError?.error == "Unauthorized")
            let forger = HS256(secret: "another-secret-that-is-long-enough-0123456789")
            let now = Int(Date().timeIntervalSince1970)
            struct Claims: Encodable { let sub: String; let role: String; let exp: Int; let aud: String }
            let forged = try forger.sign(Claims(sub: user.id, role: "service_role", exp: now + 600, aud: "authenticated"))
            let forgedReply = try await h.send(.get, "bucket", bearer: forged)
            #expect(forgedReply.storageError?.statusCode == "403")
            #expect(forgedReply.object["message"] as? String == "invalid signature")
            let expired = try HS256(secret: TestApp.secret).sign(Claims(sub: user.id, role: "authenticated", exp: now - 3600, aud: "authenticated"))
            let expiredReply = try await h.upload("visions", "\(user.id)/late.png", [1], bearer: expired, type: "image/png")
            #expect(expiredReply.storageError?.statusCode == "403")
            #expect(expiredReply.object["message"] as? String == "jwt expired")
            #expect(try await h.send(.get, "bucket", bearer: "garbage").object["message"] as? String == "jwt malformed")
            #expect(h.files(in: "uploads").isEmpty && h.files(in: "objects").isEmpty)
        }
    }

    @Test("path tricks are refused before anything is stored")
    func pathTricks() async throws {
        try await StorageHarness.run(.local) { h in
            let user = try await h.signUp("paths@storage.test")
            let long = String(repeating: "a", count: 256)
            let tricks = [
                "\(user.id)/../x.png", "\(user.id)/./x.png", "\(user.id)/%2e%2e/x.png", "\(user.id)%2F..%2Fx.png",
                "\(user.id)//x.png", "/etc/passwd", "\(user.id)/a%00b.png", "\(user.id)/a%5Cb.png", "\(user.id)/\(long).png",
                "\(user.id)/" + Array(repeating: "abcdefghij", count: 110).joined(separator: "/"), "\(user.id)/bad%zz.png", "\(user.id)/%0A.png",
            ]
            for trick in tricks {
                let reply = try await h.upload("visions", trick, [1], bearer: user.token, type: "image/png")
                #expect(reply.status == .badRequest, "\(trick)")
                #expect(reply.storageError?.statusCode == "400", "\(trick): \(reply.text)")
                let read = try await h.send(.get, "object/visions/\(trick)", bearer: user.token)
                #expect(read.storageError?.statusCode == "400" || read.storageError?.statusCode == "404", "\(trick)")
            }
            let badBucket = try await h.upload("..", "\(user.id)/x.png", [1], bearer: user.token)
            #expect(badBucket.storageError?.statusCode == "400")
            let moveOut = try await h.json(.post, "object/move", bearer: user.token, #"{"bucketId":"visions","sourceKey":"\#(user.id)/x","destinationKey":"../x"}"#)
            #expect(moveOut.storageError?.statusCode == "400")
            #expect(try await h.objectRows("visions").isEmpty)
            #expect(h.files(in: "uploads").isEmpty && h.files(in: "objects").isEmpty)
        }
    }

    @Test("nobody but service_role deletes (or moves away) objects in a public bucket")
    func publicBucketDeletes() async throws {
        try await StorageHarness.run(.local) { h in
            try await h.createBucket("avatars", public: true)
            let user = try await h.signUp("avatar@storage.test")
            let path = "\(user.id)/me.png"
            #expect(try await h.upload("avatars", path, [1], bearer: user.token, type: "image/png").status == .ok)
            #expect(try await h.send(.delete, "object/avatars/\(path)", bearer: user.token).storageError?.statusCode == "404")
            #expect(try await h.json(.delete, "object/avatars", bearer: user.token, #"{"prefixes":["\#(path)"]}"#).array.isEmpty)
            let move = try await h.json(.post, "object/move", bearer: user.token, #"{"bucketId":"avatars","sourceKey":"\#(path)","destinationBucket":"visions","destinationKey":"\#(path)"}"#)
            #expect(move.storageError?.statusCode == "403", "\(move.text)")
            // Overwriting one's own public object is allowed; deleting it is the service's call.
            #expect(try await h.upload("avatars", path, [2], bearer: user.token, type: "image/png", upsert: true).status == .ok)
            #expect(try await h.send(.delete, "object/avatars/\(path)", bearer: h.serviceKey).status == .ok)
        }
    }

    @Test("no new bucket takes a word of the routes as its id or name, not even with the service key; existing ones stay readable")
    func reservedBucketNames() async throws {
        try await StorageHarness.run(.local) { h in
            let user = try await h.signUp("squatter@storage.test")
            let words = ["list", "list-v2", "sign", "public", "authenticated", "info", "upload", "move", "copy", "render"]
            for word in words + ["Public", "RENDER"] {
                for bearer in [h.serviceKey, user.token] {
                    for body in [#"{"id":"\#(word)"}"#, #"{"id":"\#(word)","name":"\#(word)","public":true}"#, #"{"id":"fine","name":"\#(word)"}"#] {
                        let reply = try await h.json(.post, "bucket", bearer: bearer, body)
                        #expect(reply.status == .badRequest, "\(body)")
                        #expect(reply.storageError?.statusCode == "400", "\(body): \(reply.text)")
                        #expect(reply.storageError?.error == "Invalid Input")
                        #expect(reply.object["code"] as? String == "InvalidBucketName")
                        #expect((reply.object["message"] as? String)?.contains("reserved") == true, "\(reply.text)")
                    }
                }
            }
            let ids = try await h.send(.get, "bucket", bearer: h.serviceKey).array.compactMap { $0["id"] as? String }
            #expect(Set(ids) == ["visions", "references", "documents", "workbooks"])

            // A bucket made before the words were reserved is still read and written.
            try await TestCluster.withConnection(h.app.database) { connection in
                _ = try await connection.query("INSERT INTO storage.buckets (id, name) VALUES ('render', 'render')", logger: TestCluster.logger)
            }
            #expect(try await h.send(.get, "bucket/render", bearer: h.serviceKey).object["id"] as? String == "render")
            #expect(try await h.upload("render", "x/a.txt", [1, 2], bearer: h.serviceKey).status == .ok)
            #expect(try await h.send(.get, "object/render/x/a.txt", bearer: h.serviceKey).bytes == [1, 2])
        }
    }
}
