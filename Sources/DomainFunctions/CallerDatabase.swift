import Core
import Database
import FunctionsAPI
import Tokens

/// The database as the domain functions use it: every statement runs in a transaction as the
/// caller (role and claims), so row-level security decides; refusals the caller can fix come
/// back as `FunctionError`s, anything else as the failure it is.
struct CallerDatabase: Sendable {
    let runner: APIRequestRunner

    /// The first column of the first row of one statement (the JSON the SQL function built);
    /// nil when there is no row or the value is NULL.
    func json(_ caller: Caller, readOnly: Bool = false, _ sql: String, _ binds: [SQLValue] = []) async throws -> String? {
        try await transaction(caller, readOnly: readOnly) { try await $0.text(SQLStatement(sql, binds)) }
    }

    /// Like `json`, but a missing value is the given 404.
    func json(_ caller: Caller, readOnly: Bool = false, _ sql: String, _ binds: [SQLValue] = [], orNotFound message: String) async throws -> String {
        guard let text = try await json(caller, readOnly: readOnly, sql, binds) else { throw FunctionError.notFound(message) }
        return text
    }

    /// Several statements in one transaction as the caller.
    func transaction<T: Sendable>(_ caller: Caller, readOnly: Bool = false, _ body: (SQLTransaction) async throws -> T) async throws -> T {
        do {
            return try await runner.transaction(
                role: caller.role, claims: caller.claims, user: caller.userID, session: caller.sessionID, readOnly: readOnly, body)
        } catch let error as DatabaseError {
            throw FunctionError(database: error, signedIn: caller.subject != nil) ?? error
        }
    }
}

extension FunctionError {
    /// The client's side of a refused statement, by SQLSTATE class; nil for failures that are the
    /// server's (they are relayed as 5xx and logged).
    init?(database error: DatabaseError, signedIn: Bool) {
        let message = error.serverMessage ?? error.message
        switch error.sqlState ?? "" {
        case "42501": self = signedIn ? .forbidden(message) : .unauthorized(message)
        case "P0002": self = .notFound(message)
        case DatabaseError.sessionEnded: self = .unauthorized("Invalid JWT")
        case "23505", "23503", "40001", "40P01": self = .conflict(message)
        case "23514", "P0001": self = .unprocessable(message)
        case "23502", "54000", "54001", "54011": self = .invalid(message)
        case let state where state.hasPrefix("22"): self = .invalid(message)
        case let state where state.hasPrefix("PT"):
            // A custom status the SQL chose (PT429: too many), as REST answers it.
            guard let status = Int(state.dropFirst(2)), (400...499).contains(status) else { return nil }
            self = FunctionError(status: status, code: status == 429 ? "too_many_requests" : "request_refused", message: message)
        default: return nil
        }
    }
}
