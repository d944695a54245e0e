import Core
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import ObjectStore
import Tokens

/// Registers `/storage/v1/**` and routes each request by its decoded path segments to the
/// service; every failure leaves as a Storage error envelope (protocol §4.6), never a bare 500.
public struct StorageRoutes: Sendable {
    let service: StorageService
    /// Largest JSON body accepted.
    let jsonLimit = 1 << 20

    public init(service: StorageService) {
        self.service = service
    }

    public func register(on router: Router<AppRequestContext>) {
        for method in [HTTPRequest.Method.get, .head, .post, .put, .delete] {
            router.on("storage/v1/**", method: method) { request, context in await handle(request, context: context) }
        }
    }

    func handle(_ request: Request, context: AppRequestContext) async -> Response {
        let head = request.method == .head
        do {
            return try await route(request, context: context)
        } catch let error as StorageError {
            return Self.response(for: error, head: head)
        } catch let error as ObjectStoreError {
            if case .notFound = error { return Self.response(for: .objectNotFound, head: head) }
            context.logger.error("object store failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return Self.response(for: .internalError, head: head)
        } catch {
            context.logger.error("storage request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return Self.response(for: .internalError, head: head)
        }
    }

    static func response(for error: StorageError, head: Bool) -> Response {
        let status = HTTPResponse.Status(code: error.httpStatus)
        return head ? Response(status: status, headers: [.contentType: "application/json"]) : .json(error.body, status: status)
    }

    /// The path below `/storage/v1`, split on `/` and percent-decoded segment by segment.
    static func segments(of path: String) throws(StorageError) -> [String] {
        let rest = path.dropFirst("/storage/v1".count)
        var raw = rest.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if raw.last == "" { raw = raw.dropLast() }  // a trailing slash is tolerated
        return try raw.map { segment throws(StorageError) in
            guard let decoded = ObjectPath.percentDecoded(segment) else { throw .invalidKey(String(segment)) }
            return decoded
        }
    }

    func route(_ request: Request, context: AppRequestContext) async throws -> Response {
        let segments = try Self.segments(of: request.uri.path)
        let method = request.method
        let query = Dictionary(ObjectPath.query(request.uri.query), uniquingKeysWith: { first, _ in first })
        guard let first = segments.first else { throw Self.noRoute }
        let rest = Array(segments.dropFirst())
        switch first {
        case "bucket": return try await bucketRoute(request, rest, query: query)
        case "object": return try await objectRoute(request, rest, query: query)
        case "render" where rest.first == "image" && (method == .get || method == .head):
            // Transformations are optional (protocol §4.4); the original is served.
            return try await downloadRoute(request, Array(rest.dropFirst()), query: query)
        default: throw Self.noRoute
        }
    }

    static let noRoute = StorageError("404", "not_found", "Route not found", code: "NoSuchKey")

    func caller(_ request: Request) throws(StorageError) -> Caller {
        try service.caller(bearer: request.bearerToken, apiKey: request.headers[.apiKey])
    }

    /// The JSON object of the body; an empty body is `{}`.
    func json(_ request: Request) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body(upTo: jsonLimit)
        } catch {
            throw StorageError.payloadTooLarge
        }
        guard buffer.readableBytes > 0 else { return [:] }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer)) else {
            throw StorageError.invalidRequest("The body must be a JSON object")
        }
        return object
    }

    /// `bucket` and `name` from `[bucket, segment, ...]`.
    static func object(_ segments: [String]) throws(StorageError) -> (bucket: String, name: String) {
        guard segments.count >= 2 else { throw segments.isEmpty ? noRoute : .invalidKey("") }
        return (try ObjectPath.bucket(segments[0]), try ObjectPath.name(segments.dropFirst().joined(separator: "/")))
    }

    // MARK: /bucket

    func bucketRoute(_ request: Request, _ rest: [String], query: [String: String]) async throws -> Response {
        let caller = try caller(request)
        switch (request.method, rest.count) {
        case (.get, 0): return .json(try await service.listBuckets(caller, query: query))
        case (.post, 0): return .json(try await service.createBucket(caller, body: try await json(request)))
        case (.get, 1): return .json(try await service.bucket(caller, id: rest[0]))
        case (.put, 1): return .json(try await service.updateBucket(caller, id: rest[0], body: try await json(request)))
        case (.delete, 1): return .json(try await service.deleteBucket(caller, id: rest[0]))
        case (.post, 2) where rest[1] == "empty": return .json(try await service.emptyBucket(caller, id: rest[0]))
        default: throw Self.noRoute
        }
    }

    // MARK: /object

    func objectRoute(_ request: Request, _ rest: [String], query: [String: String]) async throws -> Response {
        let method = request.method
        switch (method, rest.first) {
        case (.post, "list"?) where rest.count == 2:
            return .json(try await service.list(try caller(request), bucket: try ObjectPath.bucket(rest[1]), body: try await json(request)))
        case (.post, "move"?) where rest.count == 1:
            let caller = try caller(request)
            return .json(try await service.move(caller, try StorageService.transfer(try await json(request))))
        case (.post, "copy"?) where rest.count == 1:
            let caller = try caller(request)
            return .json(try await service.copy(caller, try StorageService.transfer(try await json(request))))
        case (.post, "sign"?) where rest.count == 2:
            return .json(try await service.signMany(try caller(request), bucket: try ObjectPath.bucket(rest[1]), body: try await json(request)))
        case (.post, "sign"?):
            let caller = try caller(request)
            let (bucket, name) = try Self.object(Array(rest.dropFirst()))
            return .json(try await service.sign(caller, bucket: bucket, name: name, body: try await json(request)))
        case (.get, "sign"?), (.head, "sign"?), (.get, "public"?), (.head, "public"?), (.get, "authenticated"?), (.head, "authenticated"?):
            return try await downloadRoute(request, rest, query: query)
        case (.post, "upload"?) where rest.dropFirst().first == "sign":
            let caller = try caller(request)
            let (bucket, name) = try Self.object(Array(rest.dropFirst(2)))
            return .json(try await service.signUpload(caller, bucket: bucket, name: name, upsert: Self.upsert(request)))
        case (.put, "upload"?) where rest.dropFirst().first == "sign":
            let (bucket, name) = try Self.object(Array(rest.dropFirst(2)))
            let grant = try service.verify(query["token"], .upload, bucket: bucket, name: name)
            let target = StorageService.UploadTarget(
                caller: StorageService.serviceRole, bucket: bucket, name: name, upsert: grant.upsert, owner: grant.owner)
            let id = try await service.upload(target, Self.input(request))
            return .json(#"{"Id":\#(id.jsonQuoted),"Key":\#((bucket + "/" + name).jsonQuoted)}"#)
        case (.get, "info"?):
            var path = Array(rest.dropFirst())
            let mode = path.first
            if mode == "public" || mode == "authenticated" { path.removeFirst() }
            let (bucket, name) = try Self.object(path)
            if mode == "public" { return .json(try await service.publicInfo(bucket: bucket, name: name)) }
            return .json(try await service.info(try caller(request), bucket: bucket, name: name))
        case (.delete, _?) where rest.count == 1:
            let caller = try caller(request)
            let bucket = try ObjectPath.bucket(rest[0])
            let body = try await json(request)
            guard case .array(let items)? = body["prefixes"] else { throw StorageError.invalidRequest("body must have required property 'prefixes'") }
            let names = items.compactMap(\.stringValue).filter { (try? ObjectPath.name($0)) != nil }
            return .json(try await service.remove(caller, bucket: bucket, names: names))
        case (.delete, _?):
            let caller = try caller(request)
            let (bucket, name) = try Self.object(rest)
            return .json(try await service.removeOne(caller, bucket: bucket, name: name))
        case (.post, _?), (.put, _?):
            let caller = try caller(request)
            let (bucket, name) = try Self.object(rest)
            let target = StorageService.UploadTarget(
                caller: caller, bucket: bucket, name: name, upsert: method == .put || Self.upsert(request), owner: nil)
            let id = try await service.upload(target, Self.input(request))
            return .json(#"{"Id":\#(id.jsonQuoted),"Key":\#((bucket + "/" + name).jsonQuoted)}"#)
        case (.get, _?), (.head, _?):
            return try await downloadRoute(request, ["authenticated"] + rest, query: query)
        default:
            throw Self.noRoute
        }
    }

    static func upsert(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("x-upsert")!]?.lowercased() == "true"
    }

    static func input(_ request: Request) -> UploadInput<RequestBody> {
        UploadInput(
            contentType: request.headers[.contentType], cacheControl: request.headers[.cacheControl],
            metadataHeader: request.headers[HTTPField.Name("x-metadata")!],
            contentLength: request.headers[.contentLength].flatMap { Int64($0) }, body: request.body)
    }

    // MARK: Downloads

    /// `[mode, bucket, path...]` with mode `authenticated`, `public` or `sign`.
    func downloadRoute(_ request: Request, _ segments: [String], query: [String: String]) async throws -> Response {
        guard let mode = segments.first else { throw Self.noRoute }
        let (bucket, name) = try Self.object(Array(segments.dropFirst()))
        let access: StorageService.ReadAccess
        switch mode {
        case "authenticated": access = .caller(try caller(request))
        case "public": access = .publicBucket
        case "sign":
            _ = try service.verify(query["token"], .download, bucket: bucket, name: name)
            access = .signed
        default: throw Self.noRoute
        }
        let object = try await service.stored(access, bucket: bucket, name: name)
        return try download(object, name: name, request: request, query: query)
    }

    func download(_ object: StorageService.StoredObject, name: String, request: Request, query: [String: String]) throws -> Response {
        var headers: HTTPFields = [
            .contentType: object.mimetype, .cacheControl: object.cacheControl, .lastModified: object.lastModified,
            .acceptRanges: "bytes",
        ]
        if let eTag = object.eTag { headers[.eTag] = eTag }
        // Stored bytes are the uploader's, served from the API's origin: never sniffed, never
        // allowed to run, and active types (HTML, SVG, …) only ever as attachments.
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = ActiveContent.contentSecurityPolicy
        if let download = query["download"] ?? (ActiveContent.isActive(object.mimetype) ? "" : nil) {
            let filename = download.isEmpty ? String(name.split(separator: "/").last ?? "") : download
            let plain = String(filename.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" })
            headers[.contentDisposition] = "attachment; filename=\"\(plain)\"; filename*=UTF-8''\(filename.percentEncoded(keepingSlash: false))"
        }
        if let eTag = object.eTag, request.headers[.ifNoneMatch] == eTag {
            return Response(status: .notModified, headers: headers)
        }
        var status = HTTPResponse.Status.ok
        var range: ByteRange?
        if let header = request.headers[.range], let requested = Self.range(header, size: object.size) {
            guard let resolved = requested else {
                var error = Self.response(for: .invalidRange(size: object.size), head: request.method == .head)
                error.headers[.contentRange] = "bytes */\(object.size)"
                return error
            }
            range = resolved
            status = .partialContent
            headers[.contentRange] = "bytes \(resolved.first)-\(resolved.last)/\(object.size)"
        }
        let length = range?.count ?? object.size
        headers[.contentLength] = String(length)
        guard request.method != .head, length > 0, let version = object.version else {
            return Response(status: status, headers: headers)
        }
        let store = service.store
        let chosen = range
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: Int(length)) { writer in
            try await store.read(version, range: chosen) { chunk in try await writer.write(chunk) }
            try await writer.finish(nil)
        })
    }

    /// A single `bytes=` range resolved against `size`: nil to ignore the header (malformed or
    /// several ranges: the whole object is sent), `.some(nil)` when it cannot be satisfied.
    static func range(_ header: String, size: Int64) -> ByteRange?? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst("bytes=".count).trimmingBlanks()
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]) else { return nil }
            guard suffix > 0, size > 0 else { return .some(nil) }
            return .some(ByteRange(first: max(0, size - suffix), last: size - 1))
        }
        guard let first = Int64(parts[0]), let last = parts[1].isEmpty ? Swift.max(first, size - 1) : Int64(parts[1]), last >= first else {
            return nil
        }
        guard first < size else { return .some(nil) }
        return .some(ByteRange(first: first, last: min(last, size - 1)))
    }
}
