import AppConfig
import Core
import Database
import Foundation
import Logging
import NIOCore
import ObjectStore
import Tokens

/// The Storage API's operations. Every metadata read and write runs in the caller's role on the
/// API pool, so row-level security on `storage.buckets` and `storage.objects` decides what the
/// caller may do; bytes go to and come from the object store.
///
/// A write stages its bytes first, then writes the row, publishes the bytes under a fresh
/// version key and commits: a failure at any step leaves neither row nor bytes (bytes already
/// published are deleted again). Bytes a committed change no longer names (deleted or
/// overwritten objects) are queued by a trigger and removed by `StorageSweeper`, which the
/// trigger wakes.
public struct StorageService: Sendable {
    let runner: APIRequestRunner
    let callers: CallerResolver
    let store: any ObjectStore
    let urls: SignedURLs
    let settings: StorageSettings
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        runner: APIRequestRunner, callers: CallerResolver, store: any ObjectStore, projectSecret: String,
        settings: StorageSettings, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.runner = runner
        self.callers = callers
        self.store = store
        urls = SignedURLs(projectSecret: projectSecret)
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// Start-up work of the object store.
    public func prepare() async throws {
        try await store.prepare()
    }

    // MARK: Callers and transactions

    /// The caller of a route that needs a bearer: 403 `Unauthorized` with the verifier's message otherwise.
    func caller(bearer: String?, apiKey: String?) throws(StorageError) -> Caller {
        guard let bearer else { throw .missingAuthorization }
        do {
            return try callers.resolve(bearer: bearer, apiKey: apiKey)
        } catch {
            throw .unauthorized(StorageError.verifierMessage(error))
        }
    }

    static let serviceRole = Caller.apiKey(role: "service_role")
    static let anonymous = Caller.apiKey(role: "anon")

    /// Runs `body` as `caller`, with database refusals turned into Storage errors.
    func transaction<T: Sendable>(
        _ caller: Caller, readOnly: Bool = false, rollback: Bool = false, foreignKey: StorageError = .bucketNotFound,
        _ body: (SQLTransaction) async throws -> T
    ) async throws -> T {
        do {
            return try await runner.transaction(role: caller.role, claims: caller.claims, readOnly: readOnly, rollback: rollback, body)
        } catch let error as DatabaseError {
            if let mapped = StorageError.database(error, foreignKey: foreignKey) { throw mapped }
            throw error
        }
    }

    func text(_ caller: Caller, _ statement: SQLStatement, readOnly: Bool = true) async throws -> String? {
        try await transaction(caller, readOnly: readOnly) { try await $0.text(statement) }
    }

    // MARK: Buckets

    func listBuckets(_ caller: Caller, query: [String: String]) async throws -> String {
        let limit = query["limit"].flatMap { Int($0) }.map { max(0, $0) }
        let offset = query["offset"].flatMap { Int($0) }.map { max(0, $0) } ?? 0
        let statement = StorageSQL.listBuckets(
            limit: limit, offset: offset, sortColumn: query["sortColumn"] ?? "name",
            ascending: query["sortOrder"]?.lowercased() != "desc", search: query["search"].flatMap { $0.isEmpty ? nil : $0 })
        return try await text(caller, statement) ?? "[]"
    }

    func bucket(_ caller: Caller, id: String) async throws -> String {
        guard let json = try await text(caller, StorageSQL.bucket(try ObjectPath.bucket(id))) else { throw StorageError.bucketNotFound }
        return json
    }

    func createBucket(_ caller: Caller, body: [String: JSONValue]) async throws -> String {
        guard let id = (body["id"] ?? body["name"])?.stringValue else { throw StorageError.invalidRequest("body must have required property 'name'") }
        let bucketID = try ObjectPath.newBucket(id)
        let name = try ObjectPath.newBucket(body["name"]?.stringValue ?? bucketID)
        let sizeLimit = try Self.sizeLimit(body["file_size_limit"]) ?? nil
        let mimeTypes = try Self.mimeTypes(body["allowed_mime_types"]) ?? nil
        let isPublic = Self.bool(body["public"]) ?? false
        _ = try await transaction(caller) { tx in
            try await tx.text(StorageSQL.createBucket(id: bucketID, name: name, isPublic: isPublic, sizeLimit: sizeLimit, mimeTypes: mimeTypes))
        }
        return #"{"name":\#(name.jsonQuoted)}"#
    }

    func updateBucket(_ caller: Caller, id: String, body: [String: JSONValue]) async throws -> String {
        let statement = StorageSQL.updateBucket(
            id: try ObjectPath.bucket(id), isPublic: Self.bool(body["public"]),
            sizeLimit: try Self.sizeLimit(body["file_size_limit"]), mimeTypes: try Self.mimeTypes(body["allowed_mime_types"]))
        guard try await text(caller, statement, readOnly: false) != nil else { throw StorageError.bucketNotFound }
        return #"{"message":"Successfully updated"}"#
    }

    func emptyBucket(_ caller: Caller, id: String) async throws -> String {
        guard try await text(caller, StorageSQL.emptyBucket(try ObjectPath.bucket(id)), readOnly: false) != nil else {
            throw StorageError.bucketNotFound
        }
        return #"{"message":"Successfully emptied"}"#
    }

    func deleteBucket(_ caller: Caller, id: String) async throws -> String {
        let deleted = try await transaction(caller, foreignKey: .bucketNotEmpty) { tx in
            try await tx.text(StorageSQL.deleteBucket(try ObjectPath.bucket(id)))
        }
        guard deleted != nil else { throw StorageError.bucketNotFound }
        return #"{"message":"Successfully deleted"}"#
    }

    /// `file_size_limit`: absent → nil; null → .some(nil); bytes as a number, or a string such
    /// as `"5MB"` (B, KB, MB, GB with 1024 steps).
    static func sizeLimit(_ value: JSONValue?) throws(StorageError) -> Int?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .number(let number)? where number >= 1 && number < 9e15 && number.rounded() == number: return .some(Int(number))
        case .string(let text)?:
            let trimmed = text.trimmingBlanks().uppercased()
            let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
            let (digits, factor) = units.first { trimmed.hasSuffix($0.0) }.map { (String(trimmed.dropLast($0.0.count)).trimmingBlanks(), $0.1) } ?? (trimmed, 1)
            guard let number = Double(digits), number > 0, number * Double(factor) < 9e15 else {
                throw .invalidRequest("invalid file_size_limit \(text)")
            }
            return .some(Int(number * Double(factor)))
        default: throw .invalidRequest("invalid file_size_limit")
        }
    }

    static func mimeTypes(_ value: JSONValue?) throws(StorageError) -> [String]?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .array(let items)?:
            let types = items.compactMap(\.stringValue)
            guard types.count == items.count else { throw .invalidRequest("allowed_mime_types must be strings") }
            return .some(types)
        default: throw .invalidRequest("allowed_mime_types must be an array")
        }
    }

    static func bool(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: return flag
        case .string(let text)?: return text.lowercased() == "true" ? true : (text.lowercased() == "false" ? false : nil)
        default: return nil
        }
    }

    static func integer(_ value: JSONValue?) -> Int? {
        switch value {
        case .number(let number)? where number.rounded() == number && abs(number) < 9e15: return Int(number)
        case .string(let text)?: return Int(text.trimmingBlanks())
        default: return nil
        }
    }

    // MARK: Uploads

    struct Limits: Decodable {
        var file_size_limit: Int64?
        var allowed_mime_types: [String]?
    }

    /// Where an upload goes and in whose name.
    struct UploadTarget: Sendable {
        var caller: Caller
        var bucket: String
        var name: String
        var upsert: Bool
        /// The owner to record when the caller is not the owner (a signed upload runs as
        /// service_role on behalf of the user who created the URL).
        var owner: String?
    }

    /// Stores an upload: checks the bucket and the caller's right to write the row before reading
    /// a byte, streams the body into the store, then writes the row and publishes the bytes in
    /// one transaction. Answers the object's id.
    func upload<Body>(_ target: UploadTarget, _ input: UploadInput<Body>) async throws -> String {
        let limits: Limits = try await transaction(target.caller, rollback: true) { tx in
            guard let json = try await tx.text(StorageSQL.bucketLimits(target.bucket)) else { throw StorageError.bucketNotFound }
            _ = try await tx.text(StorageSQL.probeWrite(bucket: target.bucket, name: target.name, owner: target.owner, upsert: target.upsert))
            return try JSONDecoder().decode(Limits.self, from: Data(json.utf8))
        }
        let limit = min(settings.maxUploadSize, limits.file_size_limit ?? .max)
        let writer = try await store.makeWriter()
        let received: ReceivedUpload
        do {
            received = try await UploadReceiver.receive(input, limit: limit, allowedMimeTypes: limits.allowed_mime_types, into: writer)
        } catch {
            await writer.discard()
            throw error
        }
        let write = StorageSQL.Write(
            bucket: target.bucket, name: target.name, owner: target.owner, version: Self.newVersion(),
            eTag: received.written.md5, size: received.written.size, mimeType: received.mimeType,
            cacheControl: received.cacheControl, userMetadata: received.userMetadata, upsert: target.upsert)
        return try await commit(target.caller, writing: writer, as: write.version) { tx in
            guard let id = try await tx.text(StorageSQL.writeObject(write)) else { throw StorageError.internalError }
            return id
        }
    }

    /// Runs `body` (the row change) as `caller`, then publishes the staged bytes under `version`
    /// before the commit; on any failure the bytes go again.
    func commit<T: Sendable>(
        _ caller: Caller, writing writer: any ObjectWriter, as version: String, _ body: (SQLTransaction) async throws -> T
    ) async throws -> T {
        var published = false
        do {
            let result = try await transaction(caller) { tx in
                let result = try await body(tx)
                try await writer.publish(as: version)
                published = true
                return result
            }
            return result
        } catch {
            await writer.discard()
            if published { await deleteBytes(version) }
            throw error
        }
    }

    /// Deletes bytes no row names, in a task of its own so a cancelled request still cleans up.
    func deleteBytes(_ version: String) async {
        let store = store
        do {
            try await Task { try await store.delete(version) }.value
        } catch {
            logger.error("could not delete unused object bytes", metadata: ["version": "\(version)", "error": "\(error)"])
        }
    }

    static func newVersion() -> String {
        UUID().uuidString.lowercased()
    }

    // MARK: Reads

    /// What a download needs to know of a stored object.
    struct StoredObject: Decodable, Sendable {
        var version: String?
        var size: Int64
        var mimetype: String
        var cacheControl: String
        var eTag: String?
        var lastModified: String
    }

    /// How a download is authorised.
    enum ReadAccess: Sendable {
        case caller(Caller)
        case publicBucket
        case signed
    }

    func stored(_ access: ReadAccess, bucket: String, name: String) async throws -> StoredObject {
        let json: String?
        switch access {
        case .caller(let caller):
            json = try await text(caller, StorageSQL.stored(bucket: bucket, name: name))
        case .signed:
            json = try await text(Self.serviceRole, StorageSQL.stored(bucket: bucket, name: name))
        case .publicBucket:
            json = try await transaction(Self.anonymous, readOnly: true) { tx in
                guard try await tx.text(StorageSQL.isPublicBucket(bucket)) == "true" else { throw StorageError.bucketNotFound }
                return try await tx.text(StorageSQL.stored(bucket: bucket, name: name))
            }
        }
        guard let json, let object = try? JSONDecoder().decode(StoredObject.self, from: Data(json.utf8)), object.version != nil else {
            throw StorageError.objectNotFound
        }
        return object
    }

    func info(_ caller: Caller, bucket: String, name: String) async throws -> String {
        guard let json = try await text(caller, StorageSQL.info(bucket: bucket, name: name)) else { throw StorageError.objectNotFound }
        return json
    }

    func publicInfo(bucket: String, name: String) async throws -> String {
        let json = try await transaction(Self.anonymous, readOnly: true) { tx in
            guard try await tx.text(StorageSQL.isPublicBucket(bucket)) == "true" else { throw StorageError.bucketNotFound }
            return try await tx.text(StorageSQL.info(bucket: bucket, name: name))
        }
        guard let json else { throw StorageError.objectNotFound }
        return json
    }

    func list(_ caller: Caller, bucket: String, body: [String: JSONValue]) async throws -> String {
        var prefix = body["prefix"]?.stringValue ?? ""
        while prefix.hasSuffix("/") { prefix.removeLast() }
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        if !prefix.isEmpty { _ = try ObjectPath.name(prefix) }
        let sort = body["sortBy"]?.objectValue
        let search = body["search"]?.stringValue
        let listing = StorageSQL.Listing(
            bucket: bucket, prefix: prefix, search: search?.isEmpty == false ? search : nil,
            limit: max(0, min(Self.integer(body["limit"]) ?? 100, 10_000)), offset: max(0, Self.integer(body["offset"]) ?? 0),
            sortColumn: sort?["column"]?.stringValue ?? "name", ascending: sort?["order"]?.stringValue?.lowercased() != "desc")
        return try await text(caller, StorageSQL.list(listing)) ?? "[]"
    }

    // MARK: Changes

    func remove(_ caller: Caller, bucket: String, names: [String]) async throws -> String {
        let json = try await text(caller, StorageSQL.deleteObjects(bucket: bucket, names: names), readOnly: false) ?? "[]"
        return json
    }

    func removeOne(_ caller: Caller, bucket: String, name: String) async throws -> String {
        guard try await remove(caller, bucket: bucket, names: [name]) != "[]" else { throw StorageError.objectNotFound }
        return #"{"message":"Successfully deleted"}"#
    }

    struct Transfer {
        var bucket: String
        var source: String
        var destinationBucket: String
        var destination: String
    }

    static func transfer(_ body: [String: JSONValue]) throws(StorageError) -> Transfer {
        guard let bucket = body["bucketId"]?.stringValue, let source = body["sourceKey"]?.stringValue,
              let destination = body["destinationKey"]?.stringValue
        else { throw .invalidRequest("body must have bucketId, sourceKey and destinationKey") }
        return Transfer(
            bucket: try ObjectPath.bucket(bucket), source: try ObjectPath.name(source),
            destinationBucket: try ObjectPath.bucket(body["destinationBucket"]?.stringValue ?? bucket),
            destination: try ObjectPath.name(destination))
    }

    func move(_ caller: Caller, _ transfer: Transfer) async throws -> String {
        let id = try await text(
            caller, StorageSQL.move(from: transfer.bucket, transfer.source, to: transfer.destinationBucket, transfer.destination), readOnly: false)
        guard let id else { throw StorageError.objectNotFound }
        return #"{"message":"Successfully moved","Id":\#(id.jsonQuoted),"Key":\#((transfer.destinationBucket + "/" + transfer.destination).jsonQuoted)}"#
    }

    struct CopiedRow: Decodable {
        var id: String
        var source: String
    }

    func copy(_ caller: Caller, _ transfer: Transfer) async throws -> String {
        let version = Self.newVersion()
        var copied = false
        do {
            let row = try await transaction(caller) { tx -> CopiedRow in
                let statement = StorageSQL.copy(
                    from: transfer.bucket, transfer.source, to: transfer.destinationBucket, transfer.destination, version: version)
                guard let json = try await tx.text(statement) else { throw StorageError.objectNotFound }
                let row = try JSONDecoder().decode(CopiedRow.self, from: Data(json.utf8))
                try await store.copy(row.source, to: version)
                copied = true
                return row
            }
            return #"{"Id":\#(row.id.jsonQuoted),"Key":\#((transfer.destinationBucket + "/" + transfer.destination).jsonQuoted)}"#
        } catch {
            if copied { await deleteBytes(version) }
            throw error
        }
    }

    // MARK: Signed URLs

    func expiry(_ value: JSONValue?) throws(StorageError) -> Int {
        guard let seconds = Self.integer(value), seconds > 0 else { throw .invalidRequest("expiresIn must be a positive integer") }
        guard seconds <= settings.signedURLMaxExpiry else {
            throw .invalidRequest("expiresIn must be at most \(settings.signedURLMaxExpiry) seconds")
        }
        return seconds
    }

    func signedURL(bucket: String, name: String, expiresIn: Int) throws -> String {
        let token = try urls.token(.download, bucket: bucket, name: name, now: now(), expiresIn: expiresIn)
        return "/object/sign/\(ObjectPath.encoded(bucket))/\(ObjectPath.encoded(name))?token=\(token)"
    }

    func sign(_ caller: Caller, bucket: String, name: String, body: [String: JSONValue]) async throws -> String {
        let seconds = try expiry(body["expiresIn"])
        guard try await text(caller, StorageSQL.visibleNames(bucket: bucket, names: [name])) != "[]" else { throw StorageError.objectNotFound }
        return #"{"signedURL":\#(try signedURL(bucket: bucket, name: name, expiresIn: seconds).jsonQuoted)}"#
    }

    func signMany(_ caller: Caller, bucket: String, body: [String: JSONValue]) async throws -> String {
        let seconds = try expiry(body["expiresIn"])
        guard case .array(let items)? = body["paths"] else { throw StorageError.invalidRequest("body must have required property 'paths'") }
        let paths = items.compactMap(\.stringValue)
        let valid = paths.filter { (try? ObjectPath.name($0)) != nil }
        let visibleJSON = try await text(caller, StorageSQL.visibleNames(bucket: bucket, names: valid)) ?? "[]"
        let visible = Set((try? JSONDecoder().decode([String].self, from: Data(visibleJSON.utf8))) ?? [])
        var entries: [String] = []
        for path in paths {
            if visible.contains(path) {
                let url = try signedURL(bucket: bucket, name: path, expiresIn: seconds)
                entries.append(#"{"error":null,"path":\#(path.jsonQuoted),"signedURL":\#(url.jsonQuoted)}"#)
            } else {
                entries.append(
                    #"{"error":"Either the object does not exist or you do not have access to it","path":\#(path.jsonQuoted),"signedURL":null}"#)
            }
        }
        return "[" + entries.joined(separator: ",") + "]"
    }

    /// A signed upload URL, after checking (in a rolled-back dry run) that the caller may write the object.
    func signUpload(_ caller: Caller, bucket: String, name: String, upsert: Bool) async throws -> String {
        _ = try await transaction(caller, rollback: true) { tx in
            guard try await tx.text(StorageSQL.bucketLimits(bucket)) != nil else { throw StorageError.bucketNotFound }
            return try await tx.text(StorageSQL.probeWrite(bucket: bucket, name: name, owner: nil, upsert: upsert))
        }
        let token = try urls.token(
            .upload, bucket: bucket, name: name, now: now(), expiresIn: settings.signedUploadExpiry, owner: caller.subject, upsert: upsert)
        let url = "/object/upload/sign/\(ObjectPath.encoded(bucket))/\(ObjectPath.encoded(name))?token=\(token)"
        return #"{"url":\#(url.jsonQuoted),"token":\#(token.jsonQuoted)}"#
    }

    func verify(_ token: String?, _ scope: SignedURLs.Scope, bucket: String, name: String) throws(StorageError) -> SignedURLs.Grant {
        try urls.verify(token, scope, bucket: bucket, name: name, now: now())
    }
}
