import Foundation
import Tokens

/// One request as a function sees it: the verified caller, the method, the path after the
/// function's name, the decoded query, every header, and the body bytes untouched.
public struct FunctionRequest: Sendable {
    /// The function's name (first path segment after `/functions/v1/`).
    public let function: String
    /// Who is calling: the verified bearer's role and claims (`anon` when the function does not
    /// verify tokens and none was valid).
    public let caller: Caller
    /// `GET`, `POST`, … as sent.
    public let method: String
    /// What follows the name, e.g. `/complete` for `/functions/v1/habit-service/complete`; empty
    /// when nothing does.
    public let subPath: String
    /// Query parameters in order, `+` and `%XX` decoded.
    public let query: [(name: String, value: String)]
    /// Request headers in order, names as sent.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(
        function: String, caller: Caller, method: String, subPath: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8]
    ) {
        self.function = function
        self.caller = caller
        self.method = method
        self.subPath = subPath
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, its name matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// A query string split into decoded pairs (form encoding: `+` is a space).
    public static func decodeQuery(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

/// A function's answer: status, headers and body, relayed as produced.
public struct FunctionResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// A body written as it is made (server-sent events), instead of `body`.
    public var stream: AsyncThrowingStream<[UInt8], any Error>?

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Server-sent events: each element is written to the client as soon as it is made.
    public static func eventStream(_ events: AsyncThrowingStream<[UInt8], any Error>) -> FunctionResponse {
        var response = FunctionResponse(headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
        response.stream = events
        return response
    }

    /// A JSON answer whose text is already serialised (often built by PostgreSQL).
    public static func json(_ text: String, status: Int = 200) -> FunctionResponse {
        FunctionResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }
}
