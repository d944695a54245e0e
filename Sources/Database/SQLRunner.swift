import Core
import Logging
import PostgresNIO

/// Runs `SQLStatement`s on a connection pool for code that should not know PostgresNIO: results
/// come back as JSON text built by PostgreSQL, failures as `DatabaseError`.
public struct SQLRunner: Sendable {
    /// Where connections are leased: the current event loop's part, when the pool is split by loop.
    let pool: DatabasePool
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.init(pool: DatabasePool(client: client), logger: logger)
    }

    public init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// The first column of the first row, as text (statements select one `::text` JSON value);
    /// nil when there is no row.
    public func text(_ statement: SQLStatement) async throws -> String? {
        try await DatabaseError.translating {
            try await pool.withConnection { connection in
                try await SQLTransaction.firstText(try await connection.queryUnlessClosed(statement.postgresQuery, logger: logger))
            }
        }
    }

    /// Runs a statement for its effect.
    public func execute(_ statement: SQLStatement) async throws {
        try await DatabaseError.translating {
            try await pool.withConnection { connection in
                try await connection.execute(statement.postgresQuery, logger: logger)
            }
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T: Sendable>(_ body: (SQLTransaction) async throws -> T) async throws -> T {
        try await DatabaseError.translating {
            try await pool.withConnection { connection in
                let transaction = SQLTransaction(connection: connection, logger: logger)
                try await transaction.execute(SQLStatement("BEGIN"))
                do {
                    let result = try await body(transaction)
                    try await transaction.execute(SQLStatement("COMMIT"))
                    return result
                } catch {
                    _ = try? await connection.execute("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }
}

/// Statements inside one open transaction (see `SQLRunner.transaction`).
public struct SQLTransaction: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    public func text(_ statement: SQLStatement) async throws -> String? {
        try await DatabaseError.translating {
            try await Self.firstText(try await connection.queryUnlessClosed(statement.postgresQuery, logger: logger))
        }
    }

    public func execute(_ statement: SQLStatement) async throws {
        try await DatabaseError.translating {
            try await connection.execute(statement.postgresQuery, logger: logger)
        }
    }

    /// The first column of every row, as text.
    public func texts(_ statement: SQLStatement) async throws -> [String?] {
        try await DatabaseError.translating {
            var values: [String?] = []
            for try await row in try await connection.queryUnlessClosed(statement.postgresQuery, logger: logger) {
                values.append(try row.decode(String?.self))
            }
            return values
        }
    }

    static func firstText(_ rows: PostgresRowSequence) async throws -> String? {
        var first: String??
        for try await row in rows where first == nil {
            first = .some(try row.decode(String?.self))
        }
        return first ?? nil
    }
}

/// A statement PostgreSQL refused, with its SQLSTATE (e.g. 23505 for a unique violation).
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    public let sqlState: String?
    /// Message, detail and hint together, for logs.
    public let message: String
    public let constraint: String?
    /// The server's message, detail and hint as sent, for clients that show them apart.
    public var serverMessage: String? = nil
    public var detail: String? = nil
    public var hint: String? = nil

    /// True when the database could not be reached or dropped the connection (no connection,
    /// a closed pool, SQLSTATE classes 08 and 53, a server shutting down): the request may succeed
    /// later, and the surfaces answer 503.
    public var isUnavailable = false
    /// The API role the statement ran as (`APIRequestRunner`), which decides some statuses
    /// (a privilege error is 401 for `anon`, 403 for a signed-in user).
    public var role: String? = nil

    public var description: String { "\(message) (SQLSTATE \(sqlState ?? "?"))" }

    /// The SQLSTATE `internal.assume_caller` raises when the token's session has ended or its
    /// user is banned or deleted; each API surface answers it with its invalid-token error.
    public static let sessionEnded = "VS401"

    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            let sqlState = error.serverInfo?[.sqlState]
            throw DatabaseError(
                sqlState: sqlState, message: DatabaseErrorText.describe(error),
                constraint: error.serverInfo?[.constraintName], serverMessage: error.serverInfo?[.message],
                detail: error.serverInfo?[.detail], hint: error.serverInfo?[.hint],
                isUnavailable: Self.unavailable(code: error.code, sqlState: sqlState))
        } catch let error as ConnectionClosed {
            throw DatabaseError(sqlState: nil, message: error.description, constraint: nil, isUnavailable: true)
        }
    }

    /// `body`, with the database errors it throws marked as raised in `role`.
    static func raised<T>(in role: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await translating(body)
        } catch var error as DatabaseError {
            error.role = role
            throw error
        }
    }

    static func unavailable(code: PSQLError.Code, sqlState: String?) -> Bool {
        switch code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown: return true
        default: break
        }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }
}

extension SQLStatement {
    var postgresQuery: PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .text(let text): bindings.append(text)
            case .int(let int): bindings.append(int)
            case .bool(let bool): bindings.append(bool)
            case .json(let json): bindings.append(json)
            case .textArray(let values): bindings.append(values)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
