import Foundation
import HTTPTypes
import Testing
import TestSupport

@Suite("Storage: buckets", .serialized)
struct StorageBucketTests {
    @Test("bucket CRUD with the service key, in the shapes the clients parse")
    func crud() async throws {
        try await StorageHarness.run(.local) { h in
            let created = try await h.json(.post, "bucket", bearer: h.serviceKey, #"{"id":"avatars","name":"avatars","public":true,"file_size_limit":"5MB","allowed_mime_types":["image/png"]}"#)
            #expect(created.status == .ok, "\(created.text)")
            #expect(created.text == #"{"name":"avatars"}"#)
            let duplicate = try await h.json(.post, "bucket", bearer: h.serviceKey, #"{"id":"avatars","name":"avatars"}"#)
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.storageError?.statusCode == "409")
            #expect(duplicate.storageError?.error == "Duplicate")

            let bucket = try await h.send(.get, "bucket/avatars", bearer: h.serviceKey)
            #expect(bucket.status == .ok)
            #expect(bucket.object["owner"] as? String == "")
            #expect(bucket.object["public"] as? Bool == true)
            #expect(bucket.object["file_size_limit"] as? Int == 5 * 1024 * 1024)
            #expect(bucket.object["allowed_mime_types"] as? [String] == ["image/png"])
            #expect(bucket.object["type"] as? String == "STANDARD")
            for key in ["id", "name", "created_at", "updated_at"] { #expect(bucket.object[key] is String, "bucket has \(key)") }
            #expect(try await h.send(.get, "bucket/avatars/", bearer: h.serviceKey).status == .ok, "a trailing slash is tolerated")

            let list = try await h.send(.get, "bucket", bearer: h.serviceKey)
            #expect(Set(list.array.compactMap { $0["id"] as? String }) == ["avatars", "visions", "references", "documents", "workbooks"])
            let searched = try await h.send(.get, "bucket/?search=VIS&limit=10&offset=0&sortColumn=name&sortOrder=desc", bearer: h.serviceKey)
            #expect(searched.array.compactMap { $0["id"] as? String } == ["visions"])
            let paged = try await h.send(.get, "bucket?limit=2&offset=1&sortColumn=id&sortOrder=asc", bearer: h.serviceKey)
            #expect(paged.array.compactMap { $0["id"] as? String } == ["documents", "references"])

            let updated = try await h.json(.put, "bucket/avatars", bearer: h.serviceKey, #"{"id":"avatars","name":"avatars","public":false,"file_size_limit":null}"#)
            #expect(updated.object["message"] as? String == "Successfully updated", "\(updated.text)")
            let after = try await h.send(.get, "bucket/avatars", bearer: h.serviceKey)
            #expect(after.object["public"] as? Bool == false)
            #expect(after.object["file_size_limit"] is NSNull)
            #expect(after.object["allowed_mime_types"] as? [String] == ["image/png"], "absent settings stay")
            #expect(try await h.json(.put, "bucket/nope", bearer: h.serviceKey, #"{"public":true}"#).storageError?.statusCode == "404")

            #expect(try await h.upload("avatars", "x/a.png", [1], bearer: h.serviceKey, type: "image/png").status == .ok)
            let notEmpty = try await h.json(.delete, "bucket/avatars", bearer: h.serviceKey)
            #expect(notEmpty.storageError?.statusCode == "409")
            #expect(notEmpty.storageError?.error == "ResourceNotEmpty")
            let emptied = try await h.json(.post, "bucket/avatars/empty", bearer: h.serviceKey)
            #expect(emptied.object["message"] as? String == "Successfully emptied", "\(emptied.text)")
            let deleted = try await h.json(.delete, "bucket/avatars", bearer: h.serviceKey)
            #expect(deleted.object["message"] as? String == "Successfully deleted", "\(deleted.text)")
            let gone = try await h.send(.get, "bucket/avatars", bearer: h.serviceKey)
            #expect(gone.status == .badRequest)
            #expect(gone.storageError?.statusCode == "404")
            #expect(gone.storageError?.error == "Bucket not found")
            #expect(try await h.json(.delete, "bucket/avatars", bearer: h.serviceKey).storageError?.statusCode == "404")
            #expect(try await h.json(.post, "bucket/avatars/empty", bearer: h.serviceKey).storageError?.statusCode == "404")
            #expect(try await h.eventually { h.files(in: "objects").isEmpty }, "emptying a bucket deletes its bytes")
        }
    }

    @Test("only service_role changes buckets; users see all, anon only public ones; names are checked")
    func rulesAndNames() async throws {
        try await StorageHarness.run(.local) { h in
            try await h.createBucket("open", public: true)
            let user = try await h.signUp("bucketeer@storage.test")
            let denied = try await h.json(.post, "bucket", bearer: user.token, #"{"id":"mine"}"#)
            #expect(denied.storageError?.statusCode == "403")
            #expect(denied.storageError?.error == "Unauthorized")
            #expect(try await h.json(.delete, "bucket/visions", bearer: user.token).storageError?.statusCode == "403")
            #expect(try await h.json(.post, "bucket/visions/empty", bearer: user.token).storageError?.statusCode == "403")
            #expect(try await h.send(.get, "bucket", bearer: user.token).array.count == 5)
            #expect(Set(try await h.send(.get, "bucket", bearer: h.anonKey).array.compactMap { $0["id"] as? String }) == ["open", "visions"])
            #expect(try await h.send(.get, "bucket/documents", bearer: h.anonKey).storageError?.statusCode == "404")
            for bad in [#"{"id":"a/b"}"#, #"{"id":".."}"#, #"{"id":"public"}"#, #"{"id":""}"#, #"{"name":"x y"}"#, #"{}"#, "[1]", "not json"] {
                let reply = try await h.json(.post, "bucket", bearer: h.serviceKey, bad)
                #expect(reply.status == .badRequest, "\(bad)")
                #expect(reply.storageError?.statusCode == "400", "\(bad): \(reply.text)")
            }
            #expect(try await h.json(.post, "bucket", bearer: h.serviceKey, #"{"id":"z","file_size_limit":"lots"}"#).storageError?.statusCode == "400")
            #expect(try await h.send(.get, "bucket", bearer: nil).storageError?.statusCode == "403")
        }
    }
}
