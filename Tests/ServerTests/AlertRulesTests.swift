import Foundation
import Testing
import TestSupport

/// The alerting rules of `ops/alerts.yml`, checked and unit-tested with promtool.
///
/// `VISIONARY_PROMTOOL` names promtool, as printed by `scripts/install-promtool.sh` (`make test`
/// installs it and sets the variable).
@Suite("Alerting rules")
struct AlertRulesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ops").path
    static let rulesFile = folder + "/alerts.yml"

    /// The metric names the rules' expressions read: the server's own (`visionary_`, `hb_`,
    /// `http_`) and Prometheus's `up`, outside comments, alert names, annotations and label matchers.
    static func metricNames(in rules: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"\b(?:(?:visionary|hb|http)_[a-z0-9_]+|up(?=\{))\b(?![=!~])"#)
        var names: Set<String> = []
        for line in rules.split(separator: "\n").map(String.init) {
            let code = line.trimmingCharacters(in: .whitespaces)
            guard !code.hasPrefix("#"), !code.hasPrefix("summary:"), !code.hasPrefix("description:"), !code.hasPrefix("- alert:") else { continue }
            for match in pattern.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
                names.insert(String(line[Range(match.range, in: line)!]))
            }
        }
        return names
    }

    /// promtool's exit status and output; `file`'s folder is the working directory.
    static func promtool(_ command: [String], file: String) async throws -> (status: Int32, output: String) {
        guard let path = ProcessInfo.processInfo.environment["VISIONARY_PROMTOOL"], !path.isEmpty else {
            throw PromtoolMissing()
        }
        return try await Program.run(path, command + [file], in: URL(fileURLWithPath: file).deletingLastPathComponent())
    }

    struct PromtoolMissing: Error, CustomStringConvertible {
        var description: String {
            "VISIONARY_PROMTOOL is not set: run `make test` (it installs promtool with scripts/install-promtool.sh), or set it to that script's last line"
        }
    }

    @Test("promtool accepts the rules, and their unit tests pass: each alert fires on its signal and not on a healthy series")
    func checked() async throws {
        let check = try await Self.promtool(["check", "rules"], file: Self.rulesFile)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: 6 rules found"), "\(check.output)")
        let test = try await Self.promtool(["test", "rules"], file: Self.folder + "/alerts-test.yml")
        #expect(test.status == 0, "\(test.output)")
    }

    @Test("promtool refuses a broken copy of the rules, so the check above can fail")
    func brokenRulesRefused() async throws {
        let rules = try String(contentsOfFile: Self.rulesFile, encoding: .utf8)
        let copy = NSTemporaryDirectory() + "visionary-alerts-\(UUID().uuidString).yml"
        try rules.replacingOccurrences(of: "visionary_jobs_oldest_due_age_seconds > 600", with: "visionary_jobs_oldest_due_age_seconds >")
            .write(toFile: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let check = try await Self.promtool(["check", "rules"], file: copy)
        #expect(check.status != 0)
    }

    @Test("the rules watch errors, latency, queue age, dead letters and the database")
    func watched() throws {
        let names = Self.metricNames(in: try String(contentsOfFile: Self.rulesFile, encoding: .utf8))
        #expect(names == ["hb_requests", "http_server_request_duration_bucket", "visionary_jobs_oldest_due_age_seconds",
                          "visionary_jobs_queue_depth", "visionary_database_up", "up"])
    }
}
