import Core
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Names every request and times it: the request id is the caller's `X-Request-Id` when it is a
/// sensible one (1–128 characters of letters, digits, `.`, `_`, `-`, `:`), otherwise a new one
/// (unique within the process, different across processes; a name, not a secret); it is put on
/// the request's logger (`request_id`, so every line logged for the request carries it) and sent
/// back in `X-Request-Id`. The response also carries
/// `Server-Timing: app;dur=<ms>`, the time the server spent on it up to its head.
public struct RequestTraceMiddleware<Context: RequestContext>: RouterMiddleware {
    public static var requestID: HTTPField.Name { .requestID }

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

    /// 32 hex digits: the process's random key, then the request's number scrambled by a
    /// bijection (SplitMix64's finaliser over the number plus a random offset), so ids never
    /// repeat within a process, do not read as a count, and cost no system call. The finaliser
    /// can be inverted: two ids of one process tell how many ids lie between them.
    static func newID() -> String {
        let number = IDSequence.next.add(1, ordering: .relaxed).newValue
        return hex(IDSequence.keys.process, IDSequence.scrambled(number &+ IDSequence.keys.offset))
    }

    /// `high` then `low`, each as 16 lower-case hex digits.
    static func hex(_ high: UInt64, _ low: UInt64) -> String {
        withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { $0.hexString }
    }

    /// `app;dur=1.234`: milliseconds, three decimals.
    static func timing(since start: ContinuousClock.Instant) -> String {
        serverTiming("app", ContinuousClock.now - start)
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let serverTiming = Self("Server-Timing")!
}

/// The numbering of generated request ids.
enum IDSequence {
    static let next = Atomic<UInt64>(0)
    static let keys: (process: UInt64, offset: UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    /// SplitMix64's finaliser: a bijection of `UInt64` that scatters consecutive numbers.
    static func scrambled(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
