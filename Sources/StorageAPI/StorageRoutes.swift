import Core
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import NIOFoundationEssentialsCompat
import ObjectStore
import Tokens

/// Registers `/storage/v1/**` behind the surface's edge — the error middleware (Storage's
/// envelope for everything thrown below it) and the caller middleware (the route, then, for a
/// route that acts for a caller, the bearer) — and answers each `StorageRoute` from the service.
///
/// Routes open to anyone (public and signed downloads, public info, signed uploads) share their
/// paths with routes that act for a caller, so both kinds are in one group; the handlers of the
/// latter take the caller from a `CallerRequestContext`, which cannot exist without one.
public struct StorageRoutes: Sendable {
    let service: StorageService
    /// Largest JSON body accepted.
    let jsonLimit = 1 << 20

    public init(service: StorageService) {
        self.service = service
    }

    public func register(on router: Router<AppRequestContext>) {
        let callers = service.callers
        let storage = router.group("storage/v1")
            .add(middleware: ErrorMiddleware(StorageError.self, surface: "storage"))
            .add(middleware: CallerMiddleware { request in
                guard try StorageRoute.parse(method: request.method, path: request.uri.path).needsCaller else { return nil }
                let credentials = request.credentials
                guard let bearer = credentials.bearer else { throw StorageError.missingAuthorization }
                return try callers.resolve(bearer: bearer, apiKey: credentials.apiKey)
            })
        for method in [HTTPRequest.Method.get, .head, .post, .put, .delete] {
            storage.on("", method: method) { request, context in try await handle(request, context: context) }
            storage.on("**", method: method) { request, context in try await handle(request, context: context) }
        }
    }

    /// Routes the request again (the caller middleware kept only the caller) and answers it.
    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let route = try StorageRoute.parse(method: request.method, path: request.uri.path)
        let query = Dictionary(ObjectPath.query(request.uri.query), uniquingKeysWith: { first, _ in first })
        guard route.needsCaller else { return try await respondOpenly(to: route, request, query: query) }
        return try await respond(to: route, request, query: query, context: CallerRequestContext(context: context))
    }

    /// A route open to anyone: the bucket is public, or the signed URL's token is the grant.
    func respondOpenly(to route: StorageRoute, _ request: Request, query: [String: String]) async throws -> Response {
        switch route {
        case .download(.public, let bucket, let name):
            return try await download(.publicBucket, bucket: bucket, name: name, request: request, query: query)
        case .download(.signed, let bucket, let name):
            _ = try service.verify(query["token"], .download, bucket: bucket, name: name)
            return try await download(.signed, bucket: bucket, name: name, request: request, query: query)
        case .info(let bucket, let name, isPublic: true):
            return .json(try await service.publicInfo(bucket: bucket, name: name))
        case .uploadSigned(let bucket, let name):
            let grant = try service.verify(query["token"], .upload, bucket: bucket, name: name)
            let target = StorageService.UploadTarget(
                caller: StorageService.serviceRole, bucket: bucket, name: name, upsert: grant.upsert, owner: grant.owner)
            return try await uploaded(target, request)
        default:
            // Every other route acts for a caller, and is never answered without one.
            throw CallerRequired()
        }
    }

    /// A route that acts for the caller of `context`.
    func respond(
        to route: StorageRoute, _ request: Request, query: [String: String], context: CallerRequestContext
    ) async throws -> Response {
        let caller = context.caller
        switch route {
        case .listBuckets: return .json(try await service.listBuckets(caller, query: query))
        case .createBucket: return .json(try await service.createBucket(caller, body: try await json(request)))
        case .getBucket(let id): return .json(try await service.bucket(caller, id: id))
        case .updateBucket(let id): return .json(try await service.updateBucket(caller, id: id, body: try await json(request)))
        case .deleteBucket(let id): return .json(try await service.deleteBucket(caller, id: id))
        case .emptyBucket(let id): return .json(try await service.emptyBucket(caller, id: id))
        case .listObjects(let bucket): return .json(try await service.list(caller, bucket: bucket, body: try await json(request)))
        case .listObjectsV2(let bucket): return .json(try await service.listV2(caller, bucket: bucket, body: try await json(request)))
        case .move: return .json(try await service.move(caller, try StorageService.transfer(try await json(request))))
        case .copy: return .json(try await service.copy(caller, try StorageService.transfer(try await json(request))))
        case .signMany(let bucket): return .json(try await service.signMany(caller, bucket: bucket, body: try await json(request)))
        case .sign(let bucket, let name):
            return .json(try await service.sign(caller, bucket: bucket, name: name, body: try await json(request)))
        case .download(.authenticated, let bucket, let name):
            return try await download(.caller(caller), bucket: bucket, name: name, request: request, query: query)
        case .signUpload(let bucket, let name):
            return .json(try await service.signUpload(caller, bucket: bucket, name: name, upsert: Self.upsert(request)))
        case .info(let bucket, let name, isPublic: false): return .json(try await service.info(caller, bucket: bucket, name: name))
        case .removeMany(let bucket):
            let body = try await json(request)
            guard case .array(let items)? = body["prefixes"] else { throw StorageError.invalidRequest("body must have required property 'prefixes'") }
            let names = items.compactMap(\.stringValue).filter { (try? ObjectPath.name($0)) != nil }
            return .json(try await service.remove(caller, bucket: bucket, names: names))
        case .removeOne(let bucket, let name): return .json(try await service.removeOne(caller, bucket: bucket, name: name))
        case .upload(let bucket, let name, let upsert):
            let target = StorageService.UploadTarget(
                caller: caller, bucket: bucket, name: name, upsert: upsert || Self.upsert(request), owner: nil)
            return try await uploaded(target, request)
        case .download(.public, _, _), .download(.signed, _, _), .info(_, _, isPublic: true), .uploadSigned:
            // Open routes need no caller; having one changes nothing.
            return try await respondOpenly(to: route, request, query: query)
        }
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

    /// Stores the request's body as `target` and answers `{"Id","Key"}`.
    func uploaded(_ target: StorageService.UploadTarget, _ request: Request) async throws -> Response {
        let id = try await service.upload(target, Self.input(request))
        return .json(#"{"Id":\#(id.jsonQuoted),"Key":\#((target.bucket + "/" + target.name).jsonQuoted)}"#)
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

    /// The object's bytes (or headers), read with `access`.
    func download(
        _ access: StorageService.ReadAccess, bucket: String, name: String, request: Request, query: [String: String]
    ) async throws -> Response {
        let object = try await service.stored(access, bucket: bucket, name: name)
        return try download(object, name: name, request: request, query: query)
    }

    /// `Content-Disposition` as Supabase Storage writes it: `attachment;` for a bare `?download`,
    /// else `attachment; filename=<name>; filename*=UTF-8''<name>`, the name URI-component encoded
    /// (so no quote, semicolon or line break of a name reaches the header).
    static func contentDisposition(download name: String) -> String {
        guard !name.isEmpty else { return "attachment;" }
        let encoded = name.uriComponentEncoded
        return "attachment; filename=\(encoded); filename*=UTF-8''\(encoded)"
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
            headers[.contentDisposition] = Self.contentDisposition(download: download)
        }
        if let eTag = object.eTag, request.headers[.ifNoneMatch] == eTag {
            return Response(status: .notModified, headers: headers)
        }
        var status = HTTPResponse.Status.ok
        var range: ByteRange?
        if let header = request.headers[.range], let requested = Self.range(header, size: object.size) {
            guard let resolved = requested else {
                var error = StorageError.invalidRange(size: object.size).response(head: request.method == .head)
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
            try await store.read(version, range: chosen) { chunk in
                try await writer.write(chunk)
                StorageMetrics.bytes("out", chunk.readableBytes)
            }
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
