import Foundation

/// The Debian tools the print tests check PDFs with (`VISIONARY_PDF_TOOLS`, the folder
/// `scripts/install-pdf-tools.sh` prints; `make test` sets it), and the workbook fonts
/// (`VISIONARY_WORKBOOK_FONTS`).
public enum PDFTools {
    public struct Missing: Error, CustomStringConvertible {
        let variable: String
        public init(variable: String) { self.variable = variable }
        public var description: String { "\(variable) is not set: run `make test`, which installs and sets it" }
    }

    public static func folder(_ variable: String) throws -> String {
        guard let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty else { throw Missing(variable: variable) }
        return path
    }

    public static var fontsFolder: String { get throws { try folder("VISIONARY_WORKBOOK_FONTS") } }

    public static func run(_ tool: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await Program.run(try folder("VISIONARY_PDF_TOOLS") + "/bin/" + tool, arguments)
    }

    /// Writes `bytes` to a temporary file and hands its path to `body`.
    public static func withFile<T>(_ bytes: [UInt8], suffix: String = ".pdf", _ body: (String) async throws -> T) async throws -> T {
        let path = NSTemporaryDirectory() + "visionary-print-\(UUID().uuidString)\(suffix)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// `qpdf --check` of the document: its status and output.
    public static func check(_ pdf: [UInt8]) async throws -> (status: Int32, output: String) {
        try await withFile(pdf) { try await run("qpdf", ["--check", $0]) }
    }

    /// `pdfinfo -box` of the document.
    public static func info(_ pdf: [UInt8]) async throws -> String {
        try await withFile(pdf) { try await run("pdfinfo", ["-box", $0]).output }
    }

    /// The value pdfinfo prints for `name`, its spaces collapsed.
    public static func field(_ info: String, _ name: String) -> String? {
        for line in info.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).split(separator: " ").joined(separator: " ")
        }
        return nil
    }

    public struct RenderFailed: Error, CustomStringConvertible {
        public let output: String
        public init(output: String) { self.output = output }
        public var description: String { "pdftoppm failed: \(output)" }
    }
}

