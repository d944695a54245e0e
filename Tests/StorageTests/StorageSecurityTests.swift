import Foundation
import HTTPTypes
import NIOCore
import PostgresNIO
import Testing
import TestSupport
import Tokens

@Suite("Storage: ownership from the attacker's side", .serialized)
struct StorageSecurityTests {
    @Test("another user, anon and bad tokens can neither read a user's private objects nor change any of them, wherever they lie")
    func ownership() async throws {
        try await StorageHarness.run(.local) { h in
            let alice = try await h.signUp("alice@storage.test")
            let bob = try await h.signUp("bob@storage.test")
            // The app's own paths: no folder named after the user.
            let document = "doc-1_taxes.pdf"
            let board = "board-1.png"
            #expect(try await h.upload("documents", document, [1, 2, 3], bearer: alice.token, type: "application/pdf").status == .ok)
            #expect(try await h.upload("visions", board, [4, 5], bearer: alice.token, type: "image/png").status == .ok)

            for bearer in [bob.token, h.anonKey] {
                // The private object is invisible through every endpoint.
                #expect(try await h.send(.get, "object/documents/\(document)", bearer: bearer).storageError?.statusCode == "404")
                #expect(try await h.send(.get, "object/authenticated/documents/\(document)", bearer: bearer).storageError?.statusCode == "404")
                #expect(try await h.send(.get, "object/info/documents/\(document)", bearer: bearer).storageError?.statusCode == "404")
                #expect(try await h.send(.get, "object/public/documents/\(document)", bearer: bearer).storageError?.statusCode == "404")
                #expect(try await h.json(.post, "object/list/documents", bearer: bearer, #"{"prefix":""}"#).array.isEmpty)
                #expect(try await h.json(.post, "object/sign/documents/\(document)", bearer: bearer, #"{"expiresIn":60}"#).storageError?.statusCode == "404")
                let copy = try await h.json(.post, "object/copy", bearer: bearer, #"{"bucketId":"documents","sourceKey":"\#(document)","destinationKey":"stolen.pdf"}"#)
                #expect(copy.storageError?.statusCode == "404" || copy.storageError?.statusCode == "403", "\(copy.text)")
                // Neither object can be removed, moved or overwritten by anyone but its owner.
                for (bucket, path) in [("documents", document), ("visions", board)] {
                    let batch = try await h.json(.delete, "object/\(bucket)", bearer: bearer, #"{"prefixes":["\#(path)"]}"#)
                    #expect(batch.text == "[]" || batch.storageError?.statusCode == "403", "\(batch.text)")
                    // anon holds no DELETE privilege at all (403); a user's delete finds no row of theirs (404).
                    #expect(["403", "404"].contains(try await h.send(.delete, "object/\(bucket)/\(path)", bearer: bearer).storageError?.statusCode))
                    let move = try await h.json(.post, "object/move", bearer: bearer, #"{"bucketId":"\#(bucket)","sourceKey":"\#(path)","destinationKey":"stolen-\#(path)"}"#)
                    #expect(["403", "404"].contains(move.storageError?.statusCode), "\(move.text)")
                    let overwrite = try await h.upload(bucket, path, [6, 6, 6], bearer: bearer, type: "image/png", upsert: true)
                    #expect(overwrite.storageError?.statusCode == "403", "\(overwrite.text)")
                    let plain = try await h.upload(bucket, path, [6, 6, 6], bearer: bearer, type: "image/png")
                    #expect(["403", "409"].contains(plain.storageError?.statusCode), "\(plain.text)")
                }
            }
            // A public object is readable by anyone, copyable by a user (as their own new object).
            #expect(try await h.send(.get, "object/public/visions/\(board)", bearer: h.anonKey).bytes == [4, 5])
            let copied = try await h.json(.post, "object/copy", bearer: bob.token, #"{"bucketId":"visions","sourceKey":"\#(board)","destinationKey":"bob-copy.png"}"#)
            #expect(copied.status == .ok, "\(copied.text)")
            // Bob creates his own objects anywhere, even in a folder named after Alice, and they are his.
            let planted = try await h.upload("documents", "\(alice.id)/planted.pdf", [0], bearer: bob.token, type: "application/pdf")
            #expect(planted.status == .ok, "\(planted.text)")
            #expect(try await h.send(.get, "object/documents/\(alice.id)/planted.pdf", bearer: alice.token).storageError?.statusCode == "404")
            let anonUpload = try await h.upload("visions", "anon/x.png", [0], bearer: h.anonKey, type: "image/png")
            #expect(anonUpload.status == .badRequest)
            #expect(anonUpload.storageError?.statusCode == "403")
            #expect(anonUpload.storageError?.error == "Unauthorized")
            #expect((anonUpload.object["message"] as? String)?.contains("row-level security") == true, "\(anonUpload.text)")
            // Alice's bytes are untouched.
            #expect(try await h.send(.get, "object/documents/\(document)", bearer: alice.token).bytes == [1, 2, 3])
            #expect(try await h.send(.get, "object/visions/\(board)", bearer: alice.token).bytes == [4, 5])
            #expect(try await h.objectRows("documents") == [document, "\(alice.id)/planted.pdf"].sorted())
            #expect(try await h.objectRows("visions") == [board, "bob-copy.png"].sorted())
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

    @Test("in a public bucket the owner overwrites, moves and deletes their object; others do not")
    func publicBucketOwnership() async throws {
        try await StorageHarness.run(.local) { h in
            try await h.createBucket("avatars", public: true)
            let user = try await h.signUp("avatar@storage.test")
            let other = try await h.signUp("other-avatar@storage.test")
            let path = "me.png"
            #expect(try await h.upload("avatars", path, [1], bearer: user.token, type: "image/png").status == .ok)
            #expect(try await h.send(.delete, "object/avatars/\(path)", bearer: other.token).storageError?.statusCode == "404")
            #expect(try await h.upload("avatars", path, [9], bearer: other.token, type: "image/png", upsert: true).storageError?.statusCode == "403")
            #expect(try await h.upload("avatars", path, [2], bearer: user.token, type: "image/png", upsert: true).status == .ok)
            let move = try await h.json(.post, "object/move", bearer: user.token, #"{"bucketId":"avatars","sourceKey":"\#(path)","destinationKey":"renamed.png"}"#)
            #expect(move.status == .ok, "\(move.text)")
            #expect(try await h.send(.delete, "object/avatars/renamed.png", bearer: user.token).status == .ok)
            #expect(try await h.objectRows("avatars").isEmpty)
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
