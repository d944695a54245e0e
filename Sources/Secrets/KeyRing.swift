import Core
import Crypto
import Foundation

/// The server's encryption keys for secrets at rest: 256-bit AES keys by version, the newest
/// used for every new ciphertext and every version able to open what it sealed. Keys come from
/// `VISIONARY_ENCRYPTION_KEYS` (`version:base64` entries) or, for the embedded default, a key
/// generated once into the data folder.
///
/// A secret is sealed with AES-256-GCM; its associated data names the table, column and row it
/// belongs to (`SecretLocation`), so a ciphertext copied into another row, or another column,
/// does not open. Nothing here puts a plaintext or a key into an error or a description.
public struct KeyRing: Sendable {
    let keys: [Int: SymmetricKey]
    /// The version every new ciphertext is sealed under.
    public let newest: Int

    /// A ring of the given keys (each 32 bytes, versions ≥ 1 and distinct).
    public init(_ entries: [(version: Int, material: [UInt8])]) throws(KeyRingError) {
        guard !entries.isEmpty else { throw .empty }
        var keys: [Int: SymmetricKey] = [:]
        for entry in entries {
            guard entry.version >= 1 else { throw .malformed("a key version must be a positive number") }
            guard entry.material.count == 32 else { throw .malformed("key version \(entry.version) is not 32 bytes (256 bits)") }
            guard keys[entry.version] == nil else { throw .malformed("key version \(entry.version) is given twice") }
            keys[entry.version] = SymmetricKey(data: entry.material)
        }
        self.keys = keys
        newest = keys.keys.max()!
    }

    /// The ring `version:base64` entries describe, separated by commas or white space.
    public init(parsing text: String) throws(KeyRingError) {
        var entries: [(version: Int, material: [UInt8])] = []
        for entry in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), let material = Data(base64Encoded: String(parts[1])) else {
                throw .malformed("an entry is not version:base64 (entry \(entries.count + 1))")
            }
            entries.append((version, Array(material)))
        }
        try self.init(entries)
    }

    /// The versions the ring holds, oldest first.
    public var versions: [Int] { keys.keys.sorted() }

    public func holds(_ version: Int) -> Bool { keys[version] != nil }

    /// `plaintext` sealed under the newest key, bound to `location`.
    public func seal(_ plaintext: String, at location: SecretLocation) throws -> SealedSecret {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: keys[newest]!, authenticating: location.associatedData)
        // Nonce (12 bytes), ciphertext, tag (16 bytes): what the columns' CHECKs expect.
        guard let combined = box.combined else { throw SecretError.cannotSeal }
        return SealedSecret(ciphertext: Array(combined), version: newest)
    }

    /// The plaintext of a secret stored at `location`.
    public func open(_ sealed: SealedSecret, at location: SecretLocation) throws(SecretError) -> String {
        guard let key = keys[sealed.version] else { throw .unknownVersion(sealed.version) }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.ciphertext)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: location.associatedData)
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw .cannotOpen(location)
        }
    }

    /// A new random key as a `version:base64` entry.
    public static func newEntry(version: Int) -> String {
        "\(version):" + SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }
}

/// A ciphertext as stored: the sealed bytes and the key version that sealed them.
public struct SealedSecret: Sendable, Equatable {
    public let ciphertext: [UInt8]
    public let version: Int

    public init(ciphertext: [UInt8], version: Int) {
        self.ciphertext = ciphertext
        self.version = version
    }

    /// The ciphertext as lower-case hex (how statements bind it: `decode($n, 'hex')`).
    public var hex: String { ciphertext.hexString }

    /// The secret `encode(column, 'hex')` returned; nil when the text is not hex.
    public init?(hex: String, version: Int) {
        guard let bytes = [UInt8](hexString: hex) else { return nil }
        self.init(ciphertext: bytes, version: version)
    }
}

/// Where a secret lives: its table, column and row. Bound into the ciphertext as associated
/// data, so the ciphertext opens only there.
public struct SecretLocation: Sendable, Hashable, CustomStringConvertible {
    /// Schema-qualified, e.g. `public.plaid_items`.
    public let table: String
    public let column: String
    public let row: UUID

    public init(table: String, column: String, row: UUID) {
        self.table = table
        self.column = column
        self.row = row
    }

    var associatedData: Data { Data("visionary-secret:v1:\(table).\(column):\(row.uuidString.lowercased())".utf8) }

    public var description: String { "\(table).\(column) of row \(row.uuidString.lowercased())" }
}

/// Why a key ring could not be built; never shows key material.
public enum KeyRingError: Error, Equatable, CustomStringConvertible {
    case empty
    case malformed(String)
    /// Stored secrets were sealed under versions the ring does not hold: `table: version`.
    case missingVersions([String])

    public var description: String {
        switch self {
        case .empty: "VISIONARY_ENCRYPTION_KEYS holds no key"
        case .malformed(let reason): "VISIONARY_ENCRYPTION_KEYS: \(reason)"
        case .missingVersions(let found):
            "stored secrets were encrypted with key versions the key ring does not hold (\(found.joined(separator: ", "))): "
                + "add those keys to VISIONARY_ENCRYPTION_KEYS"
        }
    }
}

/// Why a secret could not be sealed or opened; never shows the secret.
public enum SecretError: Error, Equatable, CustomStringConvertible {
    case unknownVersion(Int)
    /// The ciphertext is not one this ring sealed for this place: tampered, or moved.
    case cannotOpen(SecretLocation)
    case cannotSeal

    public var description: String {
        switch self {
        case .unknownVersion(let version): "no key of version \(version) in the key ring"
        case .cannotOpen(let location): "the secret in \(location) does not open: it was altered or moved from elsewhere"
        case .cannotSeal: "the secret could not be sealed"
        }
    }
}
