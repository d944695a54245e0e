import Foundation
import HTTPTypes
import NIOCore
import PostgresNIO
import Testing
import TestSupport

@Suite("Storage: signed URLs", .serialized)
struct StorageSignedURLTests {
    @Test("signed download URLs work without a bearer until they expire; tampered or moved tokens fail", arguments: StoreKind.allCases)
    func downloads(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let user = try await h.signUp("signer@storage.test")
            let path = "\(user.id)/photo 1.png"
            let encoded = "\(user.id)/photo%201.png"
            #expect(try await h.upload("references", path, [4, 2], bearer: user.token, type: "image/png").status == .ok)
            #expect(try await h.upload("references", "\(user.id)/other.png", [0], bearer: user.token, type: "image/png").status == .ok)
            let signed = try await h.json(.post, "object/sign/references/\(encoded)", bearer: user.token, #"{"expiresIn":"60"}"#)
            let url = try #require(signed.object["signedURL"] as? String, "\(signed.text)")
            #expect(url.hasPrefix("/object/sign/references/\(encoded)?token="))
            let download = try await h.send(.get, String(url.dropFirst()), bearer: nil)
            #expect(download.status == .ok)
            #expect(download.bytes == [4, 2])
            #expect(try await h.send(.get, String(url.dropFirst()) + "&download=", bearer: nil).header("Content-Disposition") == "attachment;")
            #expect(try await h.send(.get, String(url.dropFirst()) + "&download=photo%201.png", bearer: nil).header("Content-Disposition")
                    == "attachment; filename=photo%201.png; filename*=UTF-8''photo%201.png")

            let token = String(url[url.range(of: "token=")!.upperBound...])
            var tampered = Array(token)
            tampered[tampered.count / 2] = tampered[tampered.count / 2] == "A" ? "B" : "A"
            let bad = try await h.send(.get, "object/sign/references/\(encoded)?token=\(String(tampered))", bearer: nil)
            #expect(bad.storageError?.statusCode == "400")
            #expect(bad.storageError?.error == "InvalidJWT")
            let elsewhere = try await h.send(.get, "object/sign/references/\(user.id)/other.png?token=\(token)", bearer: nil)
            #expect(elsewhere.storageError?.error == "InvalidSignature")
            #expect(try await h.send(.get, "object/sign/references/\(encoded)", bearer: nil).storageError?.error == "InvalidJWT")
            let asUpload = try await h.send(.put, "object/upload/sign/references/\(encoded)?token=\(token)", bearer: nil, headers: [("Content-Type", "image/png")], body: ByteBuffer(bytes: [6]))
            #expect(asUpload.storageError?.error == "InvalidJWT", "a download token cannot upload")

            let short = try await h.json(.post, "object/sign/references/\(encoded)", bearer: user.token, #"{"expiresIn":1}"#)
            let shortURL = try #require(short.object["signedURL"] as? String)
            try await Task.sleep(for: .milliseconds(2100))
            let expired = try await h.send(.get, String(shortURL.dropFirst()), bearer: nil)
            #expect(expired.storageError?.statusCode == "400")
            #expect(expired.storageError?.error == "InvalidJWT")
            #expect(expired.object["message"] as? String == "jwt expired")

            #expect(try await h.json(.post, "object/sign/references/\(user.id)/none.png", bearer: user.token, #"{"expiresIn":60}"#).storageError?.statusCode == "404")
            #expect(try await h.json(.post, "object/sign/references/\(encoded)", bearer: user.token, #"{"expiresIn":"soon"}"#).storageError?.statusCode == "400")
            #expect(try await h.json(.post, "object/sign/references/\(encoded)", bearer: user.token, #"{"expiresIn":0}"#).storageError?.statusCode == "400")

            let many = try await h.json(.post, "object/sign/references", bearer: user.token, #"{"expiresIn":"60","paths":["\#(path)","\#(user.id)/none.png"]}"#)
            #expect(many.array.count == 2, "\(many.text)")
            #expect(many.array[0]["error"] is NSNull)
            #expect((many.array[0]["signedURL"] as? String)?.hasPrefix("/object/sign/") == true)
            #expect(many.array[1]["error"] as? String == "Either the object does not exist or you do not have access to it")
            #expect(many.array[1]["signedURL"] is NSNull)
            #expect(many.array[1]["path"] as? String == "\(user.id)/none.png")
        }
    }

    @Test("signed upload URLs store the object without a bearer, in the creator's name", arguments: StoreKind.allCases)
    func uploads(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let user = try await h.signUp("upload-signer@storage.test")
            let created = try await h.json(.post, "object/upload/sign/documents/\(user.id)/scan.pdf", bearer: user.token, "")
            #expect(created.status == .ok, "\(created.text)")
            let url = try #require(created.object["url"] as? String)
            let token = try #require(created.object["token"] as? String)
            #expect(url == "/object/upload/sign/documents/\(user.id)/scan.pdf?token=\(token)")
            let (type, body) = Multipart.body(fields: [("cacheControl", "60")], fileField: "file", filename: "scan.pdf", type: "application/pdf", bytes: Array("%PDF".utf8))
            let put = try await h.send(.put, String(url.dropFirst()), bearer: nil, headers: [("Content-Type", type)], body: body)
            #expect(put.status == .ok, "\(put.text)")
            #expect(put.object["Key"] as? String == "documents/\(user.id)/scan.pdf")
            let download = try await h.send(.get, "object/documents/\(user.id)/scan.pdf", bearer: user.token)
            #expect(download.text == "%PDF")
            #expect(download.header("Cache-Control") == "max-age=60")
            let owner = try await TestCluster.withConnection(h.app.database) { connection in
                try await connection.query("SELECT owner::text FROM storage.objects WHERE name = \(user.id + "/scan.pdf")", logger: TestCluster.logger)
                    .decode(String.self).first { _ in true }
            }
            #expect(owner == user.id)
            // Without upsert in the token, a second upload is a duplicate; another path is refused.
            #expect(try await h.send(.put, String(url.dropFirst()), bearer: nil, headers: [("Content-Type", type)], body: body).storageError?.statusCode == "409")
            let moved = try await h.send(.put, "object/upload/sign/documents/\(user.id)/other.pdf?token=\(token)", bearer: nil, headers: [("Content-Type", type)], body: body)
            #expect(moved.storageError?.error == "InvalidSignature")
            let asDownload = try await h.send(.get, "object/sign/documents/\(user.id)/scan.pdf?token=\(token)", bearer: nil)
            #expect(asDownload.storageError?.error == "InvalidJWT", "an upload token cannot download")

            let upsert = try await h.json(.post, "object/upload/sign/documents/\(user.id)/scan.pdf", bearer: user.token, "", headers: [("x-upsert", "true")])
            let upsertURL = try #require(upsert.object["url"] as? String)
            let again = try await h.send(.put, String(upsertURL.dropFirst()), bearer: nil, headers: [("Content-Type", "application/pdf")], body: ByteBuffer(string: "v2"))
            #expect(again.status == .ok, "\(again.text)")
            #expect(try await h.send(.get, "object/documents/\(user.id)/scan.pdf", bearer: user.token).text == "v2")

            // Creating one needs the right to write there: anyone signed in may create a new object
            // (it will be theirs), nobody may overwrite another's.
            let other = try await h.signUp("intruder@storage.test")
            let taken = try await h.json(.post, "object/upload/sign/documents/\(user.id)/scan.pdf", bearer: other.token, "")
            #expect(taken.storageError?.statusCode == "409", "\(taken.text)")
            let denied = try await h.json(.post, "object/upload/sign/documents/\(user.id)/scan.pdf", bearer: other.token, "", headers: [("x-upsert", "true")])
            #expect(denied.storageError?.statusCode == "403", "\(denied.text)")
            let anonymous = try await h.json(.post, "object/upload/sign/documents/\(user.id)/x.pdf", bearer: h.anonKey, "")
            #expect(anonymous.storageError?.statusCode == "403", "\(anonymous.text)")
            #expect(try await h.json(.post, "object/upload/sign/nobucket/\(user.id)/x.pdf", bearer: user.token, "").storageError?.statusCode == "404")
        }
    }
}
