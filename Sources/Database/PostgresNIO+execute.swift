import Logging
import PostgresNIO

// A query's rows stream after it returns, and an error raised while they stream (a function
// that raises inside a SELECT, say) is only seen by reading them. `execute` reads them all, so
// a statement run for its effect fails loudly instead of being dropped with its rows.

extension PostgresConnection {
    /// Runs a statement for its effect and waits for it to finish completely.
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

extension PostgresClient {
    /// Runs a statement for its effect and waits for it to finish completely.
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
