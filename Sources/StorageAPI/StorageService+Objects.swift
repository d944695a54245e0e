import AppConfig
import Core
import Database
import Foundation
import Logging
import NIOCore
import ObjectStore
import Tokens

/// Objects: uploads (bytes first, then row and publication in one transaction), reads,
/// listing, and changes (remove, move, copy).
extension StorageService {
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
        let id = try await commit(target.caller, writing: writer, as: write.version) { tx in
            guard let id = try await tx.text(StorageSQL.writeObject(write)) else { throw StorageError.internalError }
            return id
        }
        StorageMetrics.bytes("in", received.written.size)
        return id
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
            limit: min(try Self.integer(body["limit"], "limit", in: 0...RequestInteger.maxCount) ?? 100, 10_000),
            offset: try Self.integer(body["offset"], "offset", in: 0...RequestInteger.maxCount) ?? 0,
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
}
