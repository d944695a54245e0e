import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) for MFA
/// factors. A factor's secret is derived from the project secret and the factor's id, so the
/// database never holds it. Pure: times are passed in.
struct TOTP: Sendable {
    static let step: Double = 30
    static let digits = 6
    let key: SymmetricKey

    init(projectSecret: String) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(
            for: Data("visionary mfa totp secrets".utf8), using: SymmetricKey(data: Data(projectSecret.utf8))))
    }

    /// The factor's 160-bit shared secret.
    func secret(factor: UUID) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data("factor:\(factor.uuidString.lowercased())".utf8), using: key).prefix(20))
    }

    /// The time step of `date`.
    static func counter(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / step).rounded(.down))
    }

    /// The code of `secret` at `counter` (RFC 4226's HOTP with dynamic truncation).
    static func code(secret: [UInt8], counter: Int64, digits: Int = digits) -> String {
        var big = UInt64(bitPattern: counter).bigEndian
        let message = withUnsafeBytes(of: &big) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[19] & 0x0F)
        let value = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(value % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step whose code `code` is, among the step of `now` and one either side (clocks drift),
    /// later than `after`; compared in constant time.
    func matchingStep(of code: String, factor: UUID, now: Date, after: Int64?) -> Int64? {
        let secret = secret(factor: factor)
        let current = Self.counter(now)
        var found: Int64?
        for counter in (current - 1)...(current + 1) where counter > (after ?? Int64.min) {
            let expected = Array(Self.code(secret: secret, counter: counter).utf8)
            let given = Array(code.utf8)
            var difference = UInt8(expected.count == given.count ? 0 : 1)
            for index in 0..<min(expected.count, given.count) { difference |= expected[index] ^ given[index] }
            if difference == 0, found == nil { found = counter }
        }
        return found
    }

    /// RFC 4648 base32 without padding, as authenticator apps read secrets.
    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var output = ""
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 0x1F)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
        return output
    }
}
