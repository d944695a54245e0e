#if canImport(Glibc)
import AppConfig
import Glibc
import Tokens
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Wrong passwords back off per (email, client address): a stranger guessing at someone's account
/// from one address is slowed down, and the owner, from another address, signs in all the same.
@Suite("Sign-in lockout")
struct SignInLockoutTests {
    @Test("a stranger's wrong passwords block only their own address; the owner's right password works from theirs")
    func strangerCannotLockOutOwner() async throws {
        let app = try await TestApp.make {
            $0.auth.signInFreeFailures = 3
            $0.auth.signInMaxBackoff = 60
        }
        try await app.run { client in
            _ = try await app.signUp(client, email: "owner@lockout.test")
            let port = try #require(client.port)
            let apiKey = app.keys.anon
            func signIn(_ password: String, from address: String) async throws -> Int {
                try await SlowClientTests.offPool {
                    try Self.postStatus(
                        port: port, from: address, path: "/auth/v1/token?grant_type=password", apiKey: apiKey,
                        body: #"{"email":"owner@lockout.test","password":"\#(password)"}"#)
                }
            }
            // Ten guesses from the stranger's address: three free, then 429s while blocked.
            var statuses: [Int] = []
            for _ in 0..<10 { statuses.append(try await signIn("guess", from: "127.0.0.3")) }
            #expect(Array(statuses.prefix(3)) == [400, 400, 400])
            #expect(statuses.dropFirst(3).contains(429))
            #expect(Set(statuses.dropFirst(3)).isSubset(of: [400, 429]))
            // The owner, from another address, is not blocked by them.
            #expect(try await signIn("secret-password", from: "127.0.0.4") == 200)
        }
    }

    /// POSTs JSON over a connection of its own from `address` and returns the status code. Blocks:
    /// call it through `SlowClientTests.offPool`.
    static func postStatus(port: Int, from address: String, path: String, apiKey: String, body: String) throws -> Int {
        let socket = try SlowClientTests.connect(port: port, from: address)
        defer { _ = close(socket) }
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\napikey: \(apiKey)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = request.withCString { send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(socket, &buffer, buffer.count, 0)
        let line = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
        guard line.hasPrefix("HTTP/1.1 "), let status = Int(line.dropFirst(9).prefix(3)) else { throw POSIXError(.EBADMSG) }
        return status
    }
}
