import PostgresNIO
import ServiceLifecycle

/// Runs a connection pool as a service of the application: it starts with the application and,
/// on graceful shutdown (after the HTTP server, which is shut down first), closes its connections.
public struct DatabaseService: Service {
    public let client: PostgresClient

    public init(_ client: PostgresClient) {
        self.client = client
    }

    public func run() async throws {
        // The pool runs until its task is cancelled; graceful shutdown cancels it.
        try await cancelWhenGracefulShutdown {
            await client.run()
        }
    }
}
