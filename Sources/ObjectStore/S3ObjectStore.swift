import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Where an S3-compatible store is and how to sign for it.
public struct S3Location: Sendable, Equatable {
    /// Base URL of the service, e.g. `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:9000`.
    public var endpoint: String
    public var bucket: String
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Prefix of every key inside the bucket (e.g. `visionary/`), possibly empty.
    public var keyPrefix: String

    public init(endpoint: String, bucket: String, region: String, accessKeyID: String, secretAccessKey: String, keyPrefix: String = "") {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.keyPrefix = keyPrefix
    }
}

/// Object bytes in an S3-compatible store, addressed path-style (`<endpoint>/<bucket>/<key>`)
/// and signed with AWS Signature V4. A write is staged in a local temp file (so its length and
/// SHA-256 are known and the upload is signed over its real digest), then published with one
/// streamed `PUT`; reads stream the `GET` response (with `Range` when asked).
public struct S3ObjectStore: ObjectStore {
    public let location: S3Location
    let signer: AWSSignatureV4
    let client: HTTPClient
    let staging: String
    let files: BlockingFiles
    let endpointURL: URL

    /// - Parameter stagingDirectory: local folder for uploads in progress.
    public init(location: S3Location, stagingDirectory: String, client: HTTPClient = .shared, threadPool: NIOThreadPool = .singleton) throws {
        guard let url = URL(string: location.endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ObjectStoreError.io("invalid S3 endpoint \(location.endpoint)")
        }
        self.location = location
        endpointURL = url
        signer = AWSSignatureV4(accessKeyID: location.accessKeyID, secretAccessKey: location.secretAccessKey, region: location.region)
        self.client = client
        staging = stagingDirectory
        files = BlockingFiles(pool: threadPool)
    }

    /// Checks the bucket answers; creates it when the service says it does not exist.
    public func prepare() async throws {
        let head = try await send("HEAD", key: nil)
        if head.status == .ok { return }
        guard head.status == .notFound else { throw ObjectStoreError.remote(status: Int(head.status.code), message: "HEAD bucket") }
        var body: ByteBuffer?
        if location.region != "us-east-1" {
            body = ByteBuffer(string: """
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
                <LocationConstraint>\(location.region)</LocationConstraint></CreateBucketConfiguration>
                """)
        }
        let created = try await send("PUT", key: nil, body: body)
        guard (200..<300).contains(Int(created.status.code)) || created.status == .conflict else {
            throw ObjectStoreError.remote(status: Int(created.status.code), message: "create bucket")
        }
    }

    public func makeWriter() async throws -> any ObjectWriter {
        let staging = staging
        try await files.run { try BlockingFiles.makeDirectories(staging) }
        return S3ObjectWriter(
            store: self, staged: try await StagedFile(path: staging + "/" + randomToken() + ".part", files: files, digestSHA256: true))
    }

    public func read(_ key: String, range: ByteRange?, into sink: (ByteBuffer) async throws -> Void) async throws {
        try ObjectStoreError.check(key)
        var headers: [(String, String)] = []
        if let range { headers.append(("range", "bytes=\(range.first)-\(range.last)")) }
        let response = try await execute("GET", key: key, headers: headers)
        switch response.status.code {
        case 200, 206:
            for try await chunk in response.body { try await sink(chunk) }
        case 404:
            throw ObjectStoreError.notFound(key)
        default:
            throw ObjectStoreError.remote(status: Int(response.status.code), message: try await Self.text(response))
        }
    }

    public func copy(_ source: String, to destination: String) async throws {
        try ObjectStoreError.check(source)
        let copySource = "/" + location.bucket + "/" + AWSSignatureV4.uriEncode(location.keyPrefix + source, keepSlash: true)
        let response = try await send("PUT", key: destination, headers: [("x-amz-copy-source", copySource)])
        // A copy can fail after the 200 has been sent; the body then holds an <Error>.
        guard response.status == .ok, !response.body.contains("<Error>") else {
            if response.status == .notFound { throw ObjectStoreError.notFound(source) }
            throw ObjectStoreError.remote(status: Int(response.status.code), message: response.body)
        }
    }

    public func delete(_ key: String) async throws {
        let response = try await send("DELETE", key: key)
        guard (200..<300).contains(Int(response.status.code)) || response.status == .notFound else {
            throw ObjectStoreError.remote(status: Int(response.status.code), message: response.body)
        }
    }

    /// Uploads a finished staged file under `key`, streaming it from disk.
    func put(_ staged: StagedFile, written: WrittenObject, key: String) async throws {
        let (chunks, _) = try await FileChunks.make(staged.path, offset: 0, count: written.size, files: files)
        let response = try await execute(
            "PUT", key: key, headers: [("content-length", String(written.size))], payloadHash: written.sha256 ?? "UNSIGNED-PAYLOAD",
            body: .stream(chunks, length: .known(written.size)))
        guard response.status == .ok else {
            throw ObjectStoreError.remote(status: Int(response.status.code), message: try await Self.text(response))
        }
        _ = try await Self.text(response)
    }

    struct SmallResponse {
        let status: HTTPResponseStatus
        let body: String
    }

    /// A request whose answer is small (status and at most 64 KiB of text).
    func send(_ method: String, key: String?, headers: [(String, String)] = [], body: ByteBuffer? = nil) async throws -> SmallResponse {
        var payloadHash = AWSSignatureV4.emptyPayloadHash
        var requestBody: HTTPClientRequest.Body?
        var allHeaders = headers
        if let body {
            payloadHash = SHA256Digest.hex(of: body)
            requestBody = .bytes(body)
            allHeaders.append(("content-length", String(body.readableBytes)))
        }
        let response = try await execute(method, key: key, headers: allHeaders, payloadHash: payloadHash, body: requestBody)
        return SmallResponse(status: response.status, body: try await Self.text(response))
    }

    func execute(
        _ method: String, key: String?, headers: [(String, String)] = [], payloadHash: String = AWSSignatureV4.emptyPayloadHash,
        body: HTTPClientRequest.Body? = nil
    ) async throws -> HTTPClientResponse {
        if let key { try ObjectStoreError.check(key) }
        let basePath = endpointURL.path.hasSuffix("/") ? String(endpointURL.path.dropLast()) : endpointURL.path
        var path = basePath + "/" + AWSSignatureV4.uriEncode(location.bucket, keepSlash: false)
        if let key { path += "/" + AWSSignatureV4.uriEncode(location.keyPrefix + key, keepSlash: true) }
        let host = endpointURL.port.map { "\(endpointURL.host!):\($0)" } ?? endpointURL.host!
        var signedInput = headers
        signedInput.append(("host", host))
        let auth = signer.signedHeaders(
            method: method, path: path, headers: signedInput, payloadHash: payloadHash,
            secondsSince1970: Int64(Date().timeIntervalSince1970))
        var request = HTTPClientRequest(url: "\(endpointURL.scheme!)://\(host)\(path)")
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + auth { request.headers.add(name: name, value: value) }
        request.body = body
        return try await client.execute(request, timeout: .seconds(300))
    }

    static func text(_ response: HTTPClientResponse) async throws -> String {
        String(buffer: try await response.body.collect(upTo: 64 * 1024))
    }
}

/// An S3 write: staged locally, uploaded on publish, the local file removed either way.
struct S3ObjectWriter: ObjectWriter {
    let store: S3ObjectStore
    let staged: StagedFile

    func write(_ buffer: ByteBuffer) async throws { try await staged.write(buffer) }
    func finish() async throws -> WrittenObject { try await staged.finish() }

    func publish(as key: String) async throws {
        guard let written = await staged.written else { throw ObjectStoreError.io("publish before finish") }
        do {
            try await store.put(staged, written: written, key: key)
        } catch {
            await discard()
            throw error
        }
        await discard()
    }

    func discard() async {
        await staged.discard()
    }
}
