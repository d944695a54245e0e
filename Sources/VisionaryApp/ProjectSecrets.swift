import AppConfig
import Database
import Foundation
import Secrets

/// The secrets a server needs that the configuration may leave unset, each taken from the
/// configuration, else read from (or generated once into) the data folder, mode 0600: the JWT
/// secret (`jwt-secret`) and the encryption key ring (`encryption-keys`, one key, version 1).
public struct ProjectSecrets: Sendable {
    public let jwtSecret: String
    public let keyRing: KeyRing

    public static func load(config: AppConfig) throws -> ProjectSecrets {
        let jwtSecret = try config.jwtSecret ?? stored(config, "jwt-secret", valid: { $0.utf8.count >= 32 }) { SecretGenerator.hex(bytes: 32) }
        let keyRing = try keyRing(config)
        return ProjectSecrets(jwtSecret: jwtSecret, keyRing: keyRing)
    }

    /// The key ring `VISIONARY_ENCRYPTION_KEYS` describes, else the data folder's.
    public static func keyRing(_ config: AppConfig) throws -> KeyRing {
        if let keys = config.integrations.encryptionKeys { return try KeyRing(parsing: keys) }
        // Never replaced when unreadable: a new key would leave every stored secret sealed for good.
        let path = config.resolvedDataDirectory + "/encryption-keys"
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw KeyRingError.malformed("\(path) cannot be read") }
            return try KeyRing(parsing: text)
        }
        return try KeyRing(parsing: stored(config, "encryption-keys", valid: { (try? KeyRing(parsing: $0)) != nil }) { KeyRing.newEntry(version: 1) })
    }

    /// The trimmed contents of a data-folder file when `valid`, else `make()` written there first.
    static func stored(_ config: AppConfig, _ name: String, valid: (String) -> Bool, make: () -> String) throws -> String {
        let folder = config.resolvedDataDirectory
        let path = folder + "/" + name
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let value = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if valid(value) { return value }
        }
        let value = make()
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw EmbeddedClusterError.unwritable(folder)
        }
        // Created exclusively: of two processes starting at once, one writes and the other reads
        // what it wrote, so both use the same secret.
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        if descriptor < 0 {
            if errno == EEXIST, let other = try? String(contentsOfFile: path, encoding: .utf8) {
                let existing = other.trimmingCharacters(in: .whitespacesAndNewlines)
                if valid(existing) { return existing }
            }
            guard FileManager.default.createFile(atPath: path, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw EmbeddedClusterError.unwritable(folder)
            }
            return value
        }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else { throw EmbeddedClusterError.unwritable(folder) }
        return value
    }
}
