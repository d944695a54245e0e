import Core
import Crypto

/// AWS Signature Version 4 for S3 requests (header-based, `AWS4-HMAC-SHA256`). Pure: the time
/// is passed in. Signs `host`, every `x-amz-*` header and whatever else the request names.
public struct AWSSignatureV4: Sendable {
    public let accessKeyID: String
    let secretAccessKey: String
    public let region: String
    public let service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// SHA-256 of the empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256` and `Authorization`.
    /// - Parameters:
    ///   - path: the request path, already URI-encoded as it goes on the wire.
    ///   - query: decoded query parameters.
    ///   - headers: the headers to sign besides those added here (`host` must be among them).
    ///   - secondsSince1970: the signing time.
    public func signedHeaders(
        method: String, path: String, query: [(String, String)] = [], headers: [(String, String)],
        payloadHash: String, secondsSince1970: Int64
    ) -> [(String, String)] {
        let (date, stamp) = Self.timestamps(secondsSince1970)
        var all: [(name: String, value: String)] = headers.map { (name: $0.0.lowercased(), value: Self.trimmed($0.1)) }
        all.append((name: "x-amz-content-sha256", value: payloadHash))
        all.append((name: "x-amz-date", value: stamp))
        all.sort { $0.name < $1.name }
        let signedNames = all.map(\.name).joined(separator: ";")
        var pairs: [(name: String, value: String)] = query.map {
            (name: Self.uriEncode($0.0, keepSlash: false), value: Self.uriEncode($0.1, keepSlash: false))
        }
        pairs.sort { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name }
        let canonicalQuery = pairs.map { $0.name + "=" + $0.value }.joined(separator: "&")
        let canonicalHeaders = all.map { $0.name + ":" + $0.value + "\n" }.joined()
        let canonicalPath = path.isEmpty ? "/" : path
        let canonicalRequest: String = [method, canonicalPath, canonicalQuery, canonicalHeaders, signedNames, payloadHash]
            .joined(separator: "\n")
        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256", stamp, scope, SHA256.hash(data: Array(canonicalRequest.utf8)).hexString,
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key).hexString
        return [
            ("x-amz-date", stamp),
            ("x-amz-content-sha256", payloadHash),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedNames), Signature=\(signature)"),
        ]
    }

    /// URI-encodes as SigV4 wants (`/` kept in paths).
    public static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        text.percentEncoded(keepingSlash: keepSlash)
    }

    static func trimmed(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// `yyyyMMdd` and `yyyyMMdd'T'HHmmss'Z'` of a UTC time (civil-from-days, no calendar needed).
    static func timestamps(_ seconds: Int64) -> (date: String, stamp: String) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let date = pad(year, 4) + pad(month, 2) + pad(day, 2)
        let time = pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2)
        return (date, date + "T" + time + "Z")
    }
}
