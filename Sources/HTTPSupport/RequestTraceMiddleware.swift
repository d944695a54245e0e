import Core
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Names every request and times it: the request id is the caller's `X-Request-Id` when it is a
/// sensible one (1–128 characters of letters, digits, `.`, `_`, `-`, `:`), otherwise a new
/// random one; it is put on the request's logger (`request_id`, so every line logged for the
/// request carries it) and sent back in `X-Request-Id`. The response also carries
/// `Server-Timing: app;dur=<ms>`, the time the server spent on it up to its head.
public struct RequestTraceMiddleware<Context: RequestContext>: RouterMiddleware {
    public static var requestID: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let id = request.headers[Self.requestID].flatMap(Self.acceptable) ?? Self.newID()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        do {
            var response = try await next(request, context)
            response.headers[Self.requestID] = id
            // A handler's own parts of the time (agent-chat's context and model) follow the whole.
            let timing = Self.timing(since: started)
            response.headers[.serverTiming] = response.headers[.serverTiming].map { "\(timing), \($0)" } ?? timing
            return response
        } catch let error as any HTTPResponseError {
            // Rendered here, so that the error's answer is named and timed too.
            var response = try error.response(from: request, context: context)
            response.headers[Self.requestID] = id
            response.headers[.serverTiming] = Self.timing(since: started)
            return response
        }
    }

    /// The caller's id when it is short and plain (it is echoed and logged).
    static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ byte in
                  (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                      || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                      || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
              })
        else { return nil }
        return value
    }

    /// 16 random bytes as 32 hex digits.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
        return hex(high) + hex(low)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// `app;dur=1.234`: milliseconds, three decimals.
    static func timing(since start: ContinuousClock.Instant) -> String {
        serverTiming("app", ContinuousClock.now - start)
    }
}

extension HTTPField.Name {
    static var serverTiming: Self { Self("Server-Timing")! }
}
