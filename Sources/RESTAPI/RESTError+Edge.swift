import Database
import HTTPSupport
import HTTPTypes
import Hummingbird
import NIOCore
import RESTErrors
import RESTQuery
import Tokens

extension RESTError: ErrorCatalogue {
    /// Every error a `/rest/v1` request can end with, in PostgREST's terms: the one place the
    /// errors of the token verifier, the query parser and the database become catalogue entries.
    public init?(translating error: any Error) {
        switch error {
        case let error as RESTError: self = error
        case let error as RESTQueryError: self = .parsing(error)
        case let error as TokenError: self = .jwt(Self.failure(of: error))
        case let error as DatabaseError: self = .database(error)
        default: return nil
        }
    }

    public func response(to request: Request) -> Response {
        let head = request.method == .head
        var fields: HTTPFields = [:]
        for header in responseHeaders {
            if let name = HTTPField.Name(header.name) { fields[name] = header.value }
        }
        let status = HTTPResponse.Status(code: status)
        return head ? Response(status: status, headers: fields)
            : Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func parsing(_ error: RESTQueryError) -> RESTError {
        switch error.kind {
        case .query: .queryParameterParseError(message: error.message, details: error.details ?? "")
        case .body: .invalidBody(error.message)
        case .range: .invalidRange(details: error.details ?? error.message)
        case .mediaType: .unacceptableMediaTypes([error.message])
        case .routineMethod: .invalidRPCMethod(error.details ?? "")
        case .unsupportedMethod: .unsupportedMethod(error.details ?? "")
        case .invalidPath: .invalidResourcePath
        }
    }

    static func failure(of error: TokenError) -> JWTFailure {
        switch error {
        case .wrongPartCount(let count): .unexpectedParts(count)
        case .expired: .expired
        case .notYetValid: .notYetValid
        case .unsupportedAlgorithm: .unsupportedAlgorithm
        case .badSignature: .badSignature
        case .wrongAudience, .wrongIssuer: .notInAudience
        case .roleNotAllowed: .roleNotAllowed
        case .missingExpiry: .missingExpiry
        case .malformed: .undecodable
        }
    }

    static func database(_ error: DatabaseError) -> RESTError {
        if error.sqlState == DatabaseError.sessionEnded { return .jwt(.sessionEnded) }
        if error.isUnavailable { return .databaseConnectionFailed }
        return .database(
            sqlState: error.sqlState ?? "XX000", message: error.serverMessage ?? error.message, detail: error.detail,
            hint: error.hint, role: error.role ?? "anon")
    }
}
