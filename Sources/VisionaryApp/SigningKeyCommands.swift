import AppConfig
import Core
import Database
import Foundation
import Logging
import Secrets
import Tokens

/// The project's asymmetric signing keys as the database keeps them (`internal.signing_keys`,
/// private keys sealed by the key ring): loading them into a server's `SigningKeyStore`, and
/// the work behind `visionary signing-keys list | add | retire`.
public struct SigningKeyRecords: Sendable {
    static let location = (table: "internal.signing_keys", column: "private_key_encrypted")
    let database: SQLRunner
    let ring: KeyRing

    public init(database: SQLRunner, ring: KeyRing) {
        self.database = database
        self.ring = ring
    }

    struct Row: Decodable {
        let id: UUID
        let kid: String
        let algorithm: String
        let key: String
        let version: Int
        let created: Double
        let retired: Double?
    }

    func rows() async throws -> [Row] {
        let text = try await database.text(SQLStatement("""
            SELECT coalesce(json_agg(json_build_object('id', id, 'kid', kid, 'algorithm', algorithm, 'key', encode(private_key_encrypted, 'hex'),
                                                       'version', token_key_version, 'created', extract(epoch FROM created_at),
                                                       'retired', extract(epoch FROM retired_at)) ORDER BY created_at), '[]')::text
              FROM internal.signing_keys
            """)) ?? "[]"
        return try JSONDecoder().decode([Row].self, from: Data(text.utf8))
    }

    /// Every key, opened with the ring; `grace` is how long a retired key still verifies.
    public func load(grace: TimeInterval) async throws -> SigningKeySet {
        var keys: [SigningKey] = []
        for row in try await rows() {
            guard let algorithm = SigningAlgorithm(rawValue: row.algorithm), let sealed = SealedSecret(hex: row.key, version: row.version) else { continue }
            let pem = try ring.open(sealed, at: SecretLocation(table: Self.location.table, column: Self.location.column, row: row.id))
            keys.append(try SigningKey(kid: row.kid, algorithm: algorithm, privateKeyPEM: pem, createdAt: Date(timeIntervalSince1970: row.created),
                                       retiredAt: row.retired.map(Date.init(timeIntervalSince1970:))))
        }
        return SigningKeySet(keys: keys, grace: grace)
    }

    /// A new key, which verifies at once and signs once every server has it (the propagation
    /// delay after `created`, the database's clock unless given); answers its kid.
    public func add(_ algorithm: SigningAlgorithm, created: Date? = nil) async throws -> String {
        let (key, pem) = try SigningKey.generate(algorithm, now: created ?? Date())
        let id = UUID()
        let sealed = try ring.seal(pem, at: SecretLocation(table: Self.location.table, column: Self.location.column, row: id))
        try await database.execute(SQLStatement("""
            INSERT INTO internal.signing_keys (id, kid, algorithm, private_key_encrypted, token_key_version, created_at)
            VALUES ($1::uuid, $2, $3, decode($4, 'hex'), $5::integer, coalesce($6::timestamptz, now()))
            """, [.text(id.uuidString), .text(key.kid), .text(algorithm.rawValue), .text(sealed.hex), .int(sealed.version),
                  created.map { .text(ISO8601DateFormatter().string(from: $0)) } ?? .null]))
        return key.kid
    }

    /// Retires a key (at the database's clock unless given): it signs no more, and verifies for
    /// the grace period. False when no key in use has that kid.
    public func retire(kid: String, at time: Date? = nil) async throws -> Bool {
        try await database.text(SQLStatement(
            "UPDATE internal.signing_keys SET retired_at = coalesce($2::timestamptz, now()) WHERE kid = $1 AND retired_at IS NULL RETURNING 'retired'",
            [.text(kid), time.map { .text(ISO8601DateFormatter().string(from: $0)) } ?? .null])) != nil
    }

    /// Revokes a key (a leaked one): deleted, so nothing it signed verifies from the next reload
    /// on, grace or not. False when there is no key with that kid.
    public func revoke(kid: String) async throws -> Bool {
        try await database.text(SQLStatement("DELETE FROM internal.signing_keys WHERE kid = $1 RETURNING 'revoked'", [.text(kid)])) != nil
    }
}

/// The work behind `visionary signing-keys …`.
public enum SigningKeyCommands {
    /// How long a retired key verifies: the access tokens' lifetime and the leeway.
    static func grace(_ config: AppConfig) -> TimeInterval {
        TimeInterval(config.auth.accessTokenLifetime + config.auth.expiryLeeway)
    }

    static func records<T: Sendable>(_ config: AppConfig, _ body: @Sendable (SigningKeyRecords) async throws -> T) async throws -> T {
        let ring = try ProjectSecrets.keyRing(config)
        return try await DatabaseCommands.withOwnerRunner(config: config) { runner in try await body(SigningKeyRecords(database: runner, ring: ring)) }
    }

    /// `visionary signing-keys list`: each key, the one that signs, and those still verifying.
    public static func list(config: AppConfig) async throws -> String {
        let set = try await records(config) { try await $0.load(grace: grace(config)) }
        guard !set.keys.isEmpty else { return "no signing keys: access tokens are HS256 (add one with `visionary signing-keys add`)" }
        let now = Date()
        let verifying = Set(set.verifying(at: now).map(\.kid))
        let formatter = ISO8601DateFormatter()
        return set.keys.map { key in
            let pending = key.retiredAt == nil && key.createdAt.addingTimeInterval(SigningKeySet.propagationDelay) > now
            let state = key.kid == set.current(at: now)?.kid ? "signs"
                : pending ? "verifies; signs from " + formatter.string(from: key.createdAt.addingTimeInterval(SigningKeySet.propagationDelay))
                : key.retiredAt == nil ? "verifies" : verifying.contains(key.kid) ? "retired, verifies until "
                + formatter.string(from: key.retiredAt!.addingTimeInterval(set.grace)) : "retired"
            return "\(key.kid)  \(key.algorithm.rawValue)  created \(formatter.string(from: key.createdAt))  \(state)"
        }.joined(separator: "\n")
    }

    /// The algorithms `add` takes.
    public static let algorithms = SigningAlgorithm.allCases.map(\.rawValue)

    /// `visionary signing-keys add`: a new key that signs from now on (running servers reload).
    public static func add(config: AppConfig, algorithm name: String) async throws -> String {
        guard let algorithm = SigningAlgorithm(rawValue: name) else { throw DatabaseCommandError("unknown algorithm \(name): ES256 or RS256") }
        let kid = try await records(config) { try await $0.add(algorithm) }
        return "added \(algorithm.rawValue) key \(kid); it verifies and is published at /auth/v1/.well-known/jwks.json now, "
            + "and signs new access tokens in \(Int(SigningKeySet.propagationDelay)) s, once every server has it"
    }

    /// `visionary signing-keys retire KID`: the key stops signing and verifies for the grace period.
    public static func retire(config: AppConfig, kid: String) async throws -> String {
        guard try await records(config, { try await $0.retire(kid: kid) }) else {
            throw DatabaseCommandError("no signing key in use has kid \(kid)")
        }
        return "retired \(kid); tokens it signed verify for \(Int(grace(config))) s more"
    }

    /// `visionary signing-keys revoke KID`: the key is deleted; nothing it signed verifies any more.
    public static func revoke(config: AppConfig, kid: String) async throws -> String {
        guard try await records(config, { try await $0.revoke(kid: kid) }) else { throw DatabaseCommandError("no signing key has kid \(kid)") }
        return "revoked \(kid): every server refuses the tokens it signed from its next reload (at once, or within a minute)"
    }
}
