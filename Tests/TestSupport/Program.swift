import Foundation

/// Running a program from a test.
public enum Program {
    /// Runs `program` with `arguments` (in `folder` when given) and waits for it without holding
    /// a thread (`Process.waitUntilExit` spins off the main thread on Linux): its exit status and
    /// everything it printed on standard output and error, gathered in a file so that a long
    /// output can never fill a pipe and stall it.
    public static func run(_ program: String, _ arguments: [String], in folder: URL? = nil) async throws -> (status: Int32, output: String) {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-program-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let output = try FileHandle(forWritingTo: outputFile)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return (status, (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
    }
}
