import HTTPTypes
@testable import StorageAPI
import Testing

/// `StorageRoute.parse` without a server: every operation, the paths the clients send, and the
/// refusals (no such route, bad names) that come before any caller is looked at.
@Suite("Storage: routes")
struct StorageRouteTests {
    /// Names as clients send them: plain, nested, with spaces, escapes, unicode and URL syntax.
    static let names = ["a.png", "user/dir/a b.pdf", "100%/x?y#z+w&v=1", "ünï/cödé 📷.jpg", "sign/public/info"]

    /// Every operation, for one bucket and name.
    static func routes(bucket: String, name: String) -> [StorageRoute] {
        [
            .listBuckets, .createBucket, .getBucket(id: bucket), .updateBucket(id: bucket), .deleteBucket(id: bucket),
            .emptyBucket(id: bucket), .listObjects(bucket: bucket), .listObjectsV2(bucket: bucket), .move, .copy, .signMany(bucket: bucket),
            .sign(bucket: bucket, name: name), .download(.authenticated, bucket: bucket, name: name),
            .download(.public, bucket: bucket, name: name), .download(.signed, bucket: bucket, name: name),
            .signUpload(bucket: bucket, name: name), .uploadSigned(bucket: bucket, name: name),
            .info(bucket: bucket, name: name, isPublic: false), .info(bucket: bucket, name: name, isPublic: true),
            .removeMany(bucket: bucket), .removeOne(bucket: bucket, name: name), .upload(bucket: bucket, name: name, upsert: false),
            .upload(bucket: bucket, name: name, upsert: true),
        ]
    }

    static func parse(_ method: HTTPRequest.Method, _ path: String) throws(StorageError) -> StorageRoute {
        try StorageRoute.parse(method: method, path: "/storage/v1/" + path)
    }

    @Test("every route parses back from its method and path, for any name and any bucket but the route words")
    func roundTrip() throws {
        for bucket in ["visions", "My_Bucket-2.0", "...", "b"] {
            for name in Self.names {
                for route in Self.routes(bucket: bucket, name: name) {
                    #expect(try StorageRoute.parse(method: route.method, path: route.path) == route, "\(route.method) \(route.path)")
                    #expect(try StorageRoute.parse(method: route.method, path: route.path + "/") == route, "a trailing slash")
                    if route.method == .get, case .download = route {
                        #expect(try StorageRoute.parse(method: .head, path: route.path) == route, "HEAD \(route.path)")
                    }
                }
            }
        }
        // Downloads and info name their access word, so even a bucket named after one renders unambiguously.
        for bucket in ["public", "authenticated", "sign", "info"] {
            for route in [StorageRoute.download(.authenticated, bucket: bucket, name: "x/y"), .info(bucket: bucket, name: "x/y", isPublic: false)] {
                #expect(try StorageRoute.parse(method: route.method, path: route.path) == route)
            }
        }
    }

    @Test("rendering: methods, the access word, percent-encoding")
    func rendering() {
        #expect(StorageRoute.listBuckets.path == "/storage/v1/bucket")
        #expect(StorageRoute.emptyBucket(id: "a").path == "/storage/v1/bucket/a/empty")
        #expect(StorageRoute.download(.signed, bucket: "b", name: "a b/c%.png").path == "/storage/v1/object/sign/b/a%20b/c%25.png")
        #expect(StorageRoute.info(bucket: "b", name: "n", isPublic: false).path == "/storage/v1/object/info/authenticated/b/n")
        #expect(StorageRoute.upload(bucket: "b", name: "n", upsert: false).method == .post)
        #expect(StorageRoute.upload(bucket: "b", name: "n", upsert: true).method == .put)
        #expect(StorageRoute.uploadSigned(bucket: "b", name: "n").method == .put)
        #expect(StorageRoute.signUpload(bucket: "b", name: "n").method == .post)
        #expect(StorageRoute.removeMany(bucket: "b").method == .delete)
    }

    @Test("the paths the clients send, and the quirks of the shorter forms")
    func clientPaths() throws {
        let table: [(HTTPRequest.Method, String, StorageRoute)] = [
            (.get, "bucket", .listBuckets),
            (.get, "bucket/", .listBuckets),
            (.post, "bucket", .createBucket),
            (.get, "bucket/avatars/", .getBucket(id: "avatars")),
            (.post, "bucket/avatars/empty", .emptyBucket(id: "avatars")),
            (.get, "object/visions/u/py.png", .download(.authenticated, bucket: "visions", name: "u/py.png")),
            (.head, "object/visions/u/py.png", .download(.authenticated, bucket: "visions", name: "u/py.png")),
            (.get, "object/documents/u/a%20b.pdf", .download(.authenticated, bucket: "documents", name: "u/a b.pdf")),
            (.get, "object/%70ublic/avatars/me.png", .download(.public, bucket: "avatars", name: "me.png")),
            (.get, "object/%76isions/u/a%2Fb", .download(.authenticated, bucket: "visions", name: "u/a/b")),
            (.get, "render/image/public/avatars/u/me.png", .download(.public, bucket: "avatars", name: "u/me.png")),
            (.head, "render/image/sign/avatars/u/me.png", .download(.signed, bucket: "avatars", name: "u/me.png")),
            (.get, "render/image/authenticated/avatars/u/me.png", .download(.authenticated, bucket: "avatars", name: "u/me.png")),
            (.get, "object/info/references/u/raw.bin", .info(bucket: "references", name: "u/raw.bin", isPublic: false)),
            (.get, "object/info/public/avatars/u/me.png", .info(bucket: "avatars", name: "u/me.png", isPublic: true)),
            (.get, "object/info/sign/b/n", .info(bucket: "sign", name: "b/n", isPublic: false)),
            // HEAD is not info: it reads an object of a bucket named `info`, which cannot be created.
            (.head, "object/info/b/n", .download(.authenticated, bucket: "info", name: "b/n")),
            (.post, "object/documents/u/a.txt", .upload(bucket: "documents", name: "u/a.txt", upsert: false)),
            (.put, "object/documents/u/a.txt", .upload(bucket: "documents", name: "u/a.txt", upsert: true)),
            (.post, "object/move/x", .upload(bucket: "move", name: "x", upsert: false)),
            (.put, "object/upload/x", .upload(bucket: "upload", name: "x", upsert: true)),
            (.get, "object/list/x", .download(.authenticated, bucket: "list", name: "x")),
            (.delete, "object/documents", .removeMany(bucket: "documents")),
            (.delete, "object/documents/", .removeMany(bucket: "documents")),
            (.delete, "object/documents/u/b.txt", .removeOne(bucket: "documents", name: "u/b.txt")),
            (.post, "object/list/documents", .listObjects(bucket: "documents")),
            (.post, "object/list-v2/documents", .listObjectsV2(bucket: "documents")),
            (.post, "object/move", .move),
            (.post, "object/copy/", .copy),
            (.post, "object/sign/references", .signMany(bucket: "references")),
            (.post, "object/sign/references/u/photo%201.png", .sign(bucket: "references", name: "u/photo 1.png")),
            (.post, "object/upload/sign/documents/u/scan.pdf", .signUpload(bucket: "documents", name: "u/scan.pdf")),
            (.put, "object/upload/sign/documents/u/scan.pdf", .uploadSigned(bucket: "documents", name: "u/scan.pdf")),
        ]
        for (method, path, route) in table {
            #expect(try Self.parse(method, path) == route, "\(method) \(path)")
        }
    }

    @Test("paths no operation has are 404 Route not found")
    func unknownRoutes() {
        let table: [(HTTPRequest.Method, String)] = [
            (.get, ""), (.get, "/"), (.get, "nope"), (.get, "buckets"), (.head, "bucket"), (.patch, "bucket"), (.delete, "bucket"),
            (.post, "bucket/a"), (.get, "bucket/a/b"), (.post, "bucket/a/full"), (.post, "bucket/a/empty/x"), (.get, "object"),
            (.get, "object/"), (.post, "object"), (.patch, "object/b/n"), (.options, "object/b/n"), (.get, "object/public"),
            (.get, "object/sign"), (.post, "object/sign"), (.post, "object/upload/sign"), (.get, "object/info"),
            (.get, "render"), (.get, "render/image"), (.get, "render/video/public/b/n"), (.post, "render/image/public/b/n"),
            (.get, "render/image/nope/b/n"), (.get, "render/image/info/b/n"),
        ]
        for (method, path) in table {
            #expect(throws: StorageError.noRoute, "\(method) \(path)") { try Self.parse(method, path) }
        }
        for path in ["/storage/v1x/bucket", "/storage/bucket", "/rest/v1/bucket", ""] {
            #expect(throws: StorageError.noRoute, "\(path)") { try StorageRoute.parse(method: .get, path: path) }
        }
        #expect(throws: StorageError.noRoute) { try StorageRoute.parse(method: .get, path: "/storage/v1") }
    }

    @Test("bad names and escapes are refused as the route's names are checked")
    func badKeys() {
        let keys: [(HTTPRequest.Method, String, StorageError)] = [
            (.get, "object/b/%zz", .invalidKey("%zz")),
            (.get, "nope/%zz", .invalidKey("%zz")),
            (.get, "object/b/%C3", .invalidKey("%C3")),
            (.get, "object/b", .invalidKey("")),
            (.get, "object/public/b", .invalidKey("")),
            (.get, "render/image/nope/b", .invalidKey("")),
            (.get, "object/b/a/../c", .invalidKey("a/../c")),
            (.get, "object/b/a/./c", .invalidKey("a/./c")),
            (.get, "object/b/a//c", .invalidKey("a//c")),
            (.get, "object/b/u%2F..%2Fx", .invalidKey("u/../x")),
            (.post, "object/b/a%00b", .invalidKey("a\u{0}b")),
            (.post, "object/b/a%5Cb", .invalidKey("a\\b")),
            (.post, "object/b/%0A.png", .invalidKey("\n.png")),
            (.get, "object/b/" + String(repeating: "a", count: 256), .invalidKey(String(repeating: "a", count: 64))),
        ]
        for (method, path, error) in keys {
            #expect(throws: error, "\(method) \(path)") { try Self.parse(method, path) }
        }
        let buckets: [(HTTPRequest.Method, String, String)] = [
            (.get, "bucket/a%20b", "a b"), (.put, "bucket/..", ".."), (.delete, "object/a%2Fb", "a/b"), (.get, "object/../x", ".."),
            (.post, "object/list/a%20b", "a b"), (.post, "object/sign/%2E", "."), (.post, "bucket/x%21/empty", "x!"),
            (.get, "object/" + String(repeating: "b", count: 101) + "/x", String(repeating: "b", count: 101)),
        ]
        for (method, path, id) in buckets {
            #expect(throws: StorageError.invalidBucketName(id), "\(method) \(path)") { try Self.parse(method, path) }
        }
    }

    @Test("only public and signed downloads, public info and signed uploads need no caller")
    func callers() {
        for route in Self.routes(bucket: "b", name: "n") {
            let open: Bool
            switch route {
            case .download(.public, _, _), .download(.signed, _, _), .info(_, _, isPublic: true), .uploadSigned: open = true
            default: open = false
            }
            #expect(route.needsCaller == !open, "\(route)")
        }
    }

    @Test("a bucket named after a route word would change what its objects' paths mean, so those names are reserved")
    func reservedWords() throws {
        // (word, what a client means, the method and path it sends)
        let collisions: [(String, StorageRoute, HTTPRequest.Method, String)] = [
            ("public", .download(.authenticated, bucket: "public", name: "x/y"), .get, "object/public/x/y"),
            ("authenticated", .download(.authenticated, bucket: "authenticated", name: "x/y"), .get, "object/authenticated/x/y"),
            ("sign", .download(.authenticated, bucket: "sign", name: "x/y"), .get, "object/sign/x/y"),
            ("info", .download(.authenticated, bucket: "info", name: "x/y"), .get, "object/info/x/y"),
            ("list", .upload(bucket: "list", name: "x", upsert: false), .post, "object/list/x"),
            ("sign", .upload(bucket: "sign", name: "x/y", upsert: false), .post, "object/sign/x/y"),
            ("upload", .upload(bucket: "upload", name: "sign/x/y", upsert: false), .post, "object/upload/sign/x/y"),
        ]
        for (word, meant, method, path) in collisions {
            #expect((try? Self.parse(method, path)) != meant, "\(method) \(path)")
            #expect(ObjectPath.reservedBucketNames.contains(word))
        }
        for word in ObjectPath.reservedBucketNames {
            #expect(throws: StorageError.invalidBucketName(word, reserved: true)) { try ObjectPath.newBucket(word) }
            #expect(throws: StorageError.invalidBucketName(word.uppercased(), reserved: true)) { try ObjectPath.newBucket(word.uppercased()) }
            #expect(try ObjectPath.bucket(word) == word, "an existing bucket of that name is still read")
        }
        #expect(try ObjectPath.newBucket("publicity") == "publicity")
    }
}
