import Core
import Database
import Foundation
import HTTPSupport
import RESTEngine
import RESTErrors
import RESTQuery
import Tokens

/// Serves one `/rest/v1` request: identify the caller, parse, plan, render, execute in the
/// caller's role, and shape the response. Each stage is its own type; this only connects them.
public struct RESTService: Sendable {
    let cache: SchemaCacheStore
    let runner: APIRequestRunner
    let signer: HS256
    let keys: APIKeys
    let leeway: TimeInterval
    let maxRows: Int?
    let now: @Sendable () -> Date

    public init(
        cache: SchemaCacheStore, runner: APIRequestRunner, jwtSecret: String, keys: APIKeys,
        leeway: TimeInterval = 30, maxRows: Int? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.cache = cache
        self.runner = runner
        self.signer = HS256(secret: jwtSecret)
        self.keys = keys
        self.leeway = leeway
        self.maxRows = maxRows
        self.now = now
    }

    /// The caller's role and claims: from the bearer token when there is one (verified), else
    /// the role of the API key.
    func identify(bearer: String?, apiKey: String?) throws(RESTError) -> (role: String, claims: String) {
        guard let bearer, bearer != apiKey || keys.role(ofKey: bearer) == nil else {
            let role = apiKey.flatMap(keys.role(ofKey:)) ?? "anon"
            return (role, #"{"role":"\#(role)"}"#)
        }
        let parts = bearer.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw RESTError.jwt(.unexpectedParts(parts.count)) }
        let claims: [String: JSONValue]
        do {
            claims = try signer.verify(bearer, now: now(), leeway: leeway)
        } catch {
            switch error {
            case .expired: throw RESTError.jwt(.expired)
            case .notYetValid: throw RESTError.jwt(.notYetValid)
            case .unsupportedAlgorithm: throw RESTError.jwt(.unsupportedAlgorithm)
            case .badSignature: throw RESTError.jwt(.badSignature)
            case .wrongAudience: throw RESTError.jwt(.notInAudience)
            case .missingExpiry, .malformed: throw RESTError.jwt(.undecodable)
            }
        }
        let role = claims["role"]?.stringValue ?? "anon"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let text = (try? encoder.encode(claims)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return (role, text)
    }

    /// The response to a parsed request, or the error it deserves.
    func respond(to request: ApiRequest, role: String, claims: String) async throws -> RESTResponse {
        guard let cache = cache.cache else { throw RESTError.schemaCacheUnavailable }
        if request.target == .schemaDescription {
            let schema = request.profile ?? "public"
            guard schema == "public" else { throw RESTError.unacceptableSchema(schema, exposed: ["public"]) }
            let document = OpenAPIDocument.render(cache: cache, role: role, schema: schema)
            let headersOnly = request.action == .describe(headersOnly: true)
            return RESTResponse(status: 200, headers: [("Content-Type", "application/openapi+json; charset=utf-8")], body: headersOnly ? nil : document)
        }
        let plan = try Planner(cache: cache, maxRows: maxRows).plan(request, role: role)
        let statement = StatementRenderer.render(plan)
        let shaper = ResponseShaper(request: request, plan: plan)
        let readOnly: Bool
        switch plan {
        case .read: readOnly = true
        case .mutate: readOnly = false
        case .call(let call): readOnly = call.readOnly
        }
        do {
            let row = try await runner.run(
                role: role, claims: claims, readOnly: readOnly, rollback: request.preferences.transaction == .rollback,
                statement, check: { row in try shaper.check(row) })
            return try shaper.response(row)
        } catch let error as DatabaseError {
            throw RESTError.database(
                sqlState: error.sqlState ?? "XX000", message: error.serverMessage ?? error.message,
                detail: error.detail, hint: error.hint, role: role)
        }
    }
}
