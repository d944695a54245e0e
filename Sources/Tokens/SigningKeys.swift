import Core
import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// An asymmetric algorithm access tokens may be signed with.
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    case es256 = "ES256"
    case rs256 = "RS256"
}

/// One asymmetric key of the project: its id (`kid`), algorithm, public key, and — for keys
/// this server holds — the private key that signs. A retired key signs nothing and verifies
/// only during its grace period.
public struct SigningKey: Sendable {
    public let kid: String
    public let algorithm: SigningAlgorithm
    public let createdAt: Date
    public let retiredAt: Date?
    let publicKey: PublicKey
    let privateKey: PrivateKey?

    enum PublicKey: Sendable {
        case p256(P256.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    enum PrivateKey: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    public enum Failure: Error, Equatable {
        case unreadableKey
    }

    /// A key from its private key in PEM (as `generate` makes and the database keeps it sealed).
    public init(kid: String, algorithm: SigningAlgorithm, privateKeyPEM: String, createdAt: Date, retiredAt: Date?) throws(Failure) {
        self.kid = kid
        self.algorithm = algorithm
        self.createdAt = createdAt
        self.retiredAt = retiredAt
        do {
            switch algorithm {
            case .es256:
                let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
                (privateKey, publicKey) = (.p256(key), .p256(key.publicKey))
            case .rs256:
                let key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
                (privateKey, publicKey) = (.rsa(key), .rsa(key.publicKey))
            }
        } catch {
            throw .unreadableKey
        }
    }

    /// A new key: ES256 on P-256, or RS256 with 2048-bit RSA. Its id is random.
    public static func generate(_ algorithm: SigningAlgorithm, now: Date) throws -> (key: SigningKey, privateKeyPEM: String) {
        let pem: String
        switch algorithm {
        case .es256: pem = P256.Signing.PrivateKey().pemRepresentation
        case .rs256: pem = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        }
        let kid = APIKeys.base64URL(Data(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }))
        return (try SigningKey(kid: kid, algorithm: algorithm, privateKeyPEM: pem, createdAt: now, retiredAt: nil), pem)
    }

    /// The public key as a JSON Web Key (RFC 7517), with `kid`, `alg` and `use: sig`.
    public var jwk: JSONValue {
        var fields: [String: JSONValue] = ["kid": .string(kid), "alg": .string(algorithm.rawValue), "use": .string("sig"),
                                           "key_ops": .array([.string("verify")])]
        switch publicKey {
        case .p256(let key):
            let point = key.x963Representation
            fields["kty"] = .string("EC")
            fields["crv"] = .string("P-256")
            fields["x"] = .string(APIKeys.base64URL(Data(point.dropFirst().prefix(32))))
            fields["y"] = .string(APIKeys.base64URL(Data(point.dropFirst(33))))
        case .rsa(let key):
            fields["kty"] = .string("RSA")
            if let primitives = try? key.getKeyPrimitives() {
                fields["n"] = .string(APIKeys.base64URL(primitives.modulus))
                fields["e"] = .string(APIKeys.base64URL(primitives.publicExponent))
            }
        }
        return .object(fields)
    }

    /// P-256's group order n, big-endian.
    static let order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]

    /// Whether `s` (32 bytes, big-endian) is above n / 2.
    static func isHigh(_ s: [UInt8]) -> Bool {
        // Compare 2s with n: 2s > n exactly when s > n / 2 (n is odd).
        var doubled = [UInt8](repeating: 0, count: 32)
        var carry = 0
        for index in stride(from: 31, through: 0, by: -1) {
            let value = Int(s[index]) * 2 + carry
            doubled[index] = UInt8(value & 0xFF)
            carry = value >> 8
        }
        if carry > 0 { return true }
        return doubled.lexicographicallyPrecedes(order) == false && doubled != order
    }

    /// A raw (r, s) signature with s replaced by n - s when s is high.
    static func lowS(_ signature: Data) -> Data {
        let s = Array(signature.suffix(32))
        guard signature.count == 64, isHigh(s) else { return signature }
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var value = Int(order[index]) - Int(s[index]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            result[index] = UInt8(value)
        }
        return Data(signature.prefix(32)) + Data(result)
    }

    func sign(_ input: Data) throws -> Data {
        switch privateKey {
        case .p256(let key)?: return Self.lowS(try key.signature(for: input).rawRepresentation)
        case .rsa(let key)?: return try key.signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation
        case nil: throw Failure.unreadableKey
        }
    }

    func isValid(_ signature: Data, for input: Data) -> Bool {
        switch publicKey {
        case .p256(let key):
            // Only the low-S form: (r, n - s) would otherwise be a second valid text of one token.
            guard signature.count == 64, !Self.isHigh(Array(signature.suffix(32))),
                  let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: input)
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5)
        }
    }
}

/// The project's asymmetric signing keys: the newest one not retired signs access tokens; every
/// key verifies, a retired one until `grace` after its retirement (so tokens it signed live out
/// their lifetime). Pure: the time is passed in.
public struct SigningKeySet: Sendable {
    public let keys: [SigningKey]
    public let grace: TimeInterval

    public init(keys: [SigningKey], grace: TimeInterval) {
        self.keys = keys.sorted { $0.createdAt > $1.createdAt }
        self.grace = grace
    }

    public static let empty = SigningKeySet(keys: [], grace: 0)

    /// How long a new key only verifies before it signs: every server has loaded it by then (they
    /// reload on a notification and every minute), so no server refuses the tokens it signs.
    public static let propagationDelay: TimeInterval = 90

    /// The key that signs at `now`: the newest one in use, held privately, and older than the
    /// propagation delay.
    public func current(at now: Date) -> SigningKey? {
        keys.first { $0.retiredAt == nil && $0.privateKey != nil && $0.createdAt.addingTimeInterval(Self.propagationDelay) <= now }
    }

    /// Keys that verify at `now`.
    public func verifying(at now: Date) -> [SigningKey] {
        keys.filter { key in key.retiredAt.map { $0.addingTimeInterval(grace) > now } ?? true }
    }

    /// A token for `claims` signed by the key current at `now` (header `alg`, `kid`, `typ`), or
    /// nil when there is none.
    public func sign(_ claims: some Encodable, now: Date) throws -> String? {
        guard let key = current(at: now) else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = try encoder.encode(["alg": key.algorithm.rawValue, "kid": key.kid, "typ": "JWT"])
        let input = APIKeys.base64URL(header) + "." + APIKeys.base64URL(try encoder.encode(claims))
        return input + "." + APIKeys.base64URL(try key.sign(Data(input.utf8)))
    }

    /// The claims of a token signed by one of the keys that verify at `now` (the algorithm its
    /// header names must be that key's), then checked as HS256 tokens are: `exp`, `nbf`.
    public func verifiedClaims(
        _ token: String, now: Date, leeway: TimeInterval, requireExpiry: Bool
    ) throws(TokenError) -> (claims: [String: JSONValue], payload: Data) {
        let parts = try JWTParts(token)
        guard let alg = parts.header["alg"]?.stringValue.flatMap(SigningAlgorithm.init(rawValue:)) else { throw .unsupportedAlgorithm }
        guard let kid = parts.header["kid"]?.stringValue, let key = verifying(at: now).first(where: { $0.kid == kid }), key.algorithm == alg else {
            throw .badSignature
        }
        guard key.isValid(parts.signature, for: parts.signingInput) else { throw .badSignature }
        let claims = try parts.claims()
        try JWTParts.checkTimes(claims, now: now, leeway: leeway, requireExpiry: requireExpiry)
        return (claims, parts.payload)
    }

    /// The JSON Web Key Set of the keys that verify at `now`: `{"keys": [...]}`.
    public func jwks(at now: Date) -> String {
        JSONValue.object(["keys": .array(verifying(at: now).map(\.jwk))]).jsonText
    }
}

/// The signing keys a running server holds, replaced as a whole when they change (loaded at
/// start, and again on the database's `signing_keys` notification).
public final class SigningKeyStore: Sendable {
    private let current: Mutex<(set: SigningKeySet, generation: Int)>
    private let issued = Mutex(0)

    public init(_ set: SigningKeySet = .empty) {
        current = Mutex((set, 0))
    }

    public var set: SigningKeySet { current.withLock { $0.set } }

    /// A number for a load about to begin: loads that overlap land in the order they began.
    public func nextGeneration() -> Int {
        issued.withLock { $0 += 1; return $0 }
    }

    /// Replaces the keys with those of load `generation`, unless a later load landed first.
    public func replace(_ set: SigningKeySet, generation: Int? = nil) {
        current.withLock { state in
            let generation = generation ?? state.generation + 1
            guard generation > state.generation else { return }
            state = (set, generation)
        }
    }
}
