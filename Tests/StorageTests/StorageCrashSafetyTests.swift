#if canImport(Glibc)
import Glibc
import HTTPTypes
import HummingbirdTesting
#endif
import Foundation
import NIOCore
import Testing
import TestSupport

/// Sends bytes over a raw TCP connection and closes it: a client that dies mid-upload.
func sendAndHangUp(port: Int, _ bytes: [UInt8]) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    var offset = 0
    while offset < bytes.count {
        let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent > 0 else { break }
        offset += sent
    }
}

@Suite("Storage: crash safety", .serialized)
struct StorageCrashSafetyTests {
    @Test("an upload cut mid-stream leaves no file and no row", arguments: StoreKind.allCases)
    func cutUploads(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let port = try #require(h.client.port)
            let key = h.serviceKey
            // Raw body: Content-Length promises 4 MiB, 1 MiB arrives.
            let head = "POST /storage/v1/object/documents/x/cut.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: \(4 << 20)\r\n\r\n"
            try sendAndHangUp(port: port, Array(head.utf8) + randomBytes(1 << 20))
            // Multipart: the closing boundary never comes.
            let (type, body) = Multipart.body(fields: [("cacheControl", "3600")], fileField: "file", filename: "cut2.bin", type: "application/octet-stream", bytes: randomBytes(1 << 20))
            let partial = Array(body.readableBytesView.prefix(body.readableBytes - 100))
            let multipartHead = "POST /storage/v1/object/documents/x/cut2.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n"
                + "Content-Type: \(type)\r\nContent-Length: \(body.readableBytes)\r\n\r\n"
            try sendAndHangUp(port: port, Array(multipartHead.utf8) + partial)
            // Chunked, cut without the last chunk.
            let chunkedHead = "POST /storage/v1/object/documents/x/cut3.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n"
                + "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n"
            try sendAndHangUp(port: port, Array(chunkedHead.utf8) + randomBytes(1 << 20) + Array("\r\n".utf8))

            #expect(try await h.settles { h.files(in: "uploads").isEmpty }, "staged bytes are removed")
            #expect(h.files(in: "objects").isEmpty)
            #expect(try await h.objectRows("documents").isEmpty)
            // The server is fine afterwards.
            #expect(try await h.upload("documents", "x/after.bin", [1], bearer: key).status == .ok)
        }
    }

    @Test("when the bytes cannot be published, the row is rolled back and the staged file removed")
    func publishFailure() async throws {
        try await StorageHarness.run(.local) { h in
            // Every shard folder is taken by a plain file, so the rename into place fails.
            let objects = h.storageDirectory + "/objects"
            try FileManager.default.createDirectory(atPath: objects, withIntermediateDirectories: true)
            for shard in (0..<256).map({ String(format: "%02x", $0) }) {
                FileManager.default.createFile(atPath: objects + "/" + shard, contents: Data())
            }
            let reply = try await h.upload("documents", "x/doomed.bin", [1, 2, 3], bearer: h.serviceKey)
            #expect(reply.status.code == 500)
            #expect(reply.storageError?.statusCode == "500")
            #expect(try await h.objectRows("documents").isEmpty)
            #expect(h.files(in: "uploads").isEmpty)
        }
    }

    @Test("two uploads racing for one key: one wins, the other is a duplicate, one file remains", arguments: StoreKind.allCases)
    func racingUploads(kind: StoreKind) async throws {
        try await StorageHarness.run(kind) { h in
            let key = h.serviceKey
            let racer = h.concurrent
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for index in 0..<4 {
                    group.addTask { try await racer.upload("documents", "x/race.bin", randomBytes(200_000 + index), bearer: key) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == .ok }.count == 1)
            #expect(replies.filter { $0.storageError?.statusCode == "409" }.count == 3)
            #expect(try await h.objectRows("documents") == ["x/race.bin"])
            if kind == .local {
                #expect(h.files(in: "objects").count == 1)
                #expect(try await h.eventually { h.files(in: "uploads").isEmpty })
            }
        }
    }
}
