import Core
import Database
import Foundation
import Logging
import ObjectStore
import ServiceLifecycle

/// Deletes stored bytes that no object row names any more. Rows leave the queue
/// (`storage.deleted_objects`, filled by a trigger on `storage.objects`) in the same transaction
/// as their bytes leave the store, taken with `SKIP LOCKED` so several servers share the work;
/// when a deletion fails the entry stays for the next round. Runs on the schema owner's pool as
/// a background worker, every `interval` and whenever an API call has just queued something.
public struct StorageSweeper: Service {
    let database: SQLRunner
    let store: any ObjectStore
    let interval: Duration
    let logger: Logger
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init(database: SQLRunner, store: any ObjectStore, interval: Duration = .seconds(30), logger: Logger) {
        self.database = database
        self.store = store
        self.interval = interval
        self.logger = logger
        (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The channel the queue's trigger notifies when it queues something.
    public static let channel = "storage_deleted_objects"

    /// Asks for a sweep soon (bytes were queued for deletion).
    public func nudge() {
        wake.yield()
    }

    public func run() async throws {
        let wake = wake
        let interval = interval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    wake.yield()
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await _ in wakeUps {
                        await sweepLogging()
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    func sweepLogging() async {
        do {
            while try await sweep(batch: 100) == 100 {}
        } catch {
            logger.warning("could not delete unused object bytes; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes up to `batch` queued versions; answers how many went.
    @discardableResult
    public func sweep(batch: Int = 100) async throws -> Int {
        try await database.transaction { tx in
            let json = try await tx.text(SQLStatement(
                """
                WITH d AS (
                  DELETE FROM storage.deleted_objects WHERE version IN (
                    SELECT version FROM storage.deleted_objects ORDER BY deleted_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                  RETURNING version)
                SELECT coalesce(json_agg(version), '[]')::text FROM d
                """, [.int(batch)])) ?? "[]"
            let versions = try JSONDecoder().decode([String].self, from: Data(json.utf8))
            for version in versions {
                do {
                    try await store.delete(version)
                } catch ObjectStoreError.invalidKey {
                    continue  // not a key this server ever wrote; nothing to delete
                }
            }
            return versions.count
        }
    }
}
