import AppConfig
import Foundation
import HTTPTypes
import NIOCore
import Testing
import TestSupport

@Suite("Storage: objects on both stores", .serialized)
struct StorageObjectTests {
    @Test("the three upload encodings store the right bytes, type and cache control; downloads return them", arguments: StoreKind.allCases)
    func uploadEncodings(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let user = try await h.signUp("uploader@storage.test")
            let pyBytes = randomBytes(70_000)
            let py = try await h.upload("visions", "\(user.id)/py.png", pyBytes, bearer: user.token, type: "image/png")
            #expect(py.status == .ok, "\(py.text)")
            #expect(py.object["Key"] as? String == "visions/\(user.id)/py.png")
            #expect((py.object["Id"] as? String)?.count == 36)

            // supabase-js with a Blob: the file part has an empty field name.
            let (blobType, blobBody) = Multipart.body(fields: [("cacheControl", "3600")], fileField: "", filename: "blob", type: "application/pdf", bytes: Array("%PDF-1.7".utf8))
            let js = try await h.send(.post, "object/documents/\(user.id)/a%20b.pdf", bearer: user.token, headers: [("Content-Type", blobType)], body: blobBody)
            #expect(js.status == .ok, "\(js.text)")
            #expect(js.object["Key"] as? String == "documents/\(user.id)/a b.pdf")

            // supabase-js with bytes: the raw body, with user metadata in x-metadata.
            let metadata = Data(#"{"board":"b1"}"#.utf8).base64EncodedString()
            let raw = try await h.send(
                .post, "object/references/\(user.id)/raw.bin", bearer: user.token,
                headers: [("Content-Type", "application/octet-stream"), ("cache-control", "max-age=3600"), ("x-metadata", metadata)],
                body: ByteBuffer(bytes: [1, 2, 3]))
            #expect(raw.status == .ok, "\(raw.text)")

            let download = try await h.send(.get, "object/visions/\(user.id)/py.png", bearer: user.token)
            #expect(download.status == .ok)
            #expect(download.bytes == pyBytes)
            #expect(download.header("Content-Type") == "image/png")
            #expect(download.header("Cache-Control") == "max-age=3600")
            #expect(download.header("ETag") == "\"\(md5Hex(pyBytes))\"")
            #expect(download.header("Last-Modified")?.hasSuffix(" GMT") == true)
            #expect(download.header("Content-Length") == "70000")
            let authenticated = try await h.send(.get, "object/authenticated/documents/\(user.id)/a%20b.pdf?download", bearer: user.token)
            #expect(authenticated.text == "%PDF-1.7")
            #expect(authenticated.header("Content-Type") == "application/pdf")
            #expect(authenticated.header("Content-Disposition") == "attachment;", "a bare ?download, as Supabase Storage answers it")
            let named = try await h.send(.get, "object/references/\(user.id)/raw.bin?download=data.bin", bearer: user.token)
            #expect(named.bytes == [1, 2, 3])
            #expect(named.header("Content-Disposition") == "attachment; filename=data.bin; filename*=UTF-8''data.bin")
            let spaced = try await h.send(.get, "object/references/\(user.id)/raw.bin?download=%C3%A9t%C3%A9%20%22x%22%3B%0D%0Ay.bin", bearer: user.token)
            #expect(spaced.header("Content-Disposition") == "attachment; filename=%C3%A9t%C3%A9%20%22x%22%3B%0D%0Ay.bin; filename*=UTF-8''%C3%A9t%C3%A9%20%22x%22%3B%0D%0Ay.bin",
                    "quotes, semicolons and line breaks of a name stay encoded")

            let info = try await h.send(.get, "object/info/references/\(user.id)/raw.bin", bearer: user.token)
            #expect(info.status == .ok)
            #expect(info.object["size"] as? Int == 3)
            #expect(info.object["content_type"] as? String == "application/octet-stream")
            #expect(info.object["cache_control"] as? String == "max-age=3600")
            #expect((info.object["metadata"] as? [String: Any])?["board"] as? String == "b1")
            #expect(info.object["bucket_id"] as? String == "references")
            for key in ["id", "name", "version", "etag", "last_modified", "created_at"] { #expect(info.object[key] != nil, "info has \(key)") }

            let head = try await h.send(.head, "object/visions/\(user.id)/py.png", bearer: user.token)
            #expect(head.status == .ok)
            #expect(head.bytes.isEmpty)
            #expect(head.header("Content-Length") == "70000")
            let missingHead = try await h.send(.head, "object/visions/\(user.id)/nope.png", bearer: user.token)
            #expect(missingHead.status == .badRequest)
            let missingInfo = try await h.send(.get, "object/info/visions/\(user.id)/nope.png", bearer: user.token)
            #expect(missingInfo.status == .badRequest)
            #expect(missingInfo.storageError?.statusCode == "404")
            #expect(missingInfo.storageError?.error == "not_found")

            let notModified = try await h.send(.get, "object/visions/\(user.id)/py.png", bearer: user.token, headers: [("If-None-Match", "\"\(md5Hex(pyBytes))\"")])
            #expect(notModified.status == .notModified)
        }
    }

    @Test("POST twice is a duplicate; x-upsert and PUT overwrite and the old bytes go", arguments: StoreKind.allCases)
    func overwrite(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let user = try await h.signUp("overwrite@storage.test")
            let path = "\(user.id)/note.txt"
            #expect(try await h.upload("documents", path, Array("one".utf8), bearer: user.token).status == .ok)
            let again = try await h.upload("documents", path, Array("two".utf8), bearer: user.token)
            #expect(again.status == .badRequest)
            #expect(again.storageError?.statusCode == "409")
            #expect(again.storageError?.error == "Duplicate")
            #expect(try await h.send(.get, "object/documents/\(path)", bearer: user.token).text == "one")
            let upsert = try await h.upload("documents", path, Array("three".utf8), bearer: user.token, upsert: true)
            #expect(upsert.status == .ok, "\(upsert.text)")
            #expect(try await h.send(.get, "object/documents/\(path)", bearer: user.token).text == "three")
            let put = try await h.upload("documents", path, Array("four!".utf8), bearer: user.token, method: .put)
            #expect(put.status == .ok, "\(put.text)")
            #expect(try await h.send(.get, "object/documents/\(path)", bearer: user.token).text == "four!")
            let fresh = try await h.upload("documents", "\(user.id)/new.txt", Array("put creates".utf8), bearer: user.token, method: .put)
            #expect(fresh.status == .ok)
            if kind == .local {
                #expect(try await h.eventually { h.files(in: "objects").count == 2 }, "overwritten versions are deleted")
                #expect(h.files(in: "uploads").isEmpty)
            }
        }
    }

    @Test("Range requests answer 206 with the asked bytes; unsatisfiable ranges 416", arguments: StoreKind.allCases)
    func ranges(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let bytes = randomBytes(1000)
            #expect(try await h.upload("workbooks", "shared/book.pdf", bytes, bearer: h.serviceKey, type: "application/pdf").status == .ok)
            let middle = try await h.send(.get, "object/workbooks/shared/book.pdf", bearer: h.serviceKey, headers: [("Range", "bytes=10-19")])
            #expect(middle.status == .partialContent)
            #expect(middle.bytes == Array(bytes[10...19]))
            #expect(middle.header("Content-Range") == "bytes 10-19/1000")
            let suffix = try await h.send(.get, "object/workbooks/shared/book.pdf", bearer: h.serviceKey, headers: [("Range", "bytes=-5")])
            #expect(suffix.bytes == Array(bytes[995...]))
            let open = try await h.send(.get, "object/workbooks/shared/book.pdf", bearer: h.serviceKey, headers: [("Range", "bytes=990-")])
            #expect(open.bytes == Array(bytes[990...]))
            let beyond = try await h.send(.get, "object/workbooks/shared/book.pdf", bearer: h.serviceKey, headers: [("Range", "bytes=1000-1200")])
            #expect(beyond.status.code == 416)
            #expect(beyond.header("Content-Range") == "bytes */1000")
            let several = try await h.send(.get, "object/workbooks/shared/book.pdf", bearer: h.serviceKey, headers: [("Range", "bytes=0-1,5-6")])
            #expect(several.status == .ok)
            #expect(several.bytes == bytes)
        }
    }

    @Test("list: direct children with relative names, folders with null ids, search, sort, paging", arguments: [StoreKind.local])
    func listing(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let user = try await h.signUp("lister@storage.test")
            for name in ["b.txt", "a.txt", "C.txt", "sub/x.txt", "sub/deeper/y.txt", "other/z.txt", ".emptyFolderPlaceholder"] {
                #expect(try await h.upload("documents", "\(user.id)/dir/\(name)", Array(name.utf8), bearer: user.token).status == .ok)
            }
            let all = try await h.json(.post, "object/list/documents", bearer: user.token, #"{"prefix":"\#(user.id)/dir","limit":100,"offset":0,"sortBy":{"column":"name","order":"asc"}}"#)
            #expect(all.status == .ok, "\(all.text)")
            #expect(all.array.map { $0["name"] as? String } == [".emptyFolderPlaceholder", "C.txt", "a.txt", "b.txt", "other", "sub"])
            let folder = try #require(all.array.first { $0["name"] as? String == "sub" })
            #expect(folder["id"] is NSNull)
            #expect(folder["metadata"] is NSNull)
            let file = try #require(all.array.first { $0["name"] as? String == "a.txt" })
            #expect(file["id"] is String)
            #expect((file["metadata"] as? [String: Any])?["size"] as? Int == 5)
            #expect((file["metadata"] as? [String: Any])?["mimetype"] as? String == "text/plain;charset=UTF-8")

            let trailing = try await h.json(.post, "object/list/documents", bearer: user.token, #"{"prefix":"\#(user.id)/dir/"}"#)
            #expect(trailing.array.count == 6)
            let paged = try await h.json(.post, "object/list/documents", bearer: user.token, #"{"prefix":"\#(user.id)/dir","limit":2,"offset":1,"sortBy":{"column":"name","order":"desc"}}"#)
            #expect(paged.array.map { $0["name"] as? String } == ["other", "b.txt"])
            let searched = try await h.json(.post, "object/list/documents", bearer: user.token, #"{"prefix":"\#(user.id)/dir","search":"c"}"#)
            #expect(searched.array.map { $0["name"] as? String } == ["C.txt"])
            let root = try await h.json(.post, "object/list/documents", bearer: user.token, #"{"prefix":""}"#)
            #expect(root.array.map { $0["name"] as? String } == [user.id])
            let byDate = try await h.json(.post, "object/list/documents", bearer: user.token, #"{"prefix":"\#(user.id)/dir/sub","sortBy":{"column":"created_at","order":"desc"}}"#)
            #expect(Set(byDate.array.compactMap { $0["name"] as? String }) == ["x.txt", "deeper"])
        }
    }

    @Test("remove (batch and single), move and copy within and across buckets", arguments: StoreKind.allCases)
    func removeMoveCopy(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let user = try await h.signUp("mover@storage.test")
            let base = user.id
            for name in ["a.txt", "b.txt", "c.txt"] {
                #expect(try await h.upload("documents", "\(base)/\(name)", Array(name.utf8), bearer: user.token).status == .ok)
            }
            let removed = try await h.json(.delete, "object/documents", bearer: user.token, #"{"prefixes":["\#(base)/a.txt","\#(base)/nope.txt"]}"#)
            #expect(removed.status == .ok, "\(removed.text)")
            #expect(removed.array.map { $0["name"] as? String } == ["\(base)/a.txt"])
            #expect(removed.array.first?["bucket_id"] as? String == "documents")
            #expect(try await h.send(.get, "object/documents/\(base)/a.txt", bearer: user.token).storageError?.statusCode == "404")
            let single = try await h.send(.delete, "object/documents/\(base)/b.txt", bearer: user.token)
            #expect(single.object["message"] as? String == "Successfully deleted")
            #expect(try await h.send(.delete, "object/documents/\(base)/b.txt", bearer: user.token).storageError?.statusCode == "404")

            let moved = try await h.json(.post, "object/move", bearer: user.token, #"{"bucketId":"documents","sourceKey":"\#(base)/c.txt","destinationKey":"\#(base)/moved/c.txt"}"#)
            #expect(moved.object["message"] as? String == "Successfully moved", "\(moved.text)")
            #expect(try await h.send(.get, "object/documents/\(base)/moved/c.txt", bearer: user.token).text == "c.txt")
            let across = try await h.json(.post, "object/move", bearer: user.token, #"{"bucketId":"documents","sourceKey":"\#(base)/moved/c.txt","destinationBucket":"references","destinationKey":"\#(base)/c.txt"}"#)
            #expect(across.status == .ok, "\(across.text)")
            #expect(try await h.send(.get, "object/references/\(base)/c.txt", bearer: user.token).text == "c.txt")
            #expect(try await h.send(.get, "object/documents/\(base)/moved/c.txt", bearer: user.token).storageError?.statusCode == "404")

            let copied = try await h.json(.post, "object/copy", bearer: user.token, #"{"bucketId":"references","sourceKey":"\#(base)/c.txt","destinationKey":"\#(base)/copy.txt"}"#)
            #expect(copied.object["Key"] as? String == "references/\(base)/copy.txt", "\(copied.text)")
            let copiedAcross = try await h.json(.post, "object/copy", bearer: user.token, #"{"bucketId":"references","sourceKey":"\#(base)/c.txt","destinationBucket":"workbooks","destinationKey":"\#(base)/c.txt"}"#)
            #expect(copiedAcross.status == .ok, "\(copiedAcross.text)")
            // The copies have bytes of their own: deleting the source leaves them readable.
            #expect(try await h.send(.delete, "object/references/\(base)/c.txt", bearer: user.token).status == .ok)
            #expect(try await h.send(.get, "object/references/\(base)/copy.txt", bearer: user.token).text == "c.txt")
            #expect(try await h.send(.get, "object/workbooks/\(base)/c.txt", bearer: user.token).text == "c.txt")
            let copyMissing = try await h.json(.post, "object/copy", bearer: user.token, #"{"bucketId":"references","sourceKey":"\#(base)/gone.txt","destinationKey":"\#(base)/x.txt"}"#)
            #expect(copyMissing.storageError?.statusCode == "404")
            let copyOnto = try await h.json(.post, "object/copy", bearer: user.token, #"{"bucketId":"references","sourceKey":"\#(base)/copy.txt","destinationBucket":"workbooks","destinationKey":"\#(base)/c.txt"}"#)
            #expect(copyOnto.storageError?.statusCode == "409")
            if kind == .local {
                #expect(try await h.eventually { h.files(in: "objects").count == 2 }, "bytes of deleted objects are swept")
            }
        }
    }

    @Test("public buckets are readable without a token; private ones are not found there", arguments: StoreKind.allCases)
    func publicDownloads(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            try await h.createBucket("avatars", public: true)
            let user = try await h.signUp("public@storage.test")
            #expect(try await h.upload("avatars", "\(user.id)/me.png", [9, 9], bearer: user.token, type: "image/png").status == .ok)
            #expect(try await h.upload("documents", "\(user.id)/secret.png", [7], bearer: user.token, type: "image/png").status == .ok)
            let open = try await h.send(.get, "object/public/avatars/\(user.id)/me.png", bearer: nil)
            #expect(open.status == .ok)
            #expect(open.bytes == [9, 9])
            #expect(try await h.send(.get, "render/image/public/avatars/\(user.id)/me.png?width=10", bearer: nil).bytes == [9, 9])
            #expect(try await h.send(.get, "render/image/authenticated/avatars/\(user.id)/me.png", bearer: user.token).bytes == [9, 9])
            let openInfo = try await h.send(.get, "object/info/public/avatars/\(user.id)/me.png", bearer: nil)
            #expect(openInfo.object["size"] as? Int == 2)
            let closed = try await h.send(.get, "object/public/documents/\(user.id)/secret.png", bearer: nil)
            #expect(closed.status == .badRequest)
            #expect(closed.storageError?.statusCode == "404")
            #expect(closed.storageError?.error == "Bucket not found")
            let missing = try await h.send(.get, "object/public/avatars/\(user.id)/none.png", bearer: nil)
            #expect(missing.storageError?.error == "not_found")
            // Everyone signed in reads a public bucket; anon reads it through the authenticated route too.
            let other = try await h.signUp("reader@storage.test")
            #expect(try await h.send(.get, "object/avatars/\(user.id)/me.png", bearer: other.token).bytes == [9, 9])
            #expect(try await h.send(.get, "object/avatars/\(user.id)/me.png", bearer: h.anonKey).bytes == [9, 9])
        }
    }

    @Test("bucket size and MIME limits, and the server's own maximum", arguments: StoreKind.allCases)
    func limits(kind: StoreKind) async throws {
        try await StorageHarness.run(kind, adjust: { $0.storage.maxUploadSize = 5000 }) { h in
            try await h.createBucket("small", extra: #","file_size_limit":10,"allowed_mime_types":["image/*","application/pdf"]"#)
            let fits = try await h.upload("small", "x/ok.png", randomBytes(10), bearer: h.serviceKey, type: "image/png")
            #expect(fits.status == .ok, "\(fits.text)")
            let large = try await h.upload("small", "x/big.png", randomBytes(11), bearer: h.serviceKey, type: "image/png")
            #expect(large.status == .badRequest)
            #expect(large.storageError?.statusCode == "413")
            #expect(large.storageError?.error == "Payload too large")
            let text = try await h.upload("small", "x/a.txt", [1], bearer: h.serviceKey, type: "text/plain")
            #expect(text.storageError?.statusCode == "415")
            #expect(text.storageError?.error == "invalid_mime_type")
            #expect(text.object["message"] as? String == "mime type text/plain is not supported")
            let raw = try await h.send(.post, "object/small/x/raw.pdf", bearer: h.serviceKey, headers: [("Content-Type", "application/pdf")], body: ByteBuffer(bytes: randomBytes(11)))
            #expect(raw.storageError?.statusCode == "413")
            let server = try await h.upload("documents", "x/huge.bin", randomBytes(5001), bearer: h.serviceKey, type: "application/octet-stream")
            #expect(server.storageError?.statusCode == "413")
            let noFile = try await h.send(
                .post, "object/documents/x/none.bin", bearer: h.serviceKey,
                headers: [("Content-Type", "multipart/form-data; boundary=b")], body: ByteBuffer(string: "--b\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n3600\r\n--b--\r\n"))
            #expect(noFile.storageError?.error == "InvalidRequest")
            #expect(noFile.object["message"] as? String == "No content provided")
            if kind == .local {
                #expect(h.files(in: "uploads").isEmpty)
                #expect(h.files(in: "objects").count == 1)
            }
        }
    }
}
