import AuthAPI
import FunctionsAPI
import HTTPSupport
import HTTPTypes
import PostgresNIO
import RESTAPI
import RESTErrors
import Testing
import Tokens
@testable import Database

/// Each surface's error middleware translates lower-layer errors in one function; these are
/// the translations of the failures every surface shares.
@Suite("Edge: error translation")
struct EdgeTranslationTests {
    static func databaseError(_ sqlState: String?, role: String? = nil, unavailable: Bool = false) -> DatabaseError {
        DatabaseError(
            sqlState: sqlState, message: "refused", constraint: nil, serverMessage: "permission denied for table habits",
            isUnavailable: unavailable, role: role)
    }

    @Test("a lost or refused connection is unavailable; a refused statement is not")
    func unavailability() {
        #expect(DatabaseError.unavailable(code: .connectionError, sqlState: nil))
        #expect(DatabaseError.unavailable(code: .serverClosedConnection, sqlState: nil))
        #expect(DatabaseError.unavailable(code: .poolClosed, sqlState: nil))
        #expect(DatabaseError.unavailable(code: .server, sqlState: "08006"))
        #expect(DatabaseError.unavailable(code: .server, sqlState: "53300"))
        #expect(DatabaseError.unavailable(code: .server, sqlState: "57P01"))
        #expect(!DatabaseError.unavailable(code: .server, sqlState: "42501"))
        #expect(!DatabaseError.unavailable(code: .server, sqlState: "23505"))
        #expect(!DatabaseError.unavailable(code: .queryCancelled, sqlState: nil))
    }

    @Test("an unavailable database is each catalogue's 503, never a 500")
    func unavailable() throws {
        let lost = Self.databaseError(nil, role: "authenticated", unavailable: true)
        let rest = try #require(RESTError(translating: lost))
        #expect(rest.status == 503)
        #expect(rest.code == "PGRST000")
        #expect(try #require(FunctionError(translating: lost)).status == 503)
        #expect(try #require(AuthError(translating: lost)).status == .serviceUnavailable)
    }

    @Test("a privilege error is 401 for anon and 403 for a signed-in user, by the role the statement ran as")
    func privileges() throws {
        #expect(try #require(RESTError(translating: Self.databaseError("42501", role: "anon"))).status == 401)
        #expect(try #require(RESTError(translating: Self.databaseError("42501", role: "authenticated"))).status == 403)
        #expect(try #require(FunctionError(translating: Self.databaseError("42501", role: "anon"))).status == 401)
        #expect(try #require(FunctionError(translating: Self.databaseError("42501", role: "authenticated"))).status == 403)
    }

    @Test("an ended session and a refused token are each surface's invalid token")
    func tokens() throws {
        let ended = Self.databaseError(DatabaseError.sessionEnded, role: "authenticated")
        #expect(try #require(RESTError(translating: ended)).code == "PGRST301")
        #expect(try #require(FunctionError(translating: ended)) == .invalidJWT)
        #expect(try #require(RESTError(translating: TokenError.expired)).code == "PGRST303")
        #expect(try #require(FunctionError(translating: TokenError.badSignature)) == .invalidJWT)
        #expect(try #require(AuthError(translating: TokenError.badSignature)).code == "bad_jwt")
        #expect(try #require(FunctionError(translating: CallerRequired())) == .missingAuthorization)
        #expect(try #require(AuthError(translating: CallerRequired())).code == "no_authorization")
    }

    @Test("a fault no catalogue knows is left to the middleware, which logs it and answers 500")
    func faults() {
        struct Fault: Error {}
        #expect(RESTError(translating: Fault()) == nil)
        #expect(FunctionError(translating: Fault()) == nil)
        #expect(AuthError(translating: Fault()) == nil)
        #expect(RESTError(translating: Self.databaseError("XX000")).map(\.status) == 500)
        #expect(FunctionError(translating: Self.databaseError("XX000")) == nil)
        #expect(RESTError.internalError.status == 500)
        #expect(FunctionError.internalError.status == 500)
    }
}
