/// bcrypt password hashing: produces and checks the `$2b$NN$<salt><hash>` strings of OpenBSD's
/// reference implementation, which libxcrypt, PHP and pgcrypto's `crypt()` also read and write.
///
/// Only the first 72 bytes of a password count (as in every bcrypt); callers that want to
/// refuse longer passwords must do so before hashing.
public struct BCrypt: Sendable {
    /// The work factors bcrypt accepts; each step doubles the work (`2^cost` rounds).
    public static let costs = 4...31
    /// The length of a salt in bytes.
    public static let saltLength = 16

    /// Hashes a password with a given salt, deterministically.
    public static func hash(_ password: String, cost: Int, salt: [UInt8]) throws -> String {
        guard costs.contains(cost) else { throw BCryptError.invalidCost(cost) }
        guard salt.count == saltLength else { throw BCryptError.invalidSaltLength(salt.count) }
        return encode(version: UInt8(ascii: "b"), cost: cost, salt: salt, password: password)
    }

    /// Hashes a password with a fresh salt from the system's random number generator.
    public static func hash(_ password: String, cost: Int) throws -> String {
        var generator = SystemRandomNumberGenerator()
        var salt: [UInt8] = []
        salt.reserveCapacity(saltLength)
        while salt.count < saltLength {
            withUnsafeBytes(of: generator.next() as UInt64) { salt.append(contentsOf: $0) }
        }
        return try hash(password, cost: cost, salt: Array(salt.prefix(saltLength)))
    }

    /// Whether a password matches a `$2a$`, `$2b$` or `$2y$` hash; false for any malformed hash.
    ///
    /// The three versions hash identically, as in libxcrypt and PHP. (OpenBSD's `$2a$` code
    /// wraps the length of passwords of 255 bytes and more, so its `$2a$` hashes of such
    /// passwords do not verify here.) The comparison takes the same time wherever the hashes
    /// differ.
    public static func verify(_ password: String, against hash: String) -> Bool {
        guard let parsed = ParsedHash(hash) else { return false }
        let computed = Array(encode(version: parsed.version, cost: parsed.cost, salt: parsed.salt, password: password).utf8)
        let stored = Array(hash.utf8)
        guard computed.count == stored.count else { return false }
        var difference: UInt8 = 0
        for index in ParsedHash.checksumRange { difference |= computed[index] ^ stored[index] }
        return difference == 0
    }

    /// The bcrypt string for already validated parameters.
    static func encode(version: UInt8, cost: Int, salt: [UInt8], password: String) -> String {
        let digest = Blowfish.bcryptDigest(key: key(for: password), salt: salt, cost: cost)
        var output: [UInt8] = Array("$2".utf8) + [version, UInt8(ascii: "$")]
        output += [UInt8(ascii: "0") + UInt8(cost / 10), UInt8(ascii: "0") + UInt8(cost % 10), UInt8(ascii: "$")]
        output += BCryptBase64.encode(salt)
        output += BCryptBase64.encode(Array(digest.prefix(23)))
        return String(decoding: output, as: UTF8.self)
    }

    /// The key bytes of the reference implementation: the UTF-8 password with its C string
    /// terminator, of which at most 72 bytes are used.
    ///
    /// A password of 72 bytes or more therefore loses its terminator and everything after
    /// byte 72. Unlike C, a NUL inside the password does not end it: all bytes count.
    static func key(for password: String) -> [UInt8] {
        Array(password.utf8.prefix(Blowfish.maximumKeyLength)) + [0]
    }
}

/// Why a bcrypt hash could not be computed.
public enum BCryptError: Error, Equatable, Sendable {
    /// The cost is outside 4...31.
    case invalidCost(Int)
    /// The salt is not 16 bytes long; carries the length given.
    case invalidSaltLength(Int)
}

/// The parts of a well-formed bcrypt string: `$2` version `$` cost `$` 22 salt characters and
/// 31 checksum characters.
struct ParsedHash {
    static let length = 60
    static let saltRange = 7..<29
    static let checksumRange = 29..<60

    let version: UInt8
    let cost: Int
    let salt: [UInt8]

    init?(_ hash: String) {
        let bytes = Array(hash.utf8)
        guard bytes.count == Self.length,
              bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"), bytes[3] == UInt8(ascii: "$"),
              bytes[6] == UInt8(ascii: "$"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
              let tens = Self.digit(bytes[4]), let units = Self.digit(bytes[5]),
              BCrypt.costs.contains(tens * 10 + units),
              BCryptBase64.decode(bytes[Self.checksumRange], count: 23) != nil,
              let salt = BCryptBase64.decode(bytes[Self.saltRange], count: BCrypt.saltLength)
        else { return nil }
        version = bytes[2]
        cost = tens * 10 + units
        self.salt = salt
    }

    static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
