import Core
import Database
import Foundation
@testable import Secrets
import Synchronization
import Testing
import TestSupport

/// Secrets at rest in the database: which key versions sealed them, the start-up check that the
/// ring holds every one, and rotation to the newest key — in batches, resumable, row by row.
@Suite("Secrets: stored secrets, the start-up check and rotation")
struct SecretStoreTests {
    static let v1 = try! KeyRing(parsing: "1:" + Data(repeating: 1, count: 32).base64EncodedString())
    static let v1v2 = try! KeyRing(parsing: "1:" + Data(repeating: 1, count: 32).base64EncodedString() + ",2:" + Data(repeating: 2, count: 32).base64EncodedString())
    static let v2 = try! KeyRing(parsing: "2:" + Data(repeating: 2, count: 32).base64EncodedString())

    /// `count` bank links sealed under `ring`, one user each; their ids and tokens.
    static func seed(_ database: SQLRunner, _ ring: KeyRing, count: Int) async throws -> [(id: UUID, token: String)] {
        var rows: [(UUID, String)] = []
        for number in 0..<count {
            let id = UUID(), token = "access-sandbox-\(number)-\(UUID().uuidString)"
            let sealed = try ring.seal(token, at: SecretLocation(table: "public.plaid_items", column: "access_token_encrypted", row: id))
            try await database.execute(SQLStatement("""
                WITH u AS (INSERT INTO auth.users (email) VALUES ($1) RETURNING id)
                INSERT INTO public.plaid_items (id, user_id, access_token_encrypted, token_key_version) SELECT $2::uuid, id, decode($3, 'hex'), $4 FROM u
                """, [.text("bank\(number)@rotate.test"), .text(id.uuidString), .text(sealed.hex), .int(sealed.version)]))
            rows.append((id, token))
        }
        return rows
    }

    static func tokens(_ database: SQLRunner, _ ring: KeyRing) async throws -> [UUID: String] {
        struct Row: Decodable { let id: UUID; let hex: String; let version: Int }
        let text = try await database.text(SQLStatement(
            "SELECT jsonb_agg(jsonb_build_object('id', id, 'hex', encode(access_token_encrypted, 'hex'), 'version', token_key_version))::text FROM public.plaid_items"))
        var result: [UUID: String] = [:]
        for row in try JSONDecoder().decode([Row].self, from: Data((text ?? "[]").utf8)) {
            result[row.id] = try ring.open(
                try #require(SealedSecret(hex: row.hex, version: row.version)),
                at: SecretLocation(table: "public.plaid_items", column: "access_token_encrypted", row: row.id))
        }
        return result
    }

    @Test("rotation re-seals every row under the newest key, resumes after an interruption, and leaves the plaintext unchanged")
    func rotation() async throws {
        try await TestCluster.shared.withDatabase { endpoint in
            try await endpoint.withPool(logger: TestCluster.logger) { pool in
                let database = SQLRunner(pool: pool, logger: TestCluster.logger)
                let seeded = try await Self.seed(database, Self.v1, count: 25)
                let store = SecretStore(database: database, ring: Self.v1v2)
                #expect(try await store.status().first == SecretStore.TableStatus(table: "public.plaid_items", rowsByVersion: [(1, 25)]))

                // Interrupted after one batch of 10: those rows are at version 2, the rest untouched.
                #expect(try await store.rotateBatch(SecretTable.all[0], limit: 10) == 10)
                #expect(try await store.status().first?.rowsByVersion.map(\.rows) == [15, 10])

                let steps = Mutex<[SecretStore.RotationProgress]>([])
                #expect(try await store.rotate(batchSize: 7) { step in steps.withLock { $0.append(step) } } == 15)
                #expect(steps.withLock { $0 }.map(\.done) == [0, 7, 14, 15] && steps.withLock { $0 }.allSatisfy { $0.total == 15 })
                #expect(try await store.status().first == SecretStore.TableStatus(table: "public.plaid_items", rowsByVersion: [(2, 25)]))
                #expect(try await store.rotate() == 0, "a second run has nothing to do")

                // Every token reads the same under the new key alone; the old key opens none.
                let opened = try await Self.tokens(database, Self.v2)
                #expect(opened.count == 25 && seeded.allSatisfy { opened[$0.id] == $0.token })
                await #expect(throws: SecretError.self) { _ = try await Self.tokens(database, Self.v1) }
            }
        }
    }

    @Test("the start-up check names a stored version the ring lacks; a ciphertext moved to another row stops the rotation")
    func missingVersionAndMovedCiphertext() async throws {
        try await TestCluster.shared.withDatabase { endpoint in
            try await endpoint.withPool(logger: TestCluster.logger) { pool in
                let database = SQLRunner(pool: pool, logger: TestCluster.logger)
                try await SecretStore(database: database, ring: Self.v2).checkKeysCoverStoredSecrets()
                let rows = try await Self.seed(database, Self.v1, count: 2)
                await #expect(throws: KeyRingError.missingVersions(["public.plaid_items: version 1"])) {
                    try await SecretStore(database: database, ring: Self.v2).checkKeysCoverStoredSecrets()
                }
                try await SecretStore(database: database, ring: Self.v1v2).checkKeysCoverStoredSecrets()

                // The first row's ciphertext copied into the second: it opens in neither place but its own.
                try await database.execute(SQLStatement(
                    "UPDATE public.plaid_items SET access_token_encrypted = (SELECT access_token_encrypted FROM public.plaid_items WHERE id = $1::uuid) WHERE id = $2::uuid",
                    [.text(rows[0].id.uuidString), .text(rows[1].id.uuidString)]))
                let moved = SecretLocation(table: "public.plaid_items", column: "access_token_encrypted", row: rows[1].id)
                await #expect(throws: SecretError.cannotOpen(moved)) { try await SecretStore(database: database, ring: Self.v1v2).rotate(batchSize: 10) }
                #expect(try await SecretStore(database: database, ring: Self.v1v2).status().first?.rowsByVersion.map(\.version) == [1],
                        "the failed batch changed nothing")
            }
        }
    }

    @Test("rotation covers the chat links: a Slack bot token, and a Teams link's two tokens (or only one) re-sealed together under the newest key")
    func rotationOfChatLinks() async throws {
        try await TestCluster.shared.withDatabase { endpoint in
            try await endpoint.withPool(logger: TestCluster.logger) { pool in
                let database = SQLRunner(pool: pool, logger: TestCluster.logger)
                func sealed(_ table: String, _ column: String, _ row: UUID, _ token: String?, _ ring: KeyRing) throws -> SQLValue {
                    try token.map { .text(try ring.seal($0, at: SecretLocation(table: table, column: column, row: row)).hex) } ?? .null
                }
                var expected: [String: String] = [:]
                for number in 0..<3 {
                    let slack = UUID(), teams = UUID()
                    let bot = "xoxb-\(number)", access = "access-\(number)", refresh = number == 0 ? nil : "refresh-\(number)"
                    expected["slack \(slack) access_token_encrypted"] = bot
                    expected["teams \(teams) access_token_encrypted"] = access
                    if let refresh { expected["teams \(teams) refresh_token_encrypted"] = refresh }
                    try await database.execute(SQLStatement("""
                        WITH u AS (INSERT INTO auth.users (email) VALUES ($1) RETURNING id),
                             s AS (INSERT INTO public.slack_installations (id, user_id, team_id, team_name, bot_user_id, access_token_encrypted, token_key_version)
                                   SELECT $2::uuid, id, 'T', 'Team', 'B', decode($3, 'hex'), 1 FROM u)
                        INSERT INTO public.teams_installations (id, user_id, tenant_id, access_token_encrypted, refresh_token_encrypted, token_key_version)
                        SELECT $4::uuid, id, 'tenant', decode($5, 'hex'), decode($6, 'hex'), 1 FROM u
                        """, [.text("chat\(number)@rotate.test"), .text(slack.uuidString),
                              try sealed("public.slack_installations", "access_token_encrypted", slack, bot, Self.v1),
                              .text(teams.uuidString),
                              try sealed("public.teams_installations", "access_token_encrypted", teams, access, Self.v1),
                              try sealed("public.teams_installations", "refresh_token_encrypted", teams, refresh, Self.v1)]))
                }
                #expect(try await SecretStore(database: database, ring: Self.v1v2).rotate(batchSize: 2) == 6)

                struct Row: Decodable { let kind: String; let id: UUID; let column: String; let hex: String; let version: Int }
                let text = try await database.text(SQLStatement("""
                    SELECT jsonb_agg(r)::text FROM (
                      SELECT 'slack' AS kind, id, 'access_token_encrypted' AS column, encode(access_token_encrypted, 'hex') AS hex, token_key_version AS version
                        FROM public.slack_installations
                      UNION ALL SELECT 'teams', id, 'access_token_encrypted', encode(access_token_encrypted, 'hex'), token_key_version FROM public.teams_installations
                      UNION ALL SELECT 'teams', id, 'refresh_token_encrypted', encode(refresh_token_encrypted, 'hex'), token_key_version
                        FROM public.teams_installations WHERE refresh_token_encrypted IS NOT NULL) r
                    """))
                var opened: [String: String] = [:]
                for row in try JSONDecoder().decode([Row].self, from: Data((text ?? "[]").utf8)) {
                    #expect(row.version == 2)
                    opened["\(row.kind) \(row.id) \(row.column)"] = try Self.v2.open(
                        try #require(SealedSecret(hex: row.hex, version: row.version)),
                        at: SecretLocation(table: "public.\(row.kind == "slack" ? "slack" : "teams")_installations", column: row.column, row: row.id))
                }
                #expect(opened == expected && opened.count == 8)
            }
        }
    }
}
