import Core
import Database
import Foundation
import FunctionsAPI
import Tokens

/// The database as the domain functions use it: every statement runs in a transaction as the
/// caller (role and claims), so row-level security decides. Refusals leave as `DatabaseError`s,
/// which the Functions surface's error middleware answers (`FunctionError(translating:)`).
struct CallerDatabase: Sendable {
    let runner: APIRequestRunner

    /// The first column of the first row of one statement (the JSON the SQL function built);
    /// nil when there is no row or the value is NULL.
    func json(_ caller: Caller, readOnly: Bool = false, _ sql: String, _ binds: [SQLValue] = []) async throws -> String? {
        try await transaction(caller, readOnly: readOnly) { try await $0.text(SQLStatement(sql, binds)) }
    }

    /// Like `json`, decoded: nil when there is no row or the value is NULL.
    func value(_ caller: Caller, readOnly: Bool = false, _ sql: String, _ binds: [SQLValue] = []) async throws -> JSONValue? {
        try await json(caller, readOnly: readOnly, sql, binds).map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
    }

    /// Like `json`, but a missing value is the given 404.
    func json(_ caller: Caller, readOnly: Bool = false, _ sql: String, _ binds: [SQLValue] = [], orNotFound message: String) async throws -> String {
        guard let text = try await json(caller, readOnly: readOnly, sql, binds) else { throw FunctionError.notFound(message) }
        return text
    }

    /// Refuses (as every surface does) a token whose session has ended or whose user is banned or
    /// deleted: for work done as the server on the caller's behalf, which never assumes the
    /// caller's role and so would not meet that check otherwise.
    func requireLiveCaller(_ caller: Caller) async throws {
        _ = try await transaction(caller, readOnly: true) { try await $0.text(SQLStatement("SELECT 'live'")) }
    }

    /// The signed-in caller's id, once the token's session is confirmed live (401 without a user).
    func liveUser(_ caller: Caller) async throws -> UUID {
        guard let user = caller.userID else { throw FunctionError.unauthorized("send the user's access token as the bearer") }
        try await requireLiveCaller(caller)
        return user
    }

    /// Several statements in one transaction as the caller.
    func transaction<T: Sendable>(_ caller: Caller, readOnly: Bool = false, _ body: (SQLTransaction) async throws -> T) async throws -> T {
        try await runner.transaction(
            role: caller.role, claims: caller.claims, user: caller.userID, session: caller.sessionID, readOnly: readOnly, body)
    }
}
