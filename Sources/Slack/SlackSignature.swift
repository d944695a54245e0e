import Core
import Crypto
import Foundation

/// Slack's request signing, version 0: `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256,
/// under the app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<body>`. A request is
/// accepted only with a matching signature (compared in constant time) and a timestamp within
/// five minutes of now; replays inside that window are the caller's to refuse (`SlackService`
/// records each signature once). Pure: the time is passed in.
public struct SlackSignature: Sendable {
    let key: SymmetricKey
    /// How far a request's timestamp may be from now, either way.
    public static let tolerance: TimeInterval = 300

    public init(signingSecret: String) {
        key = SymmetricKey(data: Data(signingSecret.utf8))
    }

    /// Why a request is not Slack's.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missing
        case stale
        case mismatch
        case replayed

        public var description: String {
            switch self {
            case .missing: "the request carries no X-Slack-Signature and X-Slack-Request-Timestamp"
            case .stale: "the request's X-Slack-Request-Timestamp is more than five minutes from now"
            case .mismatch: "the request's X-Slack-Signature does not match its body"
            case .replayed: "this signed request was received already"
            }
        }
    }

    /// Checks one request's headers against its body, exactly as received.
    public func verify(timestamp: String?, signature: String?, body: [UInt8], now: Date) throws(Failure) {
        guard let timestamp, let signature, timestamp.utf8.count <= 20, let seconds = Int64(timestamp) else { throw .missing }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= Self.tolerance else { throw .stale }
        guard signature.hasPrefix("v0="), let mac = [UInt8](hexString: String(signature.dropFirst(3))), mac.count == 32 else {
            throw .mismatch
        }
        var signed = Array("v0:\(timestamp):".utf8)
        signed.append(contentsOf: body)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) else { throw .mismatch }
    }

    /// The signature Slack would send for this body at this timestamp.
    public func sign(timestamp: String, body: [UInt8]) -> String {
        var signed = Array("v0:\(timestamp):".utf8)
        signed.append(contentsOf: body)
        return "v0=" + HMAC<SHA256>.authenticationCode(for: signed, using: key).hexString
    }
}
