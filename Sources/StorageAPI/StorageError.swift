import Core
import Database
import HTTPSupport
import HTTPTypes
import Hummingbird
import MultipartForm
import ObjectStore
import Tokens

/// The Storage API's error catalogue, in Supabase Storage's envelope: HTTP 400 for every client
/// error (416 for an unsatisfiable range, 503 while the database cannot be reached, 500 for
/// server faults) with the semantic status as a string in the body:
/// `{"statusCode":"404","error":"not_found","message":"Object not found","code":"NoSuchKey"}`.
public struct StorageError: Error, Sendable, Equatable {
    public let statusCode: String
    public let error: String
    public let message: String
    public let code: String
    /// The HTTP status the envelope travels with.
    public var httpStatus: Int

    public init(_ statusCode: String, _ error: String, _ message: String, code: String, httpStatus: Int = 400) {
        self.statusCode = statusCode
        self.error = error
        self.message = message
        self.code = code
        self.httpStatus = httpStatus
    }

    /// The JSON body.
    public var body: String {
        #"{"statusCode":\#(statusCode.jsonQuoted),"error":\#(error.jsonQuoted),"message":\#(message.jsonQuoted),"code":\#(code.jsonQuoted)}"#
    }

    static let noRoute = StorageError("404", "not_found", "Route not found", code: "NoSuchKey")
    static let objectNotFound = StorageError("404", "not_found", "Object not found", code: "NoSuchKey")
    static let bucketNotFound = StorageError("404", "Bucket not found", "Bucket not found", code: "NoSuchBucket")
    static let duplicate = StorageError("409", "Duplicate", "The resource already exists", code: "ResourceAlreadyExists")
    static let bucketNotEmpty = StorageError(
        "409", "ResourceNotEmpty", "The bucket you tried to delete is not empty", code: "InvalidRequest")
    static let payloadTooLarge = StorageError(
        "413", "Payload too large", "The object exceeded the maximum allowed size", code: "EntityTooLarge")
    static let noContent = StorageError("400", "InvalidRequest", "No content provided", code: "InvalidRequest")
    public static let internalError = StorageError("500", "Internal", "Internal Server Error", code: "InternalError", httpStatus: 500)
    /// The database cannot be reached; the request may succeed later.
    static let databaseUnavailable = StorageError(
        "503", "DatabaseUnavailable", "The database is unavailable; try again shortly", code: "DatabaseError", httpStatus: 503)
    static let missingAuthorization = unauthorized("headers must have required property 'authorization'")
    static let wrongSignature = StorageError("400", "InvalidSignature", "The url do not match the signature", code: "InvalidSignature")

    static func unauthorized(_ message: String) -> StorageError {
        StorageError("403", "Unauthorized", message, code: "AccessDenied")
    }

    static func invalidMimeType(_ type: String) -> StorageError {
        StorageError("415", "invalid_mime_type", "mime type \(type) is not supported", code: "InvalidMimeType")
    }

    static func invalidKey(_ key: String) -> StorageError {
        StorageError("400", "InvalidKey", "Invalid key: \(key)", code: "InvalidKey")
    }

    /// A bucket id that is malformed, or (`reserved`) a word of the routes, which no new bucket may take.
    static func invalidBucketName(_ name: String, reserved: Bool = false) -> StorageError {
        let message = reserved ? "Bucket name invalid: \(name) is reserved (a word of the Storage API's paths)" : "Bucket name invalid: \(name)"
        return StorageError("400", "Invalid Input", message, code: "InvalidBucketName")
    }

    static func invalidRequest(_ message: String) -> StorageError {
        StorageError("400", "InvalidRequest", message, code: "InvalidRequest")
    }

    static func invalidJWT(_ message: String) -> StorageError {
        StorageError("400", "InvalidJWT", message, code: "InvalidJWT")
    }

    static func invalidRange(size: Int64) -> StorageError {
        StorageError("416", "InvalidRange", "The requested range is not satisfiable (size \(size))", code: "InvalidRange", httpStatus: 416)
    }

    /// The message `jsonwebtoken` (which Supabase's services use) gives for a refused token.
    static func verifierMessage(_ error: TokenError) -> String {
        switch error {
        case .expired: return "jwt expired"
        case .badSignature: return "invalid signature"
        case .wrongPartCount, .malformed: return "jwt malformed"
        case .unsupportedAlgorithm: return "invalid algorithm"
        case .notYetValid: return "jwt not active"
        case .missingExpiry: return "jwt must have an exp claim"
        case .wrongAudience: return "jwt audience invalid"
        case .wrongIssuer: return "jwt issuer invalid"
        case .roleNotAllowed: return "jwt role invalid"
        }
    }

    /// A statement the database refused, in the catalogue's terms (a reference that does not
    /// resolve is a missing bucket, unless the service said otherwise); nil for the server's own
    /// faults.
    static func database(_ error: DatabaseError) -> StorageError? {
        if error.isUnavailable { return .databaseUnavailable }
        switch error.sqlState {
        case "42501": return unauthorized(error.serverMessage ?? "new row violates row-level security policy")
        case DatabaseError.sessionEnded: return unauthorized("jwt session ended")
        case "23505": return .duplicate
        case "23503": return .bucketNotFound
        case "22P02", "22023", "23514", "22001", "22021", "22P05", "54000", "54001", "54011":
            return invalidRequest(error.serverMessage ?? "invalid input")
        default: return nil
        }
    }
}

extension StorageError: ErrorCatalogue {
    /// Every error a `/storage/v1` request can end with: the catalogue's own entries, and the one
    /// place the errors of the bearer's verification, the caller requirement, the database, the
    /// object store and the multipart parser become entries.
    public init?(translating error: any Error) {
        switch error {
        case let error as StorageError: self = error
        case let error as TokenError: self = .unauthorized(Self.verifierMessage(error))
        case is CallerRequired: self = .missingAuthorization
        case let error as DatabaseError:
            guard let entry = Self.database(error) else { return nil }
            self = entry
        case ObjectStoreError.notFound: self = .objectNotFound
        case let error as MultipartError: self = .invalidRequest(error.message)
        default: return nil
        }
    }

    public func response(to request: Request) -> Response {
        response(head: request.method == .head)
    }

    /// The envelope with its HTTP status (headers only for `HEAD`).
    func response(head: Bool) -> Response {
        let status = HTTPResponse.Status(code: httpStatus)
        return head ? Response(status: status, headers: [.contentType: "application/json"]) : .json(body, status: status)
    }
}
