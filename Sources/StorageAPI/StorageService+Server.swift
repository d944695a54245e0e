import Core
import Database
import Foundation
import NIOCore
import ObjectStore
import Tokens

/// Storage as the server itself uses it, not through a request: reading an object a given user
/// may read, writing an object the server owns, and signing download URLs for outside services.
extension StorageService {
    /// The bytes of `bucket`/`name` when `user` may read them (their own object, or one in a
    /// public bucket), up to `maxBytes`.
    public func read(bucket: String, name: String, as user: UUID, maxBytes: Int) async throws -> [UInt8] {
        let id = user.uuidString.lowercased()
        let caller = Caller(role: "authenticated", claims: #"{"sub":"\#(id)","role":"authenticated","aud":"authenticated"}"#, subject: id)
        let object = try await stored(.caller(caller), bucket: bucket, name: name)
        guard object.size <= Int64(maxBytes), let version = object.version else { throw StorageError.payloadTooLarge }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(object.size))
        try await store.read(version, range: nil) { chunk in
            guard bytes.count + chunk.readableBytes <= maxBytes else { throw StorageError.payloadTooLarge }
            bytes += chunk.readableBytesView
        }
        return bytes
    }

    /// Stores `bytes` as a new object at `bucket`/`name`, which must be free: owned by `owner`
    /// (who may then remove it as their own), or by the server (nil: no user may change it).
    public func write(bucket: String, name: String, bytes: [UInt8], mimeType: String, owner: UUID? = nil) async throws {
        _ = try ObjectPath.name(name)
        let writer = try await store.makeWriter()
        let written: WrittenObject
        do {
            try await writer.write(ByteBuffer(bytes: bytes))
            written = try await writer.finish()
        } catch {
            await writer.discard()
            throw error
        }
        let write = StorageSQL.Write(
            bucket: bucket, name: name, owner: owner?.uuidString.lowercased(), version: Self.newVersion(), eTag: written.md5, size: written.size,
            mimeType: mimeType, cacheControl: "max-age=3600", userMetadata: nil, upsert: false)
        _ = try await commit(Self.serviceRole, writing: writer, as: write.version) { tx in
            guard let id = try await tx.text(StorageSQL.writeObject(write)) else { throw StorageError.internalError }
            return id
        }
    }

    /// Removes `bucket`/`name` (an object the server wrote).
    public func remove(bucket: String, name: String) async throws {
        _ = try await removeOne(Self.serviceRole, bucket: bucket, name: name)
    }

    /// A download URL of `bucket`/`name` valid for `expiresIn` seconds, as a path under
    /// `/storage/v1` (the caller puts the public URL in front).
    public func signedDownloadPath(bucket: String, name: String, expiresIn: Int) throws -> String {
        try signedURL(bucket: bucket, name: name, expiresIn: expiresIn)
    }
}
