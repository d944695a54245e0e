import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

@Suite("Storage: vision boards and their images", .serialized)
struct StorageSoftDeleteTests {
    func rest(_ h: StorageHarness, _ method: HTTPRequest.Method, _ path: String, bearer: String, json: String? = nil) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: h.anonKey, .authorization: "Bearer \(bearer)"]
        if json != nil { headers[.contentType] = "application/json" }
        return try await h.client.execute(uri: "/rest/v1/" + path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { $0.status }
    }

    @Test("a soft-deleted board keeps its image; the purge removes the row, the object and its bytes")
    func purge() async throws {
        try await StorageHarness.run(.local) { h in
            let user = try await h.signUp("boards@storage.test")
            let name = "\(user.id)/board 1.png"
            #expect(try await h.upload("visions", name, [8, 8, 8], bearer: user.token, type: "image/png").status == .ok)
            let other = "\(user.id)/keep.png"
            #expect(try await h.upload("visions", other, [1], bearer: user.token, type: "image/png").status == .ok)
            let url = "http://127.0.0.1:54321/storage/v1/object/authenticated/visions/\(user.id)/board%201.png"
            #expect(try await rest(h, .post, "vision_boards", bearer: user.token, json: #"{"prompt":"p","image_url":"\#(url)"}"#) == .created)

            // The user's DELETE soft-deletes: the board disappears for them, the image stays.
            #expect(try await rest(h, .delete, "vision_boards?prompt=eq.p", bearer: user.token) == .noContent)
            #expect(try await h.send(.get, "object/visions/\(user.id)/board%201.png", bearer: user.token).bytes == [8, 8, 8])
            #expect(try await h.objectRows("visions").count == 2)

            // The purge (service_role) deletes the row for real, and the image with it.
            #expect(try await rest(h, .delete, "vision_boards?prompt=eq.p", bearer: h.serviceKey) == .noContent)
            #expect(try await h.objectRows("visions") == [other])
            #expect(try await h.send(.get, "object/visions/\(user.id)/board%201.png", bearer: user.token).storageError?.statusCode == "404")
            #expect(try await h.eventually { h.files(in: "objects").count == 1 }, "the image's bytes are swept")
        }
    }
}
