/// One `/rest/v1` error as PostgREST renders it: an HTTP status, a stable code (a `PGRSTnnn`
/// from this catalogue or a PostgreSQL SQLSTATE), and the `{"code","details","hint","message"}` body.
///
/// Build values with the catalogue's static constructors (`RESTError+Request.swift`,
/// `+SchemaCache`, `+JWT`, `+Database`); render them in exactly one place with `body` and
/// `responseHeaders`.
public struct RESTError: Error, Sendable, Equatable {
    /// A response header the error requires besides `Content-Type` and `Proxy-Status`.
    public struct Header: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP status code.
    public let status: Int
    /// `PGRSTnnn`, or the SQLSTATE for errors raised by PostgreSQL.
    public let code: String
    public let message: String
    public let details: String?
    public let hint: String?
    /// Headers the error adds to the response, e.g. `WWW-Authenticate` on JWT failures.
    public let headers: [Header]
    /// True when `details` already holds JSON (PGRST201's list of candidate relationships) that
    /// `body` embeds as is; otherwise `details` is text and is rendered as a JSON string.
    public let detailsIsJSON: Bool

    /// An error with text details. Prefer the catalogue's constructors; this is for codes the
    /// catalogue does not know yet.
    public init(
        status: Int, code: String, message: String, details: String? = nil, hint: String? = nil,
        headers: [Header] = []
    ) {
        self.init(status: status, code: code, message: message, details: details, hint: hint,
                  headers: headers, detailsIsJSON: false)
    }

    init(
        status: Int, code: String, message: String, details: String?, hint: String?,
        headers: [Header], detailsIsJSON: Bool
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.headers = headers
        self.detailsIsJSON = detailsIsJSON
    }
}

extension RESTError {
    /// The `Content-Type` of every REST error body.
    public static let contentType = "application/json; charset=utf-8"

    /// The JSON body. Keys come in PostgREST's (alphabetical) order; absent details/hint are `null`.
    public var body: String {
        let renderedDetails: String
        if let details {
            renderedDetails = detailsIsJSON ? details : JSONText.string(details)
        } else {
            renderedDetails = "null"
        }
        return "{\"code\":" + JSONText.string(code)
            + ",\"details\":" + renderedDetails
            + ",\"hint\":" + (hint.map(JSONText.string) ?? "null")
            + ",\"message\":" + JSONText.string(message) + "}"
    }

    /// The `Proxy-Status` header value, which postgrest-py reads when a response has no body (HEAD).
    public var proxyStatus: String {
        "PostgREST; error=" + code
    }

    /// Every header the error response carries: `Content-Type`, `Proxy-Status`, then `headers`.
    public var responseHeaders: [Header] {
        [Header(name: "Content-Type", value: Self.contentType), Header(name: "Proxy-Status", value: proxyStatus)]
            + headers
    }
}
