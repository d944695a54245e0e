import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Requests by route template, method and status, and how long they took to answer, under the
/// names Hummingbird's `MetricsMiddleware` uses (`hb.requests`, `http.server.request.duration`,
/// `hb.request.errors`, `http.server.active_requests`). Unlike that middleware it leaves the
/// response body as it is: wrapping the body to time its last byte made every response go out
/// as two writes (head, then body), a second syscall per request. The time measured here ends
/// when the handler has answered, before a streamed body is sent.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let cache = RequestMetricsCache()

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let active = cache.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            cache.endpoint(context.endpointPath ?? "Unknown", request.method, response.status).record(since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = cache.endpoint(context.endpointPath ?? "NotFound", request.method, status)
            metrics.record(since: start)
            metrics.errors.increment()
            throw error
        }
    }
}

/// The metric handles of each method and of each route, method and status, made once: the
/// metrics factory's own lookup is slower than this dictionary.
final class RequestMetricsCache: Sendable {
    struct Endpoint: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    struct EndpointMetrics: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter

        func record(since start: ContinuousClock.Instant) {
            requests.increment()
            let elapsed = (ContinuousClock.now - start).components
            duration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        }
    }

    private let activeMeters = Mutex<[HTTPRequest.Method: Meter]>([:])
    private let endpoints = Mutex<[Endpoint: EndpointMetrics]>([:])

    func active(_ method: HTTPRequest.Method) -> Meter {
        activeMeters.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.description)])
            meters[method] = meter
            return meter
        }
    }

    func endpoint(_ route: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> EndpointMetrics {
        let key = Endpoint(route: route, method: method, status: status)
        return endpoints.withLock { endpoints in
            if let metrics = endpoints[key] { return metrics }
            let dimensions = [("http.route", route), ("http.request.method", method.description)]
            let metrics = EndpointMetrics(
                requests: Counter(label: "hb.requests", dimensions: dimensions + [("http.response.status_code", status.code.description)]),
                duration: Timer(
                    label: "http.server.request.duration", dimensions: dimensions + [("http.response.status_code", status.code.description)],
                    preferredDisplayUnit: .seconds),
                errors: Counter(label: "hb.request.errors", dimensions: dimensions + [("error.type", status.code.description)]))
            endpoints[key] = metrics
            return metrics
        }
    }
}
