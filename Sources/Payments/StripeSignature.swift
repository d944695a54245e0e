import Core
import Crypto
import Foundation

/// Stripe's webhook signatures: `Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]`, each
/// `v1` an HMAC-SHA256 of `<t>.<payload>` under an endpoint secret. An event is accepted when any
/// `v1` matches under any configured secret (compared in constant time) and `t` is within 300
/// seconds of now. Pure: the time is passed in.
public struct StripeSignature: Sendable {
    let keys: [SymmetricKey]
    public static let tolerance: TimeInterval = 300

    public init(secrets: [String]) {
        keys = secrets.map { SymmetricKey(data: Data($0.utf8)) }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missing
        case stale
        case mismatch

        public var description: String {
            switch self {
            case .missing: "the request carries no valid Stripe-Signature header"
            case .stale: "the Stripe-Signature timestamp is more than 300 seconds from now"
            case .mismatch: "no signature of the Stripe-Signature header matches the payload"
            }
        }
    }

    public func verify(header: String?, payload: [UInt8], now: Date) throws(Failure) {
        guard let header, header.utf8.count <= 4096 else { throw .missing }
        var timestamp: String?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = pair[1] }
            if pair[0] == "v1", let bytes = [UInt8](hexString: pair[1]), bytes.count == 32 { signatures.append(bytes) }
        }
        guard let timestamp, timestamp.utf8.count <= 20, let seconds = Int64(timestamp), !signatures.isEmpty else { throw .missing }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= Self.tolerance else { throw .stale }
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        for key in keys {
            for signature in signatures where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) {
                return
            }
        }
        throw .mismatch
    }

    /// The header Stripe would send for this payload at `timestamp`, signed with the first secret.
    public func header(payload: [UInt8], timestamp: Int) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        return "t=\(timestamp),v1=" + HMAC<SHA256>.authenticationCode(for: signed, using: keys[0]).hexString
    }
}
