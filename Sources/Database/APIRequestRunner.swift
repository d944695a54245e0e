import Core
import Crypto
import Foundation
import Logging
import PostgresNIO

/// Runs an API request's statement as the caller, on the `authenticator` pool: one transaction
/// that first checks that the token's user and session are still live, then switches to the
/// caller's role and publishes the verified claims, both transaction-local (never session-level
/// on a pooled connection), read-only for reads (`internal.assume_caller`).
///
/// A statement whose result needs no undoing after it is seen runs in one round trip, through
/// `internal.api_statement` (which switches role and claims and then executes it); the others
/// (`Prefer: tx=rollback`, a write whose singular `Accept` may be unmet) run in an explicit
/// transaction: BEGIN, role and claims, the statement, the check, COMMIT or ROLLBACK. The pool's
/// connections carry `search_path` and `statement_timeout` from their start-up parameters.
public struct APIRequestRunner: Sendable {
    /// Where connections are leased: the current event loop's part, as the API pool is split by loop.
    let pool: DatabasePool
    let logger: Logger

    public init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// The session settings of every API connection, as start-up parameters.
    public static func sessionSettings(statementTimeout: String) -> [(String, String)] {
        [("search_path", "public, extensions"), ("statement_timeout", statementTimeout)]
    }

    /// The first row of the result of `execution`'s statement as text columns (total, page,
    /// body). `check` sees the row before the transaction ends; when it throws, a statement run
    /// in an explicit transaction is rolled back.
    public func run(
        role: String, claims: String, user: UUID?, session: UUID?, _ execution: APIExecution,
        check: @Sendable ([String?]) throws -> Void = { _ in }
    ) async throws -> [String?] {
        switch execution {
        case .direct(let sql, let parameters, let readOnly):
            let call = APIStatementCall(
                role: role, claims: claims, user: user, session: session, readOnly: readOnly, statement: sql, parameters: parameters)
            let row = try await DatabaseError.raised(in: role) { () -> [String?] in
                try await pool.withConnection { connection in
                    var first: [String?] = []
                    for try await row in try await connection.execute(call, logger: logger) where first.isEmpty {
                        first = row
                    }
                    return first
                }
            }
            try check(row)
            return row
        case .transaction(let statement, let readOnly, let rollback):
            return try await DatabaseError.raised(in: role) {
                try await pool.withConnection { connection in
                    try await inTransaction(
                        connection, role: role, claims: claims, user: user, session: session, readOnly: readOnly, rollback: rollback
                    ) {
                        let row = try await DatabaseError.translating { () -> [String?] in
                            var first: [String?] = []
                            for try await row in try await connection.queryUnlessClosed(statement.postgresQuery, logger: logger)
                            where first.isEmpty {
                                first = try APIStatementCall.textColumns(row)
                            }
                            return first
                        }
                        try check(row)
                        return row
                    }
                }
            }
        }
    }

    /// Runs `body` in one transaction as the caller (role and claims set transaction-locally,
    /// read-only when asked): committed when it returns, rolled back when it throws. For API
    /// surfaces that need several statements, or work between them (Storage, Functions).
    /// `rollback` ends it with ROLLBACK even when `body` returns (a dry run of a write).
    public func transaction<T: Sendable>(
        role: String, claims: String, user: UUID?, session: UUID?, readOnly: Bool = false, rollback: Bool = false,
        _ body: (SQLTransaction) async throws -> T
    ) async throws -> T {
        try await DatabaseError.raised(in: role) {
            try await pool.withConnection { connection in
                try await inTransaction(
                    connection, role: role, claims: claims, user: user, session: session, readOnly: readOnly, rollback: rollback
                ) {
                    try await body(SQLTransaction(connection: connection, logger: logger))
                }
            }
        }
    }

    private nonisolated(nonsending) func inTransaction<T>(
        _ connection: PostgresConnection, role: String, claims: String, user: UUID?, session: UUID?, readOnly: Bool, rollback: Bool,
        _ body: () async throws -> T
    ) async throws -> T {
        try await connection.execute(readOnly ? "BEGIN READ ONLY" : "BEGIN", logger: logger)
        do {
            try await DatabaseError.translating {
                try await connection.execute(
                    """
                    SELECT internal.assume_caller(\(role), \(claims), \(user), \(session))
                    """, logger: logger)
            }
            let result = try await body()
            try await connection.execute(rollback ? "ROLLBACK" : "COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.execute("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// How an API request's statement runs, decided once from the statement and what its answer
/// needs (a compiled read keeps it).
///
/// A statement whose result needs no undoing after it is seen runs in one round trip, through
/// `internal.api_statement`, its parameters passed as one `text[]`; the others
/// (`Prefer: tx=rollback`, a write whose check may undo it) run in an explicit transaction.
public enum APIExecution: Sendable {
    case direct(sql: String, parameters: [String], readOnly: Bool)
    case transaction(SQLStatement, readOnly: Bool, rollback: Bool)

    public init(_ statement: SQLStatement, readOnly: Bool, rollback: Bool, checkUndoes: Bool) {
        if !rollback, readOnly || !checkUndoes, let direct = statement.withTextArrayParameters() {
            self = .direct(sql: direct.sql, parameters: direct.parameters, readOnly: readOnly)
        } else {
            self = .transaction(statement, readOnly: readOnly, rollback: rollback)
        }
    }
}

/// The call of `internal.api_statement`, prepared once per connection: each request then sends
/// only its values.
struct APIStatementCall: PostgresPreparedStatement {
    static let name = "visionary_api_statement_v2"
    static let sql = "SELECT total, page, body FROM internal.api_statement($1, $2, $3, $4, $5, $6, $7)"
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .uuid, .uuid, .bool, .text, .textArray]

    let role: String
    let claims: String
    let user: UUID?
    let session: UUID?
    let readOnly: Bool
    let statement: String
    let parameters: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(role)
        bindings.append(claims)
        bindings.append(user)
        bindings.append(session)
        bindings.append(readOnly)
        bindings.append(statement)
        bindings.append(parameters)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> [String?] { try Self.textColumns(row) }

    /// A result row as text columns, whichever way the statement was sent.
    static func textColumns(_ row: PostgresRow) throws -> [String?] {
        try row.map { cell in try cell.decode(String?.self) }
    }
}

/// The login of the API pool: the `authenticator` role, whose password is derived from the JWT
/// secret, so that every server sharing a secret (and a database) computes the same one.
public enum AuthenticatorLogin {
    public static let role = "authenticator"

    public static func password(jwtSecret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("visionary authenticator login".utf8), using: SymmetricKey(data: Data(jwtSecret.utf8)))
        return Data(mac).hexString
    }

    /// Gives `authenticator` its password (needs the owner to hold CREATEROLE or be superuser).
    /// Roles belong to the whole cluster, and servers starting at once on one cluster (each on
    /// its own database, so no advisory lock is shared) may collide: PostgreSQL then refuses one
    /// with "tuple concurrently updated" (XX000), which is retried after a random pause.
    public static func configure(owner: DatabasePool, jwtSecret: String, logger: Logger) async throws {
        // The password is hex, so it cannot break out of the literal; ALTER ROLE takes no binds.
        let statement = PostgresQuery(unsafeSQL: "ALTER ROLE authenticator WITH LOGIN PASSWORD '\(password(jwtSecret: jwtSecret))'")
        for attempt in 1... {
            do {
                try await owner.client.execute(statement, logger: logger)
                return
            } catch let error as PSQLError where attempt < 20 && error.serverInfo?[.sqlState] == "XX000" {
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...60)))
            }
        }
    }
}
