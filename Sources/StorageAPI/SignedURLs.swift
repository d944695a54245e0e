import Core
import Crypto
import Foundation
import Tokens

/// Tokens of signed download and upload URLs: HS256 JWTs under a key derived from the project
/// secret (so they are never valid as access tokens), naming the object (`url` =
/// `<bucket>/<name>`), their purpose (`scope`, so a download token cannot upload and the other
/// way round) and their expiry; upload tokens also carry the creator (`owner`) and `upsert`.
struct SignedURLs: Sendable {
    enum Scope: String, Sendable {
        case download = "storage.download"
        case upload = "storage.upload"
    }

    struct Claims: Codable, Sendable {
        var url: String
        var scope: String
        var iat: Int
        var exp: Int
        var owner: String?
        var upsert: Bool?
    }

    /// What a valid token grants.
    struct Grant: Sendable, Equatable {
        let bucket: String
        let name: String
        let owner: String?
        let upsert: Bool
    }

    let signer: HS256

    init(projectSecret: String) {
        let derived = HMAC<SHA256>.authenticationCode(
            for: Data("visionary storage signed urls".utf8), using: SymmetricKey(data: Data(projectSecret.utf8)))
        signer = HS256(secret: Data(derived).hexString)
    }

    func token(_ scope: Scope, bucket: String, name: String, now: Date, expiresIn: Int, owner: String? = nil, upsert: Bool? = nil) throws -> String {
        let issued = Int(now.timeIntervalSince1970)
        return try signer.sign(Claims(url: bucket + "/" + name, scope: scope.rawValue, iat: issued, exp: issued + expiresIn, owner: owner, upsert: upsert))
    }

    /// The grant of `token` for `scope` on this object, or the Storage error for a bad one:
    /// `InvalidJWT` for a forged, malformed, expired or wrongly scoped token, `InvalidSignature`
    /// for a token of another object.
    func verify(_ token: String?, _ scope: Scope, bucket: String, name: String, now: Date) throws(StorageError) -> Grant {
        guard let token, !token.isEmpty else { throw .invalidJWT("jwt must be provided") }
        let claims: [String: JSONValue]
        do {
            claims = try signer.verify(token, now: now)
        } catch {
            throw .invalidJWT(StorageError.verifierMessage(error))
        }
        guard claims["scope"]?.stringValue == scope.rawValue else { throw .invalidJWT("jwt was issued for another operation") }
        guard claims["url"]?.stringValue == bucket + "/" + name else { throw .wrongSignature }
        var upsert = false
        if case .bool(let value)? = claims["upsert"] { upsert = value }
        return Grant(bucket: bucket, name: name, owner: claims["owner"]?.stringValue, upsert: upsert)
    }
}
