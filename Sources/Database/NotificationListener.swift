import Logging
import PostgresNIO
import ServiceLifecycle

/// Listens on a PostgreSQL channel (`NOTIFY pgrst, 'reload schema'`) for as long as the
/// application runs, and calls `onNotification` with each payload. Reconnects after a failure.
public struct NotificationListener: Service {
    let pool: DatabasePool
    let channel: String
    let logger: Logger
    let onNotification: @Sendable (String) async -> Void

    public init(pool: DatabasePool, channel: String, logger: Logger, onNotification: @escaping @Sendable (String) async -> Void) {
        self.pool = pool
        self.channel = channel
        self.logger = logger
        self.onNotification = onNotification
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await pool.withConnection { connection in
                        try await connection.listen(on: channel) { notifications in
                            for try await notification in notifications {
                                await onNotification(notification.payload)
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("listening for notifications failed; retrying", metadata: ["channel": "\(channel)", "error": "\(DatabaseErrorText.describe(error))"])
                    try? await Task.sleep(for: .seconds(2))
                }
            }
        }
    }
}
