#if canImport(Glibc)
import AppConfig
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Clients that open connections and send their headers slowly, or never finish them, are cut off
/// at the idle timeout while other clients are served, and so are quiet kept-alive connections;
/// all bounded, on loopback.
@Suite("Slow clients")
struct SlowClientTests {
    @Test("connections that never finish their headers are closed at the idle timeout; others are served meanwhile")
    func partialHeaders() async throws {
        // Long enough that a loaded machine still reads the normal client's head in time.
        let app = try await TestApp.make { $0.httpIdleTimeoutSeconds = 3 }
        try await app.run { client in
            let port = try #require(client.port)
            // 50 connections, each sending the start of a request head and then nothing.
            var sockets: [Int32] = []
            defer { sockets.forEach { _ = close($0) } }
            for _ in 0..<50 {
                let socket = try Self.connect(port: port)
                sockets.append(socket)
                let partial = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                _ = partial.withCString { send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            }
            // A normal client is answered while they hang.
            #expect(try await Self.offPool { try Self.health(port: port) }.hasPrefix("HTTP/1.1 200"))
            // Each slow connection is closed by the server: a read sees the end of the stream or a
            // reset within 10 s (the receive timeout, which would count as still open), never data.
            let open = sockets
            let closed = try await Self.offPool { open.filter(Self.isClosedByPeer).count }
            #expect(closed == sockets.count)
            // The server still answers.
            #expect(try await Self.offPool { try Self.health(port: port) }.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test("a kept-alive connection that stays quiet after its answer is closed at the idle timeout")
    func keptAlive() async throws {
        let app = try await TestApp.make { $0.httpIdleTimeoutSeconds = 3 }
        try await app.run { client in
            // A busy machine may fire the 3 s idle timer late: the read waits up to 30 s (and
            // returns as soon as the server closes).
            let socket = try Self.connect(port: try #require(client.port), readTimeout: 30)
            defer { _ = close(socket) }
            #expect(try await Self.offPool { try Self.exchange(socket) }.hasPrefix("HTTP/1.1 200"))
            // Nothing more is sent: the server closes the idle connection.
            #expect(try await Self.offPool { Self.isClosedByPeer(socket) })
        }
    }

    /// Runs blocking socket work on a thread of its own: waiting for the server must never hold one
    /// of the few threads the server itself needs in order to answer.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    /// `GET /health` on a connection of its own: the response's first bytes.
    static func health(port: Int) throws -> String {
        let socket = try connect(port: port)
        defer { _ = close(socket) }
        return try exchange(socket)
    }

    /// Sends `GET /health` on `socket` and reads the start of the answer.
    static func exchange(_ socket: Int32) throws -> String {
        let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(socket, &buffer, buffer.count, 0)
        guard count > 0 else { throw POSIXError(.ECONNRESET) }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    /// Whether the next read sees the peer's close (end of stream or reset) before the receive
    /// timeout; data or a timeout is false. Blocks: call it through `offPool`.
    static func isClosedByPeer(_ socket: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = recv(socket, &byte, 1, 0)
        return count == 0 || (count < 0 && errno == ECONNRESET)
    }

    /// A blocking TCP connection to 127.0.0.1, from `source` (another loopback address, to stand
    /// for another client) when given, whose reads give up after `readTimeout` seconds.
    static func connect(port: Int, from source: String? = nil, readTimeout: Int = 10) throws -> Int32 {
        #if canImport(Glibc)
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { throw POSIXError(.EIO) }
        var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                _ = close(socket)
                throw POSIXError(.EADDRNOTAVAIL)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #else
                Darwin.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #endif
            }
        }
        guard result == 0 else {
            _ = close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
        return socket
    }
}
