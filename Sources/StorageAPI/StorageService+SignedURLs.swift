import AppConfig
import Core
import Database
import Foundation
import Logging
import NIOCore
import ObjectStore
import Tokens

/// Signed download and upload URLs: expiry, creation with the caller's rights, verification.
extension StorageService {
    func expiry(_ value: JSONValue?) throws(StorageError) -> Int {
        guard let seconds = try Self.integer(value, "expiresIn", in: 1...settings.signedURLMaxExpiry) else {
            throw .invalidRequest("expiresIn must be an integer from 1 to \(settings.signedURLMaxExpiry)")
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
