import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Tokens

extension TestApp {
    /// One request as a client of any surface sends it: the anon key as `apikey`, `bearer` as the
    /// `Authorization` token, and a JSON body when given. Answers the status and the body text.
    func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, bearer: String, body: String? = nil
    ) async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [HTTPField.Name("apikey")!: keys.anon, .authorization: "Bearer \(bearer)"]
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            ($0.status, String(buffer: $0.body))
        }
    }
}
