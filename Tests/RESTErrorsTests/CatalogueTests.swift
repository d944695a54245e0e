import Foundation
import RESTErrors
import Testing

/// One catalogue constructor and everything it must produce.
struct CatalogueCase: Sendable, CustomTestStringConvertible {
    let name: String
    let error: RESTError
    let status: Int
    let code: String
    let message: String
    let details: String?
    let hint: String?

    init(
        _ name: String, _ error: RESTError, _ status: Int, _ code: String, _ message: String,
        details: String? = nil, hint: String? = nil
    ) {
        self.name = name
        self.error = error
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
    }

    var testDescription: String { "\(code) \(name)" }
}

let catalogueCases: [CatalogueCase] = [
    // PGRST1xx
    .init("query parameter", .queryParameterParseError(
            message: "failed to parse logic tree ((a.eq.1)", details: "unexpected end of input expecting \",\" or \")\""),
          400, "PGRST100", "failed to parse logic tree ((a.eq.1)",
          details: "unexpected end of input expecting \",\" or \")\""),
    .init("PUT on RPC", .invalidRPCMethod("PUT"), 405, "PGRST101", "Cannot use the PUT method on RPC"),
    .init("PATCH on RPC", .invalidRPCMethod("PATCH"), 405, "PGRST101", "Cannot use the PATCH method on RPC"),
    .init("invalid body", .invalidBody(), 400, "PGRST102", "Empty or invalid json"),
    .init("mismatched keys", .invalidBody("All object keys must match"), 400, "PGRST102", "All object keys must match"),
    .init("offset past total", .invalidRange(.offsetBeyondTotal(offset: 100, total: 57)),
          416, "PGRST103", "Requested range not satisfiable",
          details: "An offset of 100 was requested, but there are only 57 rows."),
    .init("negative limit", .invalidRange(.negativeLimit), 416, "PGRST103", "Requested range not satisfiable",
          details: "Limit should be greater than or equal to zero."),
    .init("lower > upper", .invalidRange(.lowerGreaterThanUpper), 416, "PGRST103", "Requested range not satisfiable",
          details: "The lower boundary must be lower than or equal to the upper boundary in the Range header."),
    .init("PUT filters", .invalidPutFilters, 405, "PGRST105",
          "Filters must include all and only primary key columns with 'eq' operators"),
    .init("schema", .unacceptableSchema("private", exposed: ["public", "graphql_public"]),
          406, "PGRST106", "Invalid schema: private",
          hint: "Only the following schemas are exposed: public, graphql_public"),
    .init("media types", .unacceptableMediaTypes(["application/vnd.pgrst.plan+json", "application/geo+json"]),
          406, "PGRST107",
          "None of these media types are available: application/vnd.pgrst.plan+json, application/geo+json"),
    .init("not embedded", .notEmbedded("clientsx"), 400, "PGRST108",
          "'clientsx' is not an embedded resource in this request",
          hint: "Verify that 'clientsx' is included in the 'select' query parameter."),
    .init("not embedded, aliased", .notEmbedded("habits", alias: "h"), 400, "PGRST108",
          "'habits' is not an embedded resource in this request",
          details: "Target names are not allowed in filters if they have an alias",
          hint: "Change 'habits' to 'h' in filters, orders or limits."),
    .init("PUT limit", .putLimitNotAllowed, 400, "PGRST114",
          "limit/offset querystring parameters are not allowed for PUT"),
    .init("PUT key mismatch", .putPrimaryKeyMismatch, 400, "PGRST115",
          "Payload values do not match URL in primary key column(s)"),
    .init("singular, none", .singularity(rowCount: 0), 406, "PGRST116",
          "Cannot coerce the result to a single JSON object", details: "The result contains 0 rows"),
    .init("singular, many", .singularity(rowCount: 2), 406, "PGRST116",
          "Cannot coerce the result to a single JSON object", details: "The result contains 2 rows"),
    .init("verb", .unsupportedMethod("TRACE"), 405, "PGRST117", "Unsupported HTTP method: TRACE"),
    .init("related order", .relatedOrderNotToOne(origin: "users", target: "habits"), 400, "PGRST118",
          "A related order on 'habits' is not possible",
          details: "'users' and 'habits' do not form a many-to-one or one-to-one relationship"),
    .init("embedded filter", .unacceptableFilter("habits"), 400, "PGRST120",
          "Bad operator on the 'habits' embedded resource",
          details: "Only is null or not is null filters are allowed on embedded resources"),
    .init("preferences", .invalidPreferences(["foo=bar", "return=everything"]), 400, "PGRST122",
          "Invalid preferences given with handling=strict",
          details: "Invalid preferences: foo=bar, return=everything"),
    .init("aggregates", .aggregatesNotAllowed, 400, "PGRST123", "Use of aggregate functions is not allowed"),
    .init("max affected", .maxAffectedViolation(rowCount: 7), 400, "PGRST124",
          "Query result exceeds max-affected preference constraint", details: "The query affects 7 rows"),
    .init("path", .invalidResourcePath, 404, "PGRST125", "Invalid path specified in request URL"),
    .init("body too large", .requestTooLarge(limit: 8), 413, "PGRST413", "The request body is larger than 8 bytes"),
    .init("range bound", .invalidRange(details: "The Range header bounds must be at most 9007199254740991."), 416, "PGRST103",
          "Requested range not satisfiable", details: "The Range header bounds must be at most 9007199254740991."),
    .init("openapi", .openAPIDisabled, 404, "PGRST126", "Root endpoint metadata is disabled"),
    // PGRST2xx
    .init("no relationship", .relationshipNotFound(parent: "todos", child: "owners", schema: "public"),
          400, "PGRST200", "Could not find a relationship between 'todos' and 'owners' in the schema cache",
          details: "Searched for a foreign key relationship between 'todos' and 'owners' in the schema 'public', "
            + "but no matches were found."),
    .init("no relationship, hinted", .relationshipNotFound(
            parent: "todos", child: "users", embedHint: "todos_owner_fkey", schema: "public",
            suggestion: (meant: "profiles", insteadOf: "users")),
          400, "PGRST200", "Could not find a relationship between 'todos' and 'users' in the schema cache",
          details: "Searched for a foreign key relationship between 'todos' and 'users' using the hint "
            + "'todos_owner_fkey' in the schema 'public', but no matches were found.",
          hint: "Perhaps you meant 'profiles' instead of 'users'."),
    .init("ambiguous relationship", .ambiguousRelationship(parent: "sites", child: "buildings", candidates: [
            .manyToOne(constraint: "main_building", table: "sites", columns: ["main_building_id"],
                       foreignTable: "buildings", foreignColumns: ["id"]),
            .oneToMany(constraint: "building_site", table: "sites", columns: ["id"],
                       foreignTable: "buildings", foreignColumns: ["site_id"]),
          ]),
          300, "PGRST201", "Could not embed because more than one relationship was found for 'sites' and 'buildings'",
          details: #"[{"cardinality":"many-to-one","embedding":"sites with buildings","relationship":"main_building using sites(main_building_id) and buildings(id)"},{"cardinality":"one-to-many","embedding":"sites with buildings","relationship":"building_site using sites(id) and buildings(site_id)"}]"#,
          hint: "Try changing 'buildings' to one of the following: 'buildings!main_building', "
            + "'buildings!building_site'. Find the desired relationship in the 'details' key."),
    .init("ambiguous relationship, junction", .ambiguousRelationship(parent: "users", child: "teams", candidates: [
            .manyToMany(table: "users", foreignTable: "teams", junction: "members",
                        sourceConstraint: "members_user_fkey", sourceColumns: ["user_id"],
                        targetConstraint: "members_team_fkey", targetColumns: ["team_id"]),
            .oneToOne(constraint: "teams_owner_key", table: "users", columns: ["id", "org"],
                      foreignTable: "teams", foreignColumns: ["owner_id", "org"]),
          ]),
          300, "PGRST201", "Could not embed because more than one relationship was found for 'users' and 'teams'",
          details: #"[{"cardinality":"many-to-many","embedding":"users with teams","relationship":"members using members_user_fkey(user_id) and members_team_fkey(team_id)"},{"cardinality":"one-to-one","embedding":"users with teams","relationship":"teams_owner_key using users(id, org) and teams(owner_id, org)"}]"#,
          hint: "Try changing 'teams' to one of the following: 'teams!members', 'teams!teams_owner_key'. "
            + "Find the desired relationship in the 'details' key."),
    .init("no function", .functionNotFound(schema: "public", name: "fn", arguments: ["a", "b"]),
          404, "PGRST202", "Could not find the function public.fn(a, b) in the schema cache",
          details: "Searched for the function public.fn with parameters a, b, but no matches were found in the schema cache."),
    .init("no function, one argument", .functionNotFound(schema: "public", name: "fn", arguments: ["a"]),
          404, "PGRST202", "Could not find the function public.fn(a) in the schema cache",
          details: "Searched for the function public.fn with parameter a, but no matches were found in the schema cache."),
    .init("no function, no arguments, JSON body", .functionNotFound(
            schema: "public", name: "fn", arguments: [], jsonBody: true, suggestion: "public.fn2"),
          404, "PGRST202", "Could not find the function public.fn without parameters in the schema cache",
          details: "Searched for the function public.fn without parameters or with a single unnamed json/jsonb "
            + "parameter, but no matches were found in the schema cache.",
          hint: "Perhaps you meant to call the function public.fn2"),
    .init("ambiguous function", .ambiguousFunction([
            .init(schema: "public", name: "f", parameters: [.init(name: "a", type: "integer"), .init(name: "b", type: "text")]),
            .init(schema: "public", name: "f", parameters: [.init(name: "a", type: "text")]),
          ]),
          300, "PGRST203",
          "Could not choose the best candidate function between: public.f(a => integer, b => text), public.f(a => text)",
          hint: "Try renaming the parameters or the function itself in the database so function overloading can be resolved"),
    .init("no column", .columnNotFound("x", relation: "t"), 400, "PGRST204",
          "Could not find the 'x' column of 't' in the schema cache"),
    .init("no table", .tableNotFound(schema: "public", name: "x"), 404, "PGRST205",
          "Could not find the table 'public.x' in the schema cache"),
    .init("no table, suggestion", .tableNotFound(schema: "public", name: "todo", suggestion: "todos"),
          404, "PGRST205", "Could not find the table 'public.todo' in the schema cache",
          hint: "Perhaps you meant the table 'public.todos'"),
    // PGRST3xx
    .init("JWT parts", .jwt(.unexpectedParts(2)), 401, "PGRST301", "Expected 3 parts in JWT; got 2"),
    .init("JWT signature", .jwt(.badSignature), 401, "PGRST301", "JWT cryptographic operation failed"),
    .init("JWT alg", .jwt(.unsupportedAlgorithm), 401, "PGRST301", "Wrong or unsupported encoding algorithm"),
    .init("JWT empty", .jwt(.empty), 401, "PGRST301", "Empty JWT is sent in Authorization header"),
    .init("JWT typ", .jwt(.unsupportedTokenType), 401, "PGRST301", "Unsupported token type"),
    .init("JWT undecodable", .jwt(.undecodable), 401, "PGRST301", "JWT couldn't be decoded"),
    .init("JWT expired", .jwt(.expired), 401, "PGRST303", "JWT expired"),
    .init("JWT nbf", .jwt(.notYetValid), 401, "PGRST303", "JWT not yet valid"),
    .init("JWT iat", .jwt(.issuedInFuture), 401, "PGRST303", "JWT issued at future"),
    .init("JWT aud", .jwt(.notInAudience), 401, "PGRST303", "JWT not in audience"),
    .init("JWT claims", .jwt(.unparsableClaims), 401, "PGRST303", "Parsing claims failed"),
    .init("JWT exp type", .jwt(.expNotNumber), 401, "PGRST303", "The JWT 'exp' claim must be a number"),
    .init("JWT no exp", .jwt(.missingExpiry), 401, "PGRST303",
          "The JWT has no 'exp' claim: tokens that never expire are refused (VISIONARY_JWT_REQUIRE_EXP)"),
    .init("JWT nbf type", .jwt(.nbfNotNumber), 401, "PGRST303", "The JWT 'nbf' claim must be a number"),
    .init("JWT iat type", .jwt(.iatNotNumber), 401, "PGRST303", "The JWT 'iat' claim must be a number"),
    .init("JWT aud type", .jwt(.audNotStringOrArray), 401, "PGRST303",
          "The JWT 'aud' claim must be a string or an array of strings"),
    // PGRST0xx and the catch-all
    .init("connection", .databaseConnectionFailed, 503, "PGRST000", "Database connection error. Retrying the connection."),
    .init("schema cache", .schemaCacheUnavailable, 503, "PGRST002",
          "Could not query the database for the schema cache. Retrying."),
    .init("internal", .internalError, 500, "PGRSTX00", "Internal server error"),
]

@Suite("PGRST catalogue")
struct CatalogueTests {
    @Test("status, code, message, details and hint", arguments: catalogueCases)
    func fields(_ row: CatalogueCase) {
        #expect(row.error.status == row.status)
        #expect(row.error.code == row.code)
        #expect(row.error.message == row.message)
        #expect(row.error.details == row.details)
        #expect(row.error.hint == row.hint)
    }

    @Test("the body is a JSON object of exactly code, details, hint and message", arguments: catalogueCases)
    func bodyParses(_ row: CatalogueCase) throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(row.error.body.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["code", "details", "hint", "message"])
        #expect(object["code"] as? String == row.code)
        #expect(object["message"] as? String == row.message)
        #expect(object["hint"] as? String == row.hint)
        if row.hint == nil { #expect(object["hint"] is NSNull) }
        if row.details == nil { #expect(object["details"] is NSNull) }
        if row.code == "PGRST201" {
            #expect((object["details"] as? [[String: String]])?.isEmpty == false)
        } else {
            #expect(object["details"] as? String == row.details)
        }
    }

    @Test("Proxy-Status names the code; Content-Type is JSON", arguments: catalogueCases)
    func proxyStatus(_ row: CatalogueCase) {
        #expect(row.error.proxyStatus == "PostgREST; error=\(row.code)")
        #expect(Array(row.error.responseHeaders.prefix(2)) == [
            .init(name: "Content-Type", value: "application/json; charset=utf-8"),
            .init(name: "Proxy-Status", value: "PostgREST; error=\(row.code)"),
        ])
    }

    @Test("JWT failures challenge with invalid_token and the message; nothing else does", arguments: catalogueCases)
    func wwwAuthenticate(_ row: CatalogueCase) {
        let values = row.error.headers.filter { $0.name == "WWW-Authenticate" }.map(\.value)
        switch row.code {
        case "PGRST301", "PGRST303":
            #expect(values == ["Bearer error=\"invalid_token\", error_description=\"\(row.message)\""])
        case "PGRST302":
            #expect(values == ["Bearer"])
        default:
            #expect(row.error.headers.isEmpty)
        }
    }

    @Test("every PGRST code in docs/wire-compatibility.md has a constructor")
    func coversSpecTable() {
        let specCodes: Set<String> = [
            "PGRST100", "PGRST101", "PGRST102", "PGRST103", "PGRST105", "PGRST106", "PGRST107", "PGRST108",
            "PGRST114", "PGRST115", "PGRST116", "PGRST117", "PGRST118", "PGRST120", "PGRST122", "PGRST123",
            "PGRST124", "PGRST125", "PGRST200", "PGRST201", "PGRST202", "PGRST203", "PGRST204", "PGRST205",
            "PGRST301", "PGRST303",
        ]
        #expect(specCodes.isSubset(of: Set(catalogueCases.map(\.code))))
    }

    @Test("an expired token's exact header")
    func expiredHeader() {
        #expect(RESTError.jwt(.expired).headers == [
            .init(name: "WWW-Authenticate", value: #"Bearer error="invalid_token", error_description="JWT expired""#),
        ])
        #expect(RESTError.jwt(.expired).responseHeaders.map(\.name) == ["Content-Type", "Proxy-Status", "WWW-Authenticate"])
    }

    @Test("the internal error says nothing about its cause")
    func internalErrorIsGeneric() {
        #expect(RESTError.internalError.body
            == #"{"code":"PGRSTX00","details":null,"hint":null,"message":"Internal server error"}"#)
        #expect(RESTError.internalError.headers.isEmpty)
    }
}
