// PGRST1xx: the request itself cannot be served (PostgREST's `ApiRequestError`).

extension RESTError {
    /// Why a requested range cannot be served (PGRST103).
    public enum RangeFailure: Sendable, Equatable {
        /// `limit` (or a `Range` header) asked for fewer than zero rows.
        case negativeLimit
        /// A `Range: a-b` header with `a > b`.
        case lowerGreaterThanUpper
        /// The offset lies past the end of the counted result.
        case offsetBeyondTotal(offset: Int, total: Int)
    }

    /// PGRST100 (400): a query parameter (`select`, a filter, `order`, a logic tree) does not
    /// parse. `message` names the parameter ("failed to parse logic tree ((a.eq.1)"), `details`
    /// carries the parser's position and expectation.
    public static func queryParameterParseError(message: String, details: String) -> RESTError {
        RESTError(status: 400, code: "PGRST100", message: message, details: details)
    }

    /// PGRST101 (405): a verb other than GET, HEAD or POST on `/rpc/{fn}`.
    public static func invalidRPCMethod(_ method: String) -> RESTError {
        RESTError(status: 405, code: "PGRST101", message: "Cannot use the \(method) method on RPC")
    }

    /// PGRST102 (400): the body is empty or not valid JSON, or its objects' keys differ.
    public static func invalidBody(_ message: String = "Empty or invalid json") -> RESTError {
        RESTError(status: 400, code: "PGRST102", message: message)
    }

    /// PGRST103 (416): the requested range cannot be served.
    public static func invalidRange(_ failure: RangeFailure) -> RESTError {
        let details = switch failure {
        case .negativeLimit:
            "Limit should be greater than or equal to zero."
        case .lowerGreaterThanUpper:
            "The lower boundary must be lower than or equal to the upper boundary in the Range header."
        case .offsetBeyondTotal(let offset, let total):
            "An offset of \(offset) was requested, but there are only \(total) rows."
        }
        return invalidRange(details: details)
    }

    /// PGRST103 (416) with the parser's account of what is wrong with the range.
    public static func invalidRange(details: String) -> RESTError {
        RESTError(status: 416, code: "PGRST103", message: "Requested range not satisfiable", details: details)
    }

    /// PGRST105 (405): a PUT whose filters are not exactly `eq` on every primary-key column.
    public static let invalidPutFilters = RESTError(
        status: 405, code: "PGRST105",
        message: "Filters must include all and only primary key columns with 'eq' operators")

    /// PGRST106 (406): `Accept-Profile` / `Content-Profile` names a schema that is not exposed.
    public static func unacceptableSchema(_ schema: String, exposed: [String]) -> RESTError {
        RESTError(status: 406, code: "PGRST106", message: "Invalid schema: \(schema)",
                  hint: "Only the following schemas are exposed: " + exposed.joined(separator: ", "))
    }

    /// PGRST107 (406): none of the media types in `Accept` can be produced.
    public static func unacceptableMediaTypes(_ mediaTypes: [String]) -> RESTError {
        RESTError(status: 406, code: "PGRST107",
                  message: "None of these media types are available: " + mediaTypes.joined(separator: ", "))
    }

    /// PGRST108 (400): a filter, order or limit addresses an embedding that `select` does not have.
    /// Pass `alias` when the name is an embedded target that `select` renamed: the caller must
    /// use the alias instead.
    public static func notEmbedded(_ resource: String, alias: String? = nil) -> RESTError {
        let message = "'\(resource)' is not an embedded resource in this request"
        guard let alias else {
            return RESTError(status: 400, code: "PGRST108", message: message,
                             hint: "Verify that '\(resource)' is included in the 'select' query parameter.")
        }
        return RESTError(status: 400, code: "PGRST108", message: message,
                         details: "Target names are not allowed in filters if they have an alias",
                         hint: "Change '\(resource)' to '\(alias)' in filters, orders or limits.")
    }

    /// PGRST114 (400): `limit` / `offset` on a PUT.
    public static let putLimitNotAllowed = RESTError(
        status: 400, code: "PGRST114", message: "limit/offset querystring parameters are not allowed for PUT")

    /// PGRST115 (400): a PUT body whose primary-key values differ from the URL's filters.
    public static let putPrimaryKeyMismatch = RESTError(
        status: 400, code: "PGRST115", message: "Payload values do not match URL in primary key column(s)")

    /// PGRST116 (406): a singular response (`application/vnd.pgrst.object+json`) was requested
    /// but the result does not have exactly one row.
    public static func singularity(rowCount: Int) -> RESTError {
        RESTError(status: 406, code: "PGRST116", message: "Cannot coerce the result to a single JSON object",
                  details: "The result contains \(rowCount) rows")
    }

    /// PGRST117 (405): an HTTP verb the REST surface does not serve.
    public static func unsupportedMethod(_ method: String) -> RESTError {
        RESTError(status: 405, code: "PGRST117", message: "Unsupported HTTP method: \(method)")
    }

    /// PGRST118 (400): `order=target(col)` where `target` is not a to-one embedding of `origin`.
    public static func relatedOrderNotToOne(origin: String, target: String) -> RESTError {
        RESTError(status: 400, code: "PGRST118", message: "A related order on '\(target)' is not possible",
                  details: "'\(origin)' and '\(target)' do not form a many-to-one or one-to-one relationship")
    }

    /// PGRST120 (400): an operator other than `is.null` / `not.is.null` on a bare embedding.
    public static func unacceptableFilter(_ target: String) -> RESTError {
        RESTError(status: 400, code: "PGRST120", message: "Bad operator on the '\(target)' embedded resource",
                  details: "Only is null or not is null filters are allowed on embedded resources")
    }

    /// PGRST122 (400): `Prefer: handling=strict` with preferences that are unknown or invalid.
    public static func invalidPreferences(_ preferences: [String]) -> RESTError {
        RESTError(status: 400, code: "PGRST122", message: "Invalid preferences given with handling=strict",
                  details: "Invalid preferences: " + preferences.joined(separator: ", "))
    }

    /// PGRST123 (400): aggregate functions in `select` (`count()`, `amount.sum()`) while the
    /// server has them disabled (PostgREST's `db-aggregates-enabled` off).
    public static let aggregatesNotAllowed = RESTError(
        status: 400, code: "PGRST123", message: "Use of aggregate functions is not allowed")

    /// PGRST124 (400): `Prefer: max-affected=n` with `handling=strict` and more rows affected.
    public static func maxAffectedViolation(rowCount: Int) -> RESTError {
        RESTError(status: 400, code: "PGRST124", message: "Query result exceeds max-affected preference constraint",
                  details: "The query affects \(rowCount) rows")
    }

    /// 413: a request body larger than the server accepts. Not one of PostgREST's codes (it leaves
    /// body sizes to the proxy in front of it, whose answer carries no PostgREST body); this
    /// server answers in the same envelope, with the HTTP status as the code's number.
    public static func requestTooLarge(limit: Int) -> RESTError {
        RESTError(status: 413, code: "PGRST413", message: "The request body is larger than \(limit) bytes")
    }

    /// PGRST125 (404): a path the REST surface does not route, e.g. `/rest/v1/a/b`.
    public static let invalidResourcePath = RESTError(
        status: 404, code: "PGRST125", message: "Invalid path specified in request URL")

    /// PGRST126 (404): `GET /rest/v1/` while the OpenAPI description is not served.
    public static let openAPIDisabled = RESTError(
        status: 404, code: "PGRST126", message: "Root endpoint metadata is disabled")
}
