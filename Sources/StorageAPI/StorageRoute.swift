import Core
import HTTPTypes

/// One operation of the Storage API, as a request's method and path below `/storage/v1` name it.
///
/// `parse(method:path:)` is the only place a request is routed: it splits the path on `/`,
/// percent-decodes each segment, and checks bucket ids and object names (`ObjectPath`) before
/// anything else runs, so a malformed path is refused the same way whoever sends it. `method`
/// and `path` render a route back; parsing a rendering gives the route again for every bucket
/// whose id is not one of the route words (`ObjectPath.reservedBucketNames`), which is why
/// buckets cannot be created under those names.
enum StorageRoute: Equatable, Sendable {
    /// How a download is authorised, by the path word that selects it.
    enum Access: String, Equatable, Sendable, CaseIterable {
        /// As the caller: row-level security decides.
        case authenticated
        /// Anyone, when the bucket is public.
        case `public`
        /// Anyone holding a signed URL's token for the object (`?token=`).
        case signed = "sign"
    }

    /// `GET bucket`
    case listBuckets
    /// `POST bucket`
    case createBucket
    /// `GET bucket/<id>`
    case getBucket(id: String)
    /// `PUT bucket/<id>`
    case updateBucket(id: String)
    /// `DELETE bucket/<id>`
    case deleteBucket(id: String)
    /// `POST bucket/<id>/empty`
    case emptyBucket(id: String)
    /// `POST object/list/<bucket>`
    case listObjects(bucket: String)
    /// `POST object/list-v2/<bucket>`: cursor-based listing.
    case listObjectsV2(bucket: String)
    /// `POST object/move`
    case move
    /// `POST object/copy`
    case copy
    /// `POST object/sign/<bucket>`: signed download URLs for several objects.
    case signMany(bucket: String)
    /// `POST object/sign/<bucket>/<name>`
    case sign(bucket: String, name: String)
    /// `GET` or `HEAD` `object/<access>/<bucket>/<name>`; also reached by `object/<bucket>/<name>`
    /// (as the caller) and `render/image/<access>/<bucket>/<name>` (transformations are optional:
    /// the original is served).
    case download(Access, bucket: String, name: String)
    /// `POST object/upload/sign/<bucket>/<name>`: a signed upload URL.
    case signUpload(bucket: String, name: String)
    /// `PUT object/upload/sign/<bucket>/<name>?token=`: an upload through a signed URL.
    case uploadSigned(bucket: String, name: String)
    /// `GET object/info/[public/|authenticated/]<bucket>/<name>`
    case info(bucket: String, name: String, isPublic: Bool)
    /// `DELETE object/<bucket>` with the names in the body.
    case removeMany(bucket: String)
    /// `DELETE object/<bucket>/<name>`
    case removeOne(bucket: String, name: String)
    /// `POST` (upsert only with `x-upsert: true`) or `PUT` (always upsert) `object/<bucket>/<name>`.
    case upload(bucket: String, name: String, upsert: Bool)

    /// The prefix of every Storage path.
    static let prefix = "/storage/v1"

    /// Whether the route acts for a caller, who must send a bearer token. Public downloads and
    /// info, and signed downloads and uploads (their token is the grant), need none.
    var needsCaller: Bool {
        switch self {
        case .download(.public, _, _), .download(.signed, _, _), .info(_, _, isPublic: true), .uploadSigned: false
        default: true
        }
    }

    // MARK: Parsing

    /// The route a request's method and path (`/storage/v1/…`, without the query) name: a
    /// trailing slash is tolerated, segments are percent-decoded; `noRoute` when no operation
    /// has this shape, `invalidKey` or `invalidBucketName` when one does but its names are bad.
    static func parse(method: HTTPRequest.Method, path: String) throws(StorageError) -> StorageRoute {
        let segments = try segments(of: path)
        guard let first = segments.first else { throw .noRoute }
        let rest = Array(segments.dropFirst())
        switch first {
        case "bucket": return try bucketRoute(method, rest)
        case "object": return try objectRoute(method, rest)
        case "render" where rest.first == "image" && (method == .get || method == .head):
            return try downloadRoute(rest.dropFirst())
        default: throw .noRoute
        }
    }

    /// The path below the prefix, split on `/` and percent-decoded segment by segment.
    static func segments(of path: String) throws(StorageError) -> [String] {
        guard path.hasPrefix(prefix) else { throw .noRoute }
        let rest = path.dropFirst(prefix.count)
        guard rest.isEmpty || rest.first == "/" else { throw .noRoute }
        var raw = rest.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if raw.last == "" { raw = raw.dropLast() }  // a trailing slash is tolerated
        return try raw.map { segment throws(StorageError) in
            guard let decoded = ObjectPath.percentDecoded(segment) else { throw .invalidKey(String(segment)) }
            return decoded
        }
    }

    /// `bucket/…`
    private static func bucketRoute(_ method: HTTPRequest.Method, _ rest: [String]) throws(StorageError) -> StorageRoute {
        switch (method, rest.count) {
        case (.get, 0): return .listBuckets
        case (.post, 0): return .createBucket
        case (.get, 1): return .getBucket(id: try ObjectPath.bucket(rest[0]))
        case (.put, 1): return .updateBucket(id: try ObjectPath.bucket(rest[0]))
        case (.delete, 1): return .deleteBucket(id: try ObjectPath.bucket(rest[0]))
        case (.post, 2) where rest[1] == "empty": return .emptyBucket(id: try ObjectPath.bucket(rest[0]))
        default: throw .noRoute
        }
    }

    /// `object/…`: the route words first, then `<bucket>/<name>` by method.
    private static func objectRoute(_ method: HTTPRequest.Method, _ rest: [String]) throws(StorageError) -> StorageRoute {
        guard let word = rest.first else { throw .noRoute }
        let afterWord = rest.dropFirst()
        switch (method, word) {
        case (.post, "list") where rest.count == 2: return .listObjects(bucket: try ObjectPath.bucket(rest[1]))
        case (.post, "list-v2") where rest.count == 2: return .listObjectsV2(bucket: try ObjectPath.bucket(rest[1]))
        case (.post, "move") where rest.count == 1: return .move
        case (.post, "copy") where rest.count == 1: return .copy
        case (.post, "sign") where rest.count == 2: return .signMany(bucket: try ObjectPath.bucket(rest[1]))
        case (.post, "sign"):
            let (bucket, name) = try bucketAndName(afterWord)
            return .sign(bucket: bucket, name: name)
        case (.get, "sign"), (.head, "sign"), (.get, "public"), (.head, "public"), (.get, "authenticated"), (.head, "authenticated"):
            return try downloadRoute(rest[...])
        case (.post, "upload") where afterWord.first == "sign":
            let (bucket, name) = try bucketAndName(afterWord.dropFirst())
            return .signUpload(bucket: bucket, name: name)
        case (.put, "upload") where afterWord.first == "sign":
            let (bucket, name) = try bucketAndName(afterWord.dropFirst())
            return .uploadSigned(bucket: bucket, name: name)
        case (.get, "info"):
            // `HEAD object/info/…` is not info: it falls to the download of bucket `info` below.
            var path = afterWord
            let mode = path.first
            if mode == "public" || mode == "authenticated" { path = path.dropFirst() }
            let (bucket, name) = try bucketAndName(path)
            return .info(bucket: bucket, name: name, isPublic: mode == "public")
        case (.delete, _) where rest.count == 1: return .removeMany(bucket: try ObjectPath.bucket(word))
        case (.delete, _):
            let (bucket, name) = try bucketAndName(rest[...])
            return .removeOne(bucket: bucket, name: name)
        case (.post, _), (.put, _):
            let (bucket, name) = try bucketAndName(rest[...])
            return .upload(bucket: bucket, name: name, upsert: method == .put)
        case (.get, _), (.head, _):
            let (bucket, name) = try bucketAndName(rest[...])
            return .download(.authenticated, bucket: bucket, name: name)
        default: throw .noRoute
        }
    }

    /// `<access>/<bucket>/<name…>`: the object is checked before the access word.
    private static func downloadRoute(_ segments: ArraySlice<String>) throws(StorageError) -> StorageRoute {
        guard let word = segments.first else { throw .noRoute }
        let (bucket, name) = try bucketAndName(segments.dropFirst())
        guard let access = Access(rawValue: word) else { throw .noRoute }
        return .download(access, bucket: bucket, name: name)
    }

    /// `bucket` and `name` from `[bucket, segment, …]`.
    private static func bucketAndName(_ segments: ArraySlice<String>) throws(StorageError) -> (bucket: String, name: String) {
        guard segments.count >= 2, let first = segments.first else { throw segments.isEmpty ? .noRoute : .invalidKey("") }
        return (try ObjectPath.bucket(first), try ObjectPath.name(segments.dropFirst().joined(separator: "/")))
    }

    // MARK: Rendering

    /// The method a client sends for this route (`GET` for downloads, which `HEAD` also reaches).
    var method: HTTPRequest.Method {
        switch self {
        case .listBuckets, .getBucket, .download, .info: .get
        case .createBucket, .emptyBucket, .listObjects, .listObjectsV2, .move, .copy, .signMany, .sign, .signUpload: .post
        case .updateBucket, .uploadSigned: .put
        case .deleteBucket, .removeMany, .removeOne: .delete
        case .upload(_, _, let upsert): upsert ? .put : .post
        }
    }

    /// The route's path, `/storage/v1/…`, percent-encoded; downloads and info name their access
    /// word, so the path means the same whatever the bucket is called.
    var path: String {
        func object(_ bucket: String, _ name: String) -> String {
            bucket.percentEncoded(keepingSlash: false) + "/" + ObjectPath.encoded(name)
        }
        let rest: String
        switch self {
        case .listBuckets, .createBucket: rest = "bucket"
        case .getBucket(let id), .updateBucket(let id), .deleteBucket(let id): rest = "bucket/" + id.percentEncoded(keepingSlash: false)
        case .emptyBucket(let id): rest = "bucket/" + id.percentEncoded(keepingSlash: false) + "/empty"
        case .listObjects(let bucket): rest = "object/list/" + bucket.percentEncoded(keepingSlash: false)
        case .listObjectsV2(let bucket): rest = "object/list-v2/" + bucket.percentEncoded(keepingSlash: false)
        case .move: rest = "object/move"
        case .copy: rest = "object/copy"
        case .signMany(let bucket): rest = "object/sign/" + bucket.percentEncoded(keepingSlash: false)
        case .sign(let bucket, let name): rest = "object/sign/" + object(bucket, name)
        case .download(let access, let bucket, let name): rest = "object/" + access.rawValue + "/" + object(bucket, name)
        case .signUpload(let bucket, let name), .uploadSigned(let bucket, let name): rest = "object/upload/sign/" + object(bucket, name)
        case .info(let bucket, let name, let isPublic):
            rest = "object/info/" + (isPublic ? "public/" : "authenticated/") + object(bucket, name)
        case .removeMany(let bucket): rest = "object/" + bucket.percentEncoded(keepingSlash: false)
        case .removeOne(let bucket, let name), .upload(let bucket, let name, _): rest = "object/" + object(bucket, name)
        }
        return Self.prefix + "/" + rest
    }
}
