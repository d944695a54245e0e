import Core
import Database
import Foundation
import Secrets

/// The delegated tokens of Teams links at rest: sealed to their row and column, and refreshed
/// before they expire (the `teams.refresh-tokens` job), so a link stays usable for as long as the
/// user keeps it.
public struct TeamsTokens: Sendable {
    let database: SQLRunner
    let ring: KeyRing
    let microsoft: MicrosoftClient

    public init(database: SQLRunner, ring: KeyRing, microsoft: MicrosoftClient) {
        self.database = database
        self.ring = ring
        self.microsoft = microsoft
    }

    /// The job's kind, and how often it runs.
    public static let kind = "teams.refresh-tokens"
    public static let every = Duration.seconds(900)

    /// The tokens sealed to their row's columns under the newest key; `keepingRefresh` stands in
    /// for a refresh token Microsoft did not send.
    static func seal(_ tokens: MicrosoftClient.TokenSet, row: UUID, ring: KeyRing, keepingRefresh kept: String? = nil) throws -> (access: SealedSecret, refresh: SealedSecret?) {
        (try ring.seal(tokens.accessToken, at: SecretLocation(table: TeamsService.table, column: "access_token_encrypted", row: row)),
         try (tokens.refreshToken ?? kept).map { try ring.seal($0, at: SecretLocation(table: TeamsService.table, column: "refresh_token_encrypted", row: row)) })
    }

    /// Refreshes the tokens of active links that expire within `window` (Microsoft rotates the
    /// refresh token, so both are sealed again). A link whose refresh token Microsoft refuses
    /// keeps working for messages but loses its tokens. Every link is tried; the first failure is
    /// thrown after. Answers how many were refreshed.
    public func refreshExpiring(within window: TimeInterval) async throws -> Int {
        struct Row: Decodable {
            let id: UUID
            let refresh: String
            let version: Int
        }
        let text = try await database.text(SQLStatement("""
            SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'refresh', encode(refresh_token_encrypted, 'hex'), 'version', token_key_version)), '[]')::text
              FROM public.teams_installations
             WHERE is_active AND refresh_token_encrypted IS NOT NULL AND token_expires_at < now() + make_interval(secs => $1::integer)
            """, [.int(Int(window))])) ?? "[]"
        var refreshed = 0
        var firstFailure: (any Error)?
        for row in try JSONDecoder().decode([Row].self, from: Data(text.utf8)) {
            do {
                if try await refresh(row.id, sealedHex: row.refresh, version: row.version) { refreshed += 1 }
            } catch {
                // One link's failure (Microsoft unreachable, a ciphertext that does not open) does not hold up the others.
                firstFailure = firstFailure ?? error
            }
        }
        if let firstFailure { throw firstFailure }
        return refreshed
    }

    /// Refreshes one link's tokens; false when Microsoft refused its refresh token (the tokens are dropped).
    func refresh(_ id: UUID, sealedHex: String, version: Int) async throws -> Bool {
        let location = SecretLocation(table: TeamsService.table, column: "refresh_token_encrypted", row: id)
        guard let sealed = SealedSecret(hex: sealedHex, version: version) else { throw SecretError.cannotOpen(location) }
        let current = try ring.open(sealed, at: location)
        let tokens: MicrosoftClient.TokenSet
        do {
            tokens = try await microsoft.refresh(refreshToken: current)
        } catch let refused as MicrosoftClient.Refused where refused.code == "invalid_grant" {
            try await database.execute(SQLStatement("""
                UPDATE public.teams_installations
                   SET access_token_encrypted = NULL, refresh_token_encrypted = NULL, token_key_version = NULL, token_expires_at = NULL
                 WHERE id = $1::uuid
                """, [.text(id.uuidString)]))
            return false
        }
        // Both sealed under the newest key, the refresh token kept when Microsoft did not rotate it.
        let resealed = try Self.seal(tokens, row: id, ring: ring, keepingRefresh: current)
        try await database.execute(SQLStatement("""
            UPDATE public.teams_installations
               SET access_token_encrypted = decode($2, 'hex'), refresh_token_encrypted = decode($3, 'hex'),
                   token_key_version = $4::integer, token_expires_at = now() + make_interval(secs => $5::integer)
             WHERE id = $1::uuid
            """, [.text(id.uuidString), .text(resealed.access.hex), resealed.refresh.map { .text($0.hex) } ?? .null,
                  .int(resealed.access.version), .int(min(max(tokens.expiresIn, 0), 86_400))]))
        return true
    }
}
