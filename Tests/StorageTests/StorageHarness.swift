import AppConfig
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import TestSupport
import Testing
import Tokens

/// The two object stores every storage behaviour is checked on.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case local, s3
    var testDescription: String { rawValue }
}

/// One answer of the server, its body kept as bytes.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let bytes: [UInt8]

    var text: String { String(decoding: bytes, as: UTF8.self) }
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:] }
    var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [[String: Any]] ?? [] }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }

    /// The Storage error envelope's `statusCode` and `error`, when this is one.
    var storageError: (statusCode: String, error: String)? {
        guard status == .badRequest || status.code >= 400, let code = object["statusCode"] as? String, let error = object["error"] as? String
        else { return nil }
        return (code, error)
    }
}

/// A server under test with its object store (local files in a temp folder, or a bucket of
/// the loopback S3 server), and a client speaking to `/storage/v1` as storage-js/py do.
struct StorageHarness: Sendable {
    let app: TestApp
    let client: any TestClientProtocol
    let kind: StoreKind
    /// The local store's folder (S3 stores stage uploads under it).
    let storageDirectory: String
    var ownConnections = false

    static func run(
        _ kind: StoreKind, adjust: @escaping @Sendable (inout AppConfig) -> Void = { _ in },
        _ body: @Sendable (StorageHarness) async throws -> Void
    ) async throws {
        let directory = NSTemporaryDirectory() + "visionary-storage-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let s3Port = kind == .s3 ? try await S3TestServer.shared.port() : nil
        let app = try await TestApp.make { config in
            // Many storage servers run at once beside the other suites: small pools.
            config.databasePoolSize = 3
            config.storage.localDirectory = directory
            if let s3Port { S3TestServer.configure(&config, port: s3Port) }
            adjust(&config)
        }
        try await app.run { client in
            try await body(StorageHarness(app: app, client: client, kind: kind, storageDirectory: directory))
        }
    }

    var serviceKey: String { app.keys.serviceRole }
    var anonKey: String { app.keys.anon }

    func send(
        _ method: HTTPRequest.Method, _ path: String, bearer: String?, apiKey: String? = nil, headers extra: [(String, String)] = [],
        body: ByteBuffer? = nil
    ) async throws -> Reply {
        var headers = HTTPFields()
        headers[HTTPField.Name("apikey")!] = apiKey ?? app.keys.anon
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        for (name, value) in extra { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        let answer = try await OwnConnection.exchange(
            client, ownConnection: ownConnections, uri: "/storage/v1/" + path, method: method, headers: headers, body: body)
        return Reply(status: answer.status, headers: answer.headers, bytes: Array(buffer: answer.body))
    }

    /// This harness, sending each request on a connection of its own (for tests of races).
    var concurrent: StorageHarness {
        var copy = self
        copy.ownConnections = true
        return copy
    }

    func json(_ method: HTTPRequest.Method, _ path: String, bearer: String?, _ json: String = "{}", headers: [(String, String)] = []) async throws -> Reply {
        try await send(method, path, bearer: bearer, headers: [("Content-Type", "application/json")] + headers, body: ByteBuffer(string: json))
    }

    /// Uploads as supabase-py does: multipart with `cacheControl` and a `file` part.
    func upload(
        _ bucket: String, _ name: String, _ bytes: [UInt8], bearer: String?, type: String = "text/plain;charset=UTF-8",
        method: HTTPRequest.Method = .post, upsert: Bool = false, metadata: String? = nil
    ) async throws -> Reply {
        var fields = [("cacheControl", "3600")]
        if let metadata { fields.append(("metadata", metadata)) }
        let (contentType, body) = Multipart.body(fields: fields, fileField: "file", filename: String(name.split(separator: "/").last ?? ""), type: type, bytes: bytes)
        var headers = [("Content-Type", contentType)]
        if upsert { headers.append(("x-upsert", "true")) }
        let path = name.replacingOccurrences(of: " ", with: "%20")
        return try await send(method, "object/\(bucket)/\(path)", bearer: bearer, headers: headers, body: body)
    }

    /// Signs a user up through the Auth API: their access token and id.
    func signUp(_ email: String) async throws -> (token: String, id: String) {
        try await app.signUp(client, email: email)
    }

    /// Makes a bucket with the service key.
    func createBucket(_ id: String, public isPublic: Bool = false, extra: String = "") async throws {
        let reply = try await json(.post, "bucket", bearer: serviceKey, #"{"id":"\#(id)","name":"\#(id)","public":\#(isPublic)\#(extra)}"#)
        #expect(reply.status == .ok, "\(reply.text)")
    }

    /// Files under the local store's folder (`objects` or `uploads`), recursively.
    func files(in folder: String) -> [String] {
        let root = storageDirectory + "/" + folder
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        return walker.compactMap { $0 as? String }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// Waits (up to 10 s) until `condition` holds: for work the server finishes after answering.
    func eventually(_ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    /// Waits until `condition` holds and still holds a second later: for cleanup of requests
    /// whose handling the test cannot observe (a client that hung up).
    func settles(_ condition: @escaping @Sendable () async throws -> Bool) async throws -> Bool {
        for _ in 0..<20 {
            guard try await eventually(condition) else { return false }
            try await Task.sleep(for: .seconds(1))
            if try await condition() { return true }
        }
        return false
    }

    /// Rows of `storage.objects` in this test's database, read as the schema owner.
    func objectRows(_ bucket: String) async throws -> [String] {
        try await TestCluster.withConnection(app.database) { connection in
            var names: [String] = []
            for try await name in try await connection.query("SELECT name FROM storage.objects WHERE bucket_id = \(bucket) ORDER BY name", logger: TestCluster.logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }
}

/// `multipart/form-data` bodies as the clients build them.
enum Multipart {
    static func body(fields: [(String, String)], fileField: String, filename: String, type: String, bytes: [UInt8], boundary: String = "----visionary-\(UUID().uuidString)") -> (String, ByteBuffer) {
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}

func md5Hex(_ bytes: [UInt8]) -> String {
    Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}
