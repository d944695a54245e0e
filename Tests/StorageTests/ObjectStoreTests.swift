import Foundation
import NIOCore
import ObjectStore
@testable import StorageAPI
import Testing
import TestSupport

@Suite("Object stores, SigV4 and byte ranges")
struct ObjectStoreTests {
    static func store(_ kind: StoreKind, folder: String) async throws -> any ObjectStore {
        switch kind {
        case .local:
            return LocalObjectStore(root: folder)
        case .s3:
            let port = try await S3TestServer.shared.port()
            let location = S3Location(
                endpoint: "http://127.0.0.1:\(port)", bucket: "store-\(UUID().uuidString.lowercased())", region: "eu-west-1",
                accessKeyID: "key", secretAccessKey: "secret", keyPrefix: "app/")
            let store = try S3ObjectStore(location: location, stagingDirectory: folder + "/uploads")
            try await store.prepare()
            return store
        }
    }

    static func read(_ store: any ObjectStore, _ key: String, range: ByteRange? = nil) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        try await store.read(key, range: range) { bytes += Array(buffer: $0) }
        return bytes
    }

    @Test("write, publish, read (whole and ranges), copy, delete; discarded writes leave nothing", arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) async throws {
        let folder = NSTemporaryDirectory() + "visionary-store-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try await Self.store(kind, folder: folder)
        let bytes = randomBytes(3_000_000)
        let writer = try await store.makeWriter()
        for start in stride(from: 0, to: bytes.count, by: 65_536) {
            try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + 65_536, bytes.count)]))
        }
        let written = try await writer.finish()
        #expect(written.size == 3_000_000)
        #expect(written.md5 == md5Hex(bytes))
        await #expect(throws: ObjectStoreError.self) { try await Self.read(store, "k1") }
        try await writer.publish(as: "k1")
        #expect(try await Self.read(store, "k1") == bytes)
        #expect(try await Self.read(store, "k1", range: ByteRange(first: 100, last: 299)) == Array(bytes[100...299]))
        try await store.copy("k1", to: "k2")
        try await store.delete("k1")
        try await store.delete("k1")
        await #expect(throws: ObjectStoreError.notFound("k1")) { try await Self.read(store, "k1") }
        #expect(try await Self.read(store, "k2") == bytes)

        let dropped = try await store.makeWriter()
        try await dropped.write(ByteBuffer(bytes: [1, 2, 3]))
        await dropped.discard()
        await #expect(throws: ObjectStoreError.self) { try await store.copy("nope", to: "k3") }
        await #expect(throws: ObjectStoreError.invalidKey("../x")) { try await store.delete("../x") }
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/uploads")) ?? []
        #expect(staged.isEmpty)
    }

    @Test("the local store removes stale temp files of crashed uploads when it starts")
    func staleUploads() async throws {
        let folder = NSTemporaryDirectory() + "visionary-store-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = LocalObjectStore(root: folder)
        let writer = try await store.makeWriter()
        try await writer.write(ByteBuffer(bytes: [1]))
        try await store.prepare(staleAfter: 0)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder + "/uploads")) ?? []).isEmpty)
        await writer.discard()
    }

    @Test("SigV4 signatures match AWS's published example and botocore")
    func signatures() {
        let signer = AWSSignatureV4(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        func signature(_ headers: [(String, String)]) -> String? {
            headers.first { $0.0 == "Authorization" }?.1.components(separatedBy: "Signature=").last
        }
        let get = signer.signedHeaders(
            method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadHash: AWSSignatureV4.emptyPayloadHash, secondsSince1970: 1_369_353_600)
        #expect(signature(get) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(get.first { $0.0 == "Authorization" }?.1.contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date") == true)
        let put = signer.signedHeaders(
            method: "PUT", path: "/my-bucket/dir/" + AWSSignatureV4.uriEncode("a b.txt", keepSlash: true),
            headers: [("host", "127.0.0.1:9000"), ("content-length", "5")],
            payloadHash: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", secondsSince1970: 1_772_323_199)
        #expect(signature(put) == "351a34904a7f1bc6a3372706c3055aa2c038ee88f750f19fe74bcff666ea7281")
        let list = signer.signedHeaders(
            method: "GET", path: "/my-bucket", query: [("prefix", "a/b"), ("list-type", "2")], headers: [("host", "127.0.0.1:9000")],
            payloadHash: AWSSignatureV4.emptyPayloadHash, secondsSince1970: 1_709_208_001)
        #expect(signature(list) == "d7b0a4099bbc7f0068a66ed49aa3e17429920a60e945597aa82436d0d0af2e44")
    }

    @Test("Range headers resolve against the size")
    func ranges() {
        #expect(StorageRoutes.range("bytes=0-9", size: 100) == .some(ByteRange(first: 0, last: 9)))
        #expect(StorageRoutes.range("bytes=90-200", size: 100) == .some(ByteRange(first: 90, last: 99)))
        #expect(StorageRoutes.range("bytes=-10", size: 100) == .some(ByteRange(first: 90, last: 99)))
        #expect(StorageRoutes.range("bytes=-500", size: 100) == .some(ByteRange(first: 0, last: 99)))
        #expect(StorageRoutes.range("bytes=100-", size: 100) == .some(nil))
        #expect(StorageRoutes.range("bytes=5-1", size: 100) == nil)
        #expect(StorageRoutes.range("items=0-1", size: 100) == nil)
        #expect(StorageRoutes.range("bytes=0-1,4-5", size: 100) == nil)
    }
}
