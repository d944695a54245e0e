import AsyncHTTPClient
import Core
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP client of every provider call: it never follows a redirect (which would carry the
/// key to another host), gives up on a connection silent for two minutes, and lives as long as
/// the process.
public enum ProviderClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        // A stream that stops sending for two minutes has stalled.
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}

/// The HTTP side of a provider: JSON posts with its key headers, a timeout per call (the answer's
/// body included), and retries with backoff on 429, 5xx and failed connections (a 429's
/// `Retry-After` is honoured up to a few seconds). Streams are retried only until their status
/// is known. Redirects are never followed: they would carry the key to another host.
struct ProviderConnection: Sendable {
    let client: HTTPClient
    let headers: [(String, String)]
    let timeout: TimeAmount
    let attempts: Int
    /// Longest answer read, in bytes (images come base64-encoded).
    static let maxReplyBytes = 48 * 1024 * 1024
    /// Longest wait a 429's `Retry-After` may ask before the call gives up instead.
    static let maxRetryAfterSeconds = 5

    init(client: HTTPClient = ProviderClient.shared, headers: [(String, String)], timeoutSeconds: Int, attempts: Int) {
        self.client = client
        self.headers = headers
        self.timeout = .seconds(Int64(timeoutSeconds))
        self.attempts = max(1, attempts)
    }

    /// Posts a JSON body and answers the reply's bytes (2xx only).
    func post(_ url: String, json body: [UInt8]) async throws -> [UInt8] {
        try await post(url, body: body, contentType: "application/json")
    }

    /// Posts a body of any type (JSON, multipart) and answers the reply's bytes, all within the timeout.
    func post(_ url: String, body: [UInt8], contentType: String) async throws -> [UInt8] {
        let response = try await send(url, body: body, contentType: contentType)
        do {
            // The body of the attempt that answered gets the time the headers may take.
            return try await withDeadline(.nanoseconds(timeout.nanoseconds)) { Array(buffer: try await response.body.collect(upTo: Self.maxReplyBytes)) }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Posts a JSON body and answers the data lines of the server-sent events of the reply.
    /// A server that answers a stream request with one plain JSON body (some local servers do)
    /// gives that body as the one payload.
    func events(_ url: String, json body: [UInt8]) async throws -> AsyncThrowingStream<String, any Error> {
        let response = try await send(url, body: body, contentType: "application/json", accept: "text/event-stream")
        let streamed = response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream") ?? false
        return Self.stream { continuation in
            guard streamed else {
                continuation.yield(String(buffer: try await response.body.collect(upTo: Self.maxReplyBytes)))
                return
            }
            var lines = ServerSentEventLines()
            for try await chunk in response.body {
                for data in lines.feed(Array(buffer: chunk)) { continuation.yield(data) }
            }
            for data in lines.finish() { continuation.yield(data) }
        }
    }

    /// A stream whose elements `produce` yields from a task of its own: it ends when `produce`
    /// returns, or with its error as an `AIError`; the task is cancelled when the reader stops.
    static func stream<Element: Sendable>(
        _ produce: @escaping @Sendable (AsyncThrowingStream<Element, any Error>.Continuation) async throws -> Void
    ) -> AsyncThrowingStream<Element, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await produce(continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: failure(error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A provider's answer as a JSON object, or `malformedReply` saying what was expected.
    static func object(_ bytes: [UInt8], _ expected: String) throws -> JSONValue {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), value.objectValue != nil else {
            throw AIError.malformedReply(expected)
        }
        return value
    }

    private func send(_ url: String, body: [UInt8], contentType: String, accept: String = "application/json") async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.headers.add(name: "Content-Type", value: contentType)
            request.headers.add(name: "Accept", value: accept)
            request.body = .bytes(ByteBuffer(bytes: body))
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: timeout)
            } catch {
                let failure = Self.failure(error)
                if attempt < attempts, failure != .timedOut { try await Self.backoff(attempt); continue }
                throw failure
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return response }
            // The body is read and dropped: it may quote the request, and the connection is reused.
            _ = try? await response.body.collect(upTo: 1 << 20)
            switch status {
            case 429:
                let retryAfter = response.headers.first(name: "retry-after").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                if attempt < attempts, (retryAfter ?? 0) <= Self.maxRetryAfterSeconds {
                    if let retryAfter, retryAfter > 0 { try await Task.sleep(for: .seconds(retryAfter)) } else { try await Self.backoff(attempt) }
                    continue
                }
                throw AIError.rateLimited(retryAfter: retryAfter)
            case 500...:
                if attempt < attempts { try await Self.backoff(attempt); continue }
                throw AIError.unavailable("it answered \(status)")
            default:
                throw AIError.refused(status: status, Self.refusalReason(status))
            }
        }
    }

    static func refusalReason(_ status: Int) -> String {
        switch status {
        case 400: "the request was not accepted"
        case 401, 403: "the server's API key was not accepted"
        case 404: "the model or endpoint does not exist"
        case 413: "the request is too large"
        default: "status \(status)"
        }
    }

    static func failure(_ error: any Error) -> AIError {
        if let error = error as? AIError { return error }
        if error is DeadlineExceeded { return .timedOut }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout { return .timedOut }
        if error is NIOTooManyBytesError { return .malformedReply("the answer is larger than \(maxReplyBytes) bytes") }
        return .unavailable("no answer (\(type(of: error)))")
    }

    static func backoff(_ attempt: Int) async throws {
        try await Task.sleep(for: .milliseconds(250 * (1 << min(attempt - 1, 3))))
    }
}

/// Server-sent events, cut into their `data:` payloads (the lines of one event joined by newlines).
struct ServerSentEventLines: Sendable {
    private var pending: [UInt8] = []
    private var data: [String] = []
    /// Longest line kept; a longer one is a broken stream, not a reason to grow without bound.
    static let maxLineBytes = 16 * 1024 * 1024

    /// The payloads of the events these bytes complete.
    mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending += bytes
        var events: [String] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[start..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            start = newline + 1
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")); data = [] }
            } else if line.starts(with: Array("data:".utf8)) {
                var value = line.dropFirst(5)
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                data.append(String(decoding: value, as: UTF8.self))
            }
        }
        pending.removeFirst(start)
        if pending.count > Self.maxLineBytes { pending = [] }
        return events
    }

    /// The payload of an event the stream ended without a blank line after.
    mutating func finish() -> [String] {
        feed(Array("\n\n".utf8))
    }
}
