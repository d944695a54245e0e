import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
import TestSupport
import Tokens

@testable import VisionaryApp

/// Request ids, Server-Timing and JSON log lines.
@Suite("Request ids, Server-Timing and JSON logs")
struct RequestTraceTests {
    static func isHexID(_ text: String) -> Bool { text.wholeMatch(of: /[0-9a-f]{32}/) != nil }
    static func isTiming(_ text: String) -> Bool { text.wholeMatch(of: /app;dur=[0-9]+\.[0-9]{3}/) != nil }

    @Test("every answer, errors included, names its request (the caller's plain id, else a new one) and times it")
    func answered() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let cases: [(String, String?, HTTPResponse.Status)] = [
                ("/health", "trace-123:abc_DEF.9", .ok),
                ("/rest/v1/profiles", nil, .unauthorized),
                ("/auth/v1/user", String(repeating: "a", count: 129), .unauthorized),
                ("/storage/v1/object/visions/x", "<script>", .badRequest),
                ("/no/such/route", "", .notFound),
            ]
            var seen: Set<String> = []
            for (path, given, _) in cases {
                var headers = HTTPFields()
                if let given { headers[HTTPField.Name("X-Request-Id")!] = given }
                try await client.execute(uri: path, method: .get, headers: headers) { response in
                    let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!], "\(path)")
                    if let given, given == "trace-123:abc_DEF.9" {
                        #expect(id == given)
                    } else {
                        #expect(Self.isHexID(id), "\(path): \(id)")
                    }
                    seen.insert(id)
                    let timing = try #require(response.headers[HTTPField.Name("Server-Timing")!], "\(path)")
                    #expect(Self.isTiming(timing), "\(timing)")
                }
            }
            #expect(seen.count == cases.count, "every request its own id")
        }
    }

    @Test("JSON log lines: one object per line, the request's id on lines logged for it, line breaks and quotes escaped")
    func jsonLines() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "visionary") { label in
            JSONLogHandler(label: label, output: { line in lines.withLock { $0.append(line) } })
        }
        logger.logLevel = .info
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestTraceMiddleware())
        router.get("work") { _, context in
            context.logger.info("did \"work\"\n{\"level\":\"forged\"}", metadata: ["user": "ann", "count": .stringConvertible(3)])
            return "done"
        }
        let application = Application(router: router, logger: logger)
        try await application.test(.router) { client in
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Request-Id")!] = "req-42"
            try await client.execute(uri: "/work", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
            }
        }
        let logged = lines.withLock { $0 }.filter { $0.contains("did") }
        #expect(logged.count == 1)
        let line = try #require(logged.first)
        #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false, "one physical line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["request_id"] as? String == "req-42")
        #expect(object["message"] as? String == "did \"work\"\n{\"level\":\"forged\"}")
        #expect(object["level"] as? String == "info" && object["label"] as? String == "visionary")
        #expect(object["user"] as? String == "ann" && object["count"] as? String == "3")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)

        let clash = JSONLines.line(time: Date(), level: .error, label: "l", message: "m", source: "s", metadata: ["level": "debug"])
        #expect((try JSONSerialization.jsonObject(with: Data(clash.utf8)) as? [String: Any])?["level"] as? String == "error",
                "metadata cannot replace a fixed field")
    }

    @Test("text log lines: UTC time, level, label, the request's id and other metadata sorted, source, message")
    func textLines() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "visionary") { label in
            TextLogHandler(label: label, output: { line in lines.withLock { $0.append(line) } })
        }
        logger.logLevel = .info
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestTraceMiddleware())
        router.get("work") { _, context in
            context.logger.debug("not written")
            context.logger.info("did work", metadata: ["user": "ann"])
            return "done"
        }
        let application = Application(router: router, logger: logger)
        try await application.test(.router) { client in
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Request-Id")!] = "req-7"
            try await client.execute(uri: "/work", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
            }
        }
        let logged = lines.withLock { $0 }.filter { $0.contains("did work") || $0.contains("not written") }
        #expect(logged.count == 1, "\(logged)")
        let line = try #require(logged.first)
        #expect(line.firstMatch(of: #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000 info visionary: /#) != nil, "\(line)")
        #expect(line.contains("request_id=req-7 user=ann [") && line.hasSuffix("] did work\n"), "\(line)")
        #expect(TextLines.timestamp(Date(timeIntervalSince1970: 1_796_303_172)) == "2026-12-03T13:06:12+0000")
    }
}
