import Foundation
import NIOPosix

/// The text of a PDF through poppler's `pdftotext`, run as a bounded subprocess: the document
/// goes in and the text comes out through files in a private temporary folder, the text capped
/// in size, and the process is killed when it runs past its time.
public struct PDFText: Sendable {
    /// The `pdftotext` executable (a path, or a name looked up on the PATH).
    public let executable: String
    public let timeout: Duration
    public let maxOutputBytes: Int

    /// Threads that wait for the subprocess (two PDFs at a time), apart from the shared blocking pool.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public init(executable: String?, timeout: Duration = .seconds(30), maxOutputBytes: Int = 32 * 1024 * 1024) {
        self.executable = executable ?? "pdftotext"
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
    }

    public func text(of pdf: [UInt8]) async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("source.pdf")
        try Data(pdf).write(to: input)

        let output = folder.appendingPathComponent("text.txt")
        let errors = folder.appendingPathComponent("errors.txt")
        let process = Process()
        let arguments = ["-q", "-enc", "UTF-8", input.path, output.path]
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errors)
        defer { try? errorHandle.close() }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        // Not the server's environment (its secrets): only what the tool needs.
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8"]
        // Waiting blocks a thread: a pool thread for blocking work, never the tasks' own.
        let deadline = timeout
        let status = try await Self.pool.runIfActive { () throws -> (Process.TerminationReason, Int32) in
            do { try process.run() } catch {
                throw SourceTextError.toolMissing("PDF sources need pdftotext (VISIONARY_PDFTOTEXT), which cannot be run here")
            }
            let seconds = Double(deadline.components.seconds) + Double(deadline.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { if process.isRunning { process.terminate() } }
            process.waitUntilExit()
            return (process.terminationReason, process.terminationStatus)
        }
        guard status.0 == .exit, status.1 == 0 else {
            if status.0 == .uncaughtSignal { throw SourceTextError.unreadable("pdftotext stopped (signal \(status.1)): the PDF took too long or broke it") }
            if status.1 == 127 { throw SourceTextError.toolMissing("PDF sources need pdftotext (VISIONARY_PDFTOTEXT), which is not installed here") }
            let message = ((try? Data(contentsOf: errors)) ?? Data()).prefix(300)
            throw SourceTextError.unreadable("pdftotext cannot read it (status \(status.1)) \(String(decoding: message, as: UTF8.self))")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
        guard size <= maxOutputBytes else { throw SourceTextError.unreadable("the PDF's text is longer than \(maxOutputBytes) bytes") }
        let bytes = try Data(contentsOf: output)
        return String(decoding: bytes, as: UTF8.self)
    }
}
