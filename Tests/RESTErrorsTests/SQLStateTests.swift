import RESTErrors
import Testing

/// One row of the SQLSTATE → HTTP table.
struct SQLStateCase: Sendable, CustomTestStringConvertible {
    let sqlState: String
    let message: String
    let role: String
    let status: Int

    init(_ sqlState: String, _ status: Int, message: String = "boom", role: String = "authenticated") {
        self.sqlState = sqlState
        self.message = message
        self.role = role
        self.status = status
    }

    var testDescription: String { "\(sqlState) as \(role) → \(status)" }
}

let sqlStateCases: [SQLStateCase] = [
    // Integrity violations that are the caller's fault.
    .init("23505", 409, message: "duplicate key value violates unique constraint \"x\""),
    .init("23503", 409),
    .init("23502", 400), .init("23514", 400), .init("22P02", 400), .init("22001", 400),
    .init("22003", 400), .init("42703", 400),
    // Privileges: anon is asked to authenticate, everyone else is forbidden.
    .init("42501", 401, role: "anon"),
    .init("42501", 403, role: "authenticated"),
    .init("42501", 403, role: "service_role"),
    .init("42501", 403, role: "Anon"),
    // Missing things.
    .init("42P01", 404), .init("42883", 404),
    .init("42P17", 500),
    // Cardinality: only pg-safeupdate's complaint is the caller's fault.
    .init("21000", 500, message: "more than one row returned by a subquery used as an expression"),
    .init("21000", 400, message: "UPDATE requires a WHERE clause"),
    .init("21000", 400, message: "DELETE requires a WHERE clause"),
    .init("21000", 500, message: "requires a WHERE clause, said nobody"),
    .init("25006", 405, message: "cannot execute INSERT in a read-only transaction"),
    .init("P0001", 400),
    // Not found in a domain function, as Functions answers it; limits a request can exceed.
    .init("P0002", 404), .init("54000", 400), .init("54001", 400), .init("54011", 400),
    // Custom statuses.
    .init("PT402", 402), .init("PT404", 404), .init("PT200", 200), .init("PT599", 599), .init("PT418", 418),
    .init("PT600", 500), .init("PT099", 500), .init("PT000", 500), .init("PTabc", 500), .init("PT4x2", 500),
    .init("PT40", 500), .init("PT4022", 500),
    // A role in the token that does not exist.
    .init("22023", 401, message: "role \"ghost\" does not exist"),
    .init("22023", 400, message: "invalid value for parameter \"TimeZone\": \"Mars\""),
    // Connection and resources.
    .init("08000", 503), .init("08003", 503), .init("08006", 503), .init("08P01", 503),
    .init("53000", 503), .init("53100", 503), .init("53200", 503), .init("53300", 503),
    .init("57P01", 503),
    // Server-side classes.
    .init("09000", 500), .init("25000", 500), .init("25001", 500), .init("25P02", 500), .init("2D000", 500),
    .init("38000", 500), .init("38001", 500), .init("39000", 500), .init("39P01", 500), .init("3B000", 500),
    .init("40001", 500), .init("40P01", 500), .init("53400", 500), .init("54023", 500), .init("54P01", 500),
    .init("55000", 500), .init("55P03", 500), .init("57000", 500), .init("57014", 500), .init("57P02", 500),
    .init("58000", 500), .init("58P01", 500), .init("F0000", 500), .init("F0001", 500), .init("HV000", 500),
    .init("HV00N", 500), .init("P0003", 500), .init("P0004", 500), .init("XX000", 500),
    .init("XX001", 500),
    // Authorization classes.
    .init("0L000", 403), .init("0LP01", 403), .init("0P000", 403), .init("28000", 403), .init("28P01", 403),
    // Everything else.
    .init("42601", 400), .init("22012", 400), .init("23000", 400), .init("42P10", 400), .init("22008", 400),
    .init("0A000", 400), .init("PGRST", 400), .init("", 400),
]

@Suite("SQLSTATE → HTTP")
struct SQLStateTests {
    @Test("status by SQLSTATE, message and role", arguments: sqlStateCases)
    func status(_ row: SQLStateCase) {
        let error = RESTError.database(sqlState: row.sqlState, message: row.message, detail: nil, hint: nil, role: row.role)
        #expect(error.status == row.status)
        #expect(error.code == row.sqlState)
        #expect(error.proxyStatus == "PostgREST; error=\(row.sqlState)")
        let challenge = error.headers.filter { $0.name == "WWW-Authenticate" }.map(\.value)
        #expect(challenge == (row.status == 401 ? ["Bearer"] : []))
    }

    @Test("message, detail and hint are copied as PostgreSQL sent them")
    func copiesFields() {
        let error = RESTError.database(
            sqlState: "23505", message: "duplicate key value violates unique constraint \"todos_pkey\"",
            detail: "Key (id)=(1) already exists.", hint: "pick another id", role: "authenticated")
        #expect(error == RESTError(
            status: 409, code: "23505", message: "duplicate key value violates unique constraint \"todos_pkey\"",
            details: "Key (id)=(1) already exists.", hint: "pick another id"))
        #expect(error.body == #"{"code":"23505","details":"Key (id)=(1) already exists.","hint":"pick another id","message":"duplicate key value violates unique constraint \"todos_pkey\""}"#)
    }

    @Test("absent detail and hint stay absent")
    func absentFields() {
        let error = RESTError.database(
            sqlState: "42501", message: "new row violates row-level security policy for table \"todos\"",
            detail: nil, hint: nil, role: "anon")
        #expect(error.details == nil)
        #expect(error.hint == nil)
        #expect(error.body == #"{"code":"42501","details":null,"hint":null,"message":"new row violates row-level security policy for table \"todos\""}"#)
    }
}
