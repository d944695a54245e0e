import AppConfig
import Database
import Foundation

/// The secrets a server needs that the configuration may leave unset: the JWT secret is taken
/// from the configuration, else read from (or generated once into) the data folder, mode 0600.
public struct ProjectSecrets: Sendable {
    public let jwtSecret: String

    public static func load(config: AppConfig) throws -> ProjectSecrets {
        if let secret = config.jwtSecret { return ProjectSecrets(jwtSecret: secret) }
        let folder = config.resolvedDataDirectory
        let path = folder + "/jwt-secret"
        if let stored = try? String(contentsOfFile: path, encoding: .utf8) {
            let secret = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            if secret.utf8.count >= 32 { return ProjectSecrets(jwtSecret: secret) }
        }
        let secret = SecretGenerator.hex(bytes: 32)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw EmbeddedClusterError.unwritable(folder)
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw EmbeddedClusterError.unwritable(folder)
        }
        return ProjectSecrets(jwtSecret: secret)
    }
}
