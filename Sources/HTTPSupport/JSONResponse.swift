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

extension HTTPFields {
    /// The value of field `name`: as the subscript reads it (several fields joined by commas),
    /// but without making a new string when there is one field, the usual case. For the headers
    /// read on every request.
    public func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}

extension Request {
    /// The bearer token of the `Authorization` header (scheme matched case-insensitively).
    public var bearerToken: String? {
        guard var value = headers.value(of: .authorization) else { return nil }
        // Byte-wise, without copies but the token's own: this runs on every API request.
        return value.withUTF8 { bytes -> String? in
            let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            guard bytes.count > 7, isSpace(bytes[6]) else { return nil }
            for (offset, letter) in "bearer".utf8.enumerated() where bytes[offset] | 0x20 != letter { return nil }
            var start = 7
            var end = bytes.count
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            return start == end ? nil : String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }

    /// The whole body, refused past `limit` bytes.
    public func body(upTo limit: Int) async throws -> ByteBuffer {
        try await self.body.collect(upTo: limit)
    }
}
