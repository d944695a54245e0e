import Foundation
import Hummingbird
import Synchronization

/// A loopback server that speaks the part of Twilio's REST API the server uses — form posts to
/// `/2010-04-01/Accounts/{sid}/Messages.json` and `Calls.json` with Basic credentials — and
/// keeps what it was sent. Wrong credentials answer 401, a `To` of `refusedNumber` 400, both
/// with Twilio's JSON error shape.
public final class TwilioTestServer: Sendable {
    public static let refusedNumber = "+15550006666"

    public struct Received: Sendable, Equatable {
        public let resource: String
        public let form: [String: String]
    }

    let server: LoopbackServer
    let log: Log

    final class Log: Sendable {
        let items = Mutex<[Received]>([])
    }

    public init(accountSID: String, authToken: String) async throws {
        let log = Log()
        let expected = "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
        let router = Router()
        router.post("2010-04-01/Accounts/:sid/:resource") { request, context -> Response in
            guard request.headers[.authorization] == expected, context.parameters.get("sid") == accountSID else {
                return LoopbackServer.json(#"{"code":20003,"message":"Authenticate","status":401}"#, status: .unauthorized)
            }
            let resource = context.parameters.get("resource") ?? ""
            let body = try await request.body.collect(upTo: 64 * 1024)
            let form = LoopbackServer.form(String(buffer: body))
            log.items.withLock { $0.append(Received(resource: resource, form: form)) }
            if form["To"] == Self.refusedNumber {
                return LoopbackServer.json(#"{"code":21211,"message":"The 'To' number is not a valid phone number.","status":400}"#, status: .badRequest)
            }
            let prefix = resource == "Calls.json" ? "CA" : "SM"
            return LoopbackServer.json(#"{"sid":"\#(prefix)\#(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())","status":"queued"}"#, status: .created)
        }
        server = await LoopbackServer.start(router, label: "twilio-test-server")
        self.log = log
    }

    /// What arrived so far, in order.
    public var requests: [Received] { log.items.withLock { $0 } }

    public var port: Int { server.port }
    public var baseURL: String { server.baseURL }

    public func stop() { server.stop() }
}
