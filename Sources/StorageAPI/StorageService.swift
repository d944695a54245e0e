import AppConfig
import Core
import Database
import Foundation
import Logging
import NIOCore
import ObjectStore
import Tokens

/// The Storage API's operations. Every metadata read and write runs in the caller's role on the
/// API pool, so row-level security on `storage.buckets` and `storage.objects` decides what the
/// caller may do; bytes go to and come from the object store.
///
/// A write stages its bytes first, then writes the row, publishes the bytes under a fresh
/// version key and commits: a failure at any step leaves neither row nor bytes (bytes already
/// published are deleted again). Bytes a committed change no longer names (deleted or
/// overwritten objects) are queued by a trigger and removed by `StorageSweeper`, which the
/// trigger wakes.
public struct StorageService: Sendable {
    let runner: APIRequestRunner
    /// Resolves the bearer of the routes that act for a caller (`StorageRoutes`).
    let callers: CallerResolver
    let store: any ObjectStore
    let urls: SignedURLs
    let settings: StorageSettings
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        runner: APIRequestRunner, callers: CallerResolver, store: any ObjectStore, projectSecret: String,
        settings: StorageSettings, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.runner = runner
        self.callers = callers
        self.store = store
        urls = SignedURLs(projectSecret: projectSecret)
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// Start-up work of the object store.
    public func prepare() async throws {
        try await store.prepare()
    }

    // MARK: Callers and transactions

    static let serviceRole = Caller.apiKey(role: "service_role")
    static let anonymous = Caller.apiKey(role: "anon")

    /// Runs `body` as `caller`. Database refusals leave as they are, for the catalogue to
    /// translate, except a reference that does not resolve, which becomes `foreignKey` when the
    /// operation knows what it means (a bucket that still has objects).
    func transaction<T: Sendable>(
        _ caller: Caller, readOnly: Bool = false, rollback: Bool = false, foreignKey: StorageError? = nil,
        _ body: (SQLTransaction) async throws -> T
    ) async throws -> T {
        do {
            return try await runner.transaction(
                role: caller.role, claims: caller.claims, user: caller.userID, session: caller.sessionID, readOnly: readOnly,
                rollback: rollback, body)
        } catch let error as DatabaseError where error.sqlState == "23503" {
            guard let foreignKey else { throw error }
            throw foreignKey
        }
    }

    func text(_ caller: Caller, _ statement: SQLStatement, readOnly: Bool = true) async throws -> String? {
        try await transaction(caller, readOnly: readOnly) { try await $0.text(statement) }
    }
}
