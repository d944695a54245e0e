import Core
import RESTQuery

/// The `Range`, `Prefer` and `Accept` parsers on their own: each input line is one header value,
/// the lines taking those three names in turn, on a `GET` of a relation with no query, so only
/// the headers decide the answer.
enum HeaderFuzzer {
    static let names = ["Range", "Prefer", "Accept"]

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let values = lines(input, count: 64)
        let headers = values.enumerated().map { (name: names[$0.offset % names.count], value: $0.element) }
        for method in ["GET", "HEAD"] {
            guard case .success(let request) = ApiRequestParser.parse(method: method, path: "/t", query: "", headers: headers, body: nil)
            else { continue }
            check(request)
        }
        // The profile header is the one other value read on a read.
        let profiled = headers.map { (name: "Accept-Profile", value: $0.value) }
        if case .success(let request) = ApiRequestParser.parse(method: "GET", path: "/t", query: "", headers: profiled, body: nil) {
            invariant(request.profile.map { !$0.isEmpty } ?? true, "an empty profile")
        }
    }

    /// What every parsed request promises of the integers it carries.
    static func check(_ request: ApiRequest) {
        let bounds = 0...RequestInteger.maxCount
        if let range = request.range {
            invariant(bounds.contains(range.lower), "Range lower bound \(range.lower)")
            if let upper = range.upper { invariant(bounds.contains(upper) && range.lower <= upper, "Range \(range.lower)-\(upper)") }
        }
        if let maxAffected = request.preferences.maxAffected { invariant(bounds.contains(maxAffected), "max-affected \(maxAffected)") }
        for window in request.query.ranges {
            if let limit = window.limit { invariant(bounds.contains(limit), "limit \(limit)") }
            if let offset = window.offset { invariant(bounds.contains(offset), "offset \(offset)") }
        }
    }
}
