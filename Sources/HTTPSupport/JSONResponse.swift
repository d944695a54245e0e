import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A JSON response whose body is already serialised (often built by PostgreSQL).
    public static func json(_ body: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension Request {
    /// The bearer token of the `Authorization` header (scheme matched case-insensitively).
    public var bearerToken: String? {
        guard let value = headers[.authorization] else { return nil }
        // Byte-wise: this runs on every API request.
        let bytes = value.utf8
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard bytes.count > 7, bytes.prefix(6).map({ $0 | 0x20 }).elementsEqual("bearer".utf8), isSpace(bytes[bytes.index(bytes.startIndex, offsetBy: 6)])
        else { return nil }
        let token = bytes.dropFirst(7).drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        return token.isEmpty ? nil : String(decoding: token, as: UTF8.self)
    }

    /// The whole body, refused past `limit` bytes.
    public func body(upTo limit: Int) async throws -> ByteBuffer {
        try await self.body.collect(upTo: limit)
    }
}
