import Logging
import PostgresNIO

// A query's rows stream after it returns, and an error raised while they stream (a function
// that raises inside a SELECT, say) is only seen by reading them. `execute` reads them all, so
// a statement run for its effect fails loudly instead of being dropped with its rows.
//
// PostgresNIO writes a statement to its channel without a promise: one written after the channel
// closed is dropped unseen, and its caller waits forever. The statement after a failure (the
// ROLLBACK of a transaction whose backend died, say) is exactly that case, so statements here go
// through `queryUnlessClosed`, which refuses them at once on a closed connection.

/// A statement refused because its connection had already closed; the database answers it as
/// unavailable (`DatabaseError.isUnavailable`).
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection to the database has closed" }
}

extension PostgresConnection {
    /// `query`, refused with `ConnectionClosed` when the connection has closed.
    func queryUnlessClosed(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw ConnectionClosed() }
        return try await self.query(query, logger: logger)
    }

    /// Runs a statement for its effect and waits for it to finish completely.
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await queryUnlessClosed(query, logger: logger) {}
    }
}

extension PostgresClient {
    /// Runs a statement for its effect and waits for it to finish completely.
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
