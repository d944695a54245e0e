import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
import TestSupport
import Tokens

/// An access token stops working on every surface the moment its session ends — sign-out, an
/// admin ban, a soft delete — not when it expires; another user's token is unaffected.
@Suite("Revoked sessions")
struct RevokedSessionTests {
    enum Ending: String, CaseIterable, Sendable {
        case logout, ban, softDelete
        /// An operator bans the user with SQL, bypassing the Auth API.
        case operatorBan
    }

    @Test("after the session ends, REST, Storage and Functions refuse its token with their invalid-token answer", arguments: Ending.allCases)
    func refused(ending: Ending) async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let victim = try await app.signUp(client, email: "victim-\(ending.rawValue)@server.test")
            let bystander = try await app.signUp(client, email: "bystander-\(ending.rawValue)@server.test")
            for token in [victim.token, bystander.token] {
                #expect(try await Self.rest(client, app, token).0 == .ok)
                #expect(try await Self.storage(client, app, token).0 == .ok)
                #expect(try await Self.function(client, app, token).0 == .ok)
            }
            let service = app.keys.serviceRole
            switch ending {
            case .logout:
                let status = try await app.send(client, .post, "/auth/v1/logout", bearer: victim.token).0
                #expect(status == .noContent)
            case .ban:
                let status = try await app.send(
                    client, .put, "/auth/v1/admin/users/\(victim.id)", bearer: service, body: #"{"ban_duration":"24h"}"#).0
                #expect(status == .ok)
            case .operatorBan:
                try await TestCluster.withConnection(app.database) { connection in
                    try await connection.query(
                        "UPDATE auth.users SET banned_until = now() + interval '1 day' WHERE id = \(victim.id)::uuid",
                        logger: TestCluster.logger)
                }
            case .softDelete:
                let status = try await app.send(
                    client, .delete, "/auth/v1/admin/users/\(victim.id)", bearer: service, body: #"{"should_soft_delete":true}"#).0
                #expect(status == .ok)
            }
            let rest = try await Self.rest(client, app, victim.token)
            #expect(rest.0 == .unauthorized, "\(rest.1)")
            #expect(rest.1.contains("PGRST301"), "\(rest.1)")
            let storage = try await Self.storage(client, app, victim.token)
            #expect(storage.0 == .badRequest, "\(storage.1)")
            #expect(storage.1.contains(#""statusCode":"403""#), "\(storage.1)")
            let function = try await Self.function(client, app, victim.token)
            #expect(function.0 == .unauthorized, "\(function.1)")
            // A write is refused too, and leaves nothing behind.
            let write = try await app.send(
                client, .post, "/rest/v1/action_tasks", bearer: victim.token, body: #"{"title":"after","type":"ADMIN"}"#)
            #expect(write.0 == .unauthorized, "\(write.1)")
            // The other user's session is untouched.
            #expect(try await Self.rest(client, app, bystander.token).0 == .ok)
            #expect(try await Self.storage(client, app, bystander.token).0 == .ok)
            #expect(try await Self.function(client, app, bystander.token).0 == .ok)
        }
    }

    static func rest(_ client: any TestClientProtocol, _ app: TestApp, _ token: String) async throws -> (HTTPResponse.Status, String) {
        try await app.send(client, .get, "/rest/v1/profiles?select=id", bearer: token)
    }

    static func storage(_ client: any TestClientProtocol, _ app: TestApp, _ token: String) async throws -> (HTTPResponse.Status, String) {
        try await app.send(client, .get, "/storage/v1/bucket", bearer: token)
    }

    static func function(_ client: any TestClientProtocol, _ app: TestApp, _ token: String) async throws -> (HTTPResponse.Status, String) {
        try await app.send(client, .get, "/functions/v1/credits/balance", bearer: token)
    }
}
