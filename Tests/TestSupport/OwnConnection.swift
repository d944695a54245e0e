import HTTPTypes
import HummingbirdTesting
import NIOCore

/// One request on a connection of its own, closed after the answer.
///
/// The `.live` test client keeps a single connection, so requests a test starts "at once" are
/// pipelined on it and the server answers them one after another: nothing about them is
/// concurrent. Tests of races (two acceptances, twenty refreshes, four uploads of one key) send
/// each request through here instead, as separate tabs or devices would, so that the server really
/// runs them side by side. The read timeout is generous because such a test's requests may wait on
/// each other's locks on a machine that is running the whole suite.
public enum OwnConnection {
    public struct Answer: Sendable {
        public let status: HTTPResponse.Status
        public let headers: HTTPFields
        public let body: ByteBuffer
    }

    /// One request through `client`, or, when `ownConnection`, on a connection of its own to the
    /// same server: the one place test clients choose between the two.
    public static func exchange(
        _ client: any TestClientProtocol, ownConnection: Bool, uri: String, method: HTTPRequest.Method, headers: HTTPFields,
        body: ByteBuffer?
    ) async throws -> Answer {
        if ownConnection { return try await send(port: client.port, uri: uri, method: method, headers: headers, body: body) }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Answer(status: response.status, headers: response.headers, body: response.body)
        }
    }

    public static func send(
        port: Int?, uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?
    ) async throws -> Answer {
        guard let port else { throw TestAppError.notLive }
        return try await TestClient.withClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(60))) { client in
            let response = try await client.execute(.init(uri, method: method, authority: "localhost", headers: headers, body: body))
            return Answer(status: response.head.status, headers: response.head.headerFields, body: response.body ?? ByteBuffer())
        }
    }
}

public enum TestAppError: Error {
    /// The client is not connected to a live server, so there is no port to open another connection to.
    case notLive
}
