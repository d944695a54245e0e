import AppConfig
import Database
import Foundation
import Secrets

/// The work behind `visionary secrets …`: the encryption key ring and the secrets it seals.
public enum SecretsCommands {
    /// `visionary secrets status`: the ring's versions (never a key) and, per table, how many
    /// stored secrets each version sealed.
    public static func status(config: AppConfig) async throws -> String {
        let ring = try ProjectSecrets.keyRing(config)
        let tables = try await DatabaseCommands.withOwnerRunner(config: config) { runner in
            try await SecretStore(database: runner, ring: ring).status()
        }
        var lines = ["key ring: versions \(ring.versions.map(String.init).joined(separator: ", ")); newest \(ring.newest) ("
            + (config.integrations.encryptionKeys == nil ? "the data folder's encryption-keys" : "VISIONARY_ENCRYPTION_KEYS") + ")"]
        for table in tables {
            let counts = table.rowsByVersion.map { "version \($0.version)\(ring.holds($0.version) ? "" : " (NO KEY)"): \($0.rows)" }
            lines.append("\(table.table): " + (counts.isEmpty ? "no secrets" : counts.joined(separator: ", ")))
        }
        let outdated = tables.map { $0.outdated(newest: ring.newest) }.reduce(0, +)
        lines.append(outdated == 0 ? "every secret is sealed with the newest key" : "\(outdated) sealed with an older key: run `visionary secrets rotate`")
        return lines.joined(separator: "\n")
    }

    /// `visionary secrets add-key`: a new key one version above the newest. With the ring in the
    /// data folder it is added there; with `VISIONARY_ENCRYPTION_KEYS` it is printed to be added.
    public static func addKey(config: AppConfig) throws -> String {
        let ring = try ProjectSecrets.keyRing(config)
        let entry = KeyRing.newEntry(version: ring.newest + 1)
        let next = "then restart every server and run `visionary secrets rotate`"
        guard config.integrations.encryptionKeys == nil else {
            return "add this entry to VISIONARY_ENCRYPTION_KEYS, keeping the others (it is a secret: store it as one):\n\(entry)\n\(next)"
        }
        let path = config.resolvedDataDirectory + "/encryption-keys"
        let current = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let updated = (current.isEmpty ? "" : current + ",") + entry
        _ = try KeyRing(parsing: updated)
        // Written beside it with mode 0600 from the start, then moved over it.
        let staged = path + ".new"
        try? FileManager.default.removeItem(atPath: staged)
        guard FileManager.default.createFile(atPath: staged, contents: Data(updated.utf8), attributes: [.posixPermissions: 0o600]),
              rename(staged, path) == 0
        else { throw EmbeddedClusterError.unwritable(config.resolvedDataDirectory) }
        return "added key version \(ring.newest + 1) to \(path); \(next)"
    }

    /// `visionary secrets rotate`: re-encrypts every secret under the newest key, reporting
    /// progress to `progress` (a bar on a terminal). Safe to interrupt and run again.
    public static func rotate(config: AppConfig, batchSize: Int, progress: @escaping @Sendable (String, Bool) -> Void) async throws -> String {
        let ring = try ProjectSecrets.keyRing(config)
        let rotated = try await DatabaseCommands.withOwnerRunner(config: config) { runner in
            try await SecretStore(database: runner, ring: ring).rotate(batchSize: batchSize) { step in
                progress(progressBar(step), step.done == step.total)
            }
        }
        return rotated == 0 ? "nothing to rotate: every secret is sealed with key version \(ring.newest)"
            : "re-encrypted \(rotated) rows with key version \(ring.newest)"
    }

    /// `public.plaid_items [##########----------] 50/100`.
    static func progressBar(_ step: SecretStore.RotationProgress) -> String {
        let width = 30
        let filled = step.total == 0 ? width : step.done * width / step.total
        return "\(step.table) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] \(step.done)/\(step.total)"
    }
}
