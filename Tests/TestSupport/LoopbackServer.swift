import Foundation
import Hummingbird
import Logging

/// A Hummingbird router served on a free loopback port, for the fakes of outside services.
struct LoopbackServer: Sendable {
    let port: Int
    let task: Task<Void, any Error>

    /// Starts serving `router` and returns once the port is open; quiet but for critical lines.
    static func start(_ router: Router<BasicRequestContext>, label: String) async -> LoopbackServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await value in ports { port = value; break }
        return LoopbackServer(port: port, task: task)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() { task.cancel() }

    /// A JSON answer, as the fakes give them.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A form-encoded body as names and values (`+` and `%XX` decoded; a repeated name keeps its last value).
    static func form(_ body: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            values[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return values
    }
}
