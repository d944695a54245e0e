// Errors raised by PostgreSQL (code = SQLSTATE), PGRST0xx (the database cannot be reached) and
// the generic internal error.

extension RESTError {
    /// An error PostgreSQL raised while serving the request: SQLSTATE, message, detail and hint
    /// are copied; the status comes from PostgREST's SQLSTATE → HTTP table. `role` is the role the
    /// request ran as (42501 is 401 for `anon`, 403 otherwise). A 401 also carries
    /// `WWW-Authenticate: Bearer`, as PostgREST sends.
    public static func database(
        sqlState: String, message: String, detail: String?, hint: String?, role: String
    ) -> RESTError {
        let status = httpStatus(sqlState: sqlState, message: message, role: role)
        // A limit's hint names server settings (`max_stack_depth`); the client needs only the message.
        return RESTError(
            status: status, code: sqlState, message: message, details: detail, hint: sqlState.hasPrefix("54") ? nil : hint,
            headers: status == 401 ? [Header(name: "WWW-Authenticate", value: "Bearer")] : [])
    }

    /// PostgREST's SQLSTATE → HTTP table. Exact codes are tried before the classes that contain
    /// them (25006 before 25*, 53400 before 53*, 57P01 before 57*, P0001 before P0*); anything
    /// else is 400. Two departures: P0002 (`no_data_found`, which the domain functions raise for
    /// what the caller cannot see) is 404, as Functions answers it; and the limits a request
    /// itself can exceed — 54000 (a value too large, such as a vector of too many dimensions),
    /// 54001 (nesting too deep for the stack) and 54011 (too many columns) — are 400, not 500.
    static func httpStatus(sqlState: String, message: String, role: String) -> Int {
        switch sqlState {
        case "23503", "23505": return 409
        case "25006": return 405
        case "21000": return message.hasSuffix("requires a WHERE clause") ? 400 : 500
        case "22023": return message.hasPrefix("role") && message.hasSuffix("does not exist") ? 401 : 400
        case "42501": return role == "anon" ? 401 : 403
        case "42883", "42P01": return 404
        case "42P17": return 500
        case "53400": return 500
        case "57P01": return 503
        case "P0001": return 400
        case "P0002": return 404
        case "54000", "54001", "54011": return 400
        default: break
        }
        if sqlState.hasPrefix("PT") {
            // A custom SQLSTATE PTxyz answers with status xyz; anything unusable is a server error.
            let digits = sqlState.dropFirst(2)
            guard digits.count == 3, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let status = Int(digits), (200...599).contains(status) else { return 500 }
            return status
        }
        switch sqlState.prefix(2) {
        case "08", "53": return 503
        case "0L", "0P", "28": return 403
        case "09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "P0", "XX": return 500
        default: return 400
        }
    }

    /// PGRST000 (503): the database cannot be reached. The cause belongs in the log, not here.
    public static let databaseConnectionFailed = RESTError(
        status: 503, code: "PGRST000", message: "Database connection error. Retrying the connection.")

    /// PGRST002 (503): the schema cache could not be (re)loaded.
    public static let schemaCacheUnavailable = RESTError(
        status: 503, code: "PGRST002", message: "Could not query the database for the schema cache. Retrying.")

    /// PGRSTX00 (500): anything unexpected. Deliberately says nothing; log the cause instead.
    public static let internalError = RESTError(status: 500, code: "PGRSTX00", message: "Internal server error")
}
