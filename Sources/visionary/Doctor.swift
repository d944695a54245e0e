import AppConfig
import ArgumentParser
import Foundation
import VisionaryApp

/// `visionary doctor`: the live database report; exits with status 2 when it finds a HIGH issue.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report on the live database: inventory, best-practices scorecard, issues by severity, policies, indexes, migrations.",
        discussion: "Prints Markdown (or JSON with --json). Exits with status 2 when a HIGH finding is reported, so CI can run it.")
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print the report as JSON instead of Markdown.")
    var json = false
    @Option(help: "Write the report to this file instead of standard output.")
    var file: String?

    func run() async throws {
        try await reportingErrors {
            let report = try await DoctorCommand.report(config: try options.config())
            let text = DoctorCommand.render(report, as: json ? .json : .markdown)
            if let file {
                try text.write(toFile: file, atomically: true, encoding: .utf8)
            } else {
                print(text, terminator: "")
            }
            let status = DoctorCommand.exitStatus(of: report)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
