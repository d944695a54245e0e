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
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The whole body, refused past `limit` bytes.
    public func body(upTo limit: Int) async throws -> ByteBuffer {
        try await self.body.collect(upTo: limit)
    }
}
