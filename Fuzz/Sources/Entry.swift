// libFuzzer harnesses for the parsers that read what a client sends. scripts/fuzz.sh builds this
// target with -DVISIONARY_FUZZ and -sanitize=fuzzer,address; its entry hands over to libFuzzer's
// driver, which calls `LLVMFuzzerTestOneInput` with each input; VISIONARY_FUZZ_TARGET picks the harness:
//
//   rest       method, path, query, Range/Prefer/Accept/profile headers, role and body
//              → ApiRequestParser → Planner (a small hand-built schema cache) → StatementRenderer
//   headers    Range, Prefer and Accept values alone, through the request parser
//   jwt        HS256 verification of raw tokens, of validly signed tokens with fuzzed JSON, and
//              the caller resolver
//   multipart  the streaming multipart parser, in chunks of varying size, against the same body
//              parsed in one piece
//
// A harness traps (fatalError) when an answer breaks an invariant, so libFuzzer keeps that input.
// Built by a plain `swift build`, this target is a stub that says how to run it.
#if VISIONARY_FUZZ
import Foundation

enum FuzzTarget: String, CaseIterable {
    case rest, headers, jwt, multipart

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["VISIONARY_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("set VISIONARY_FUZZ_TARGET=\(names)\n".utf8))
            exit(2)
        }
        return target
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    switch FuzzTarget.selected {
    case .rest: RESTFuzzer.run(input)
    case .headers: HeaderFuzzer.run(input)
    case .jwt: JWTFuzzer.run(input)
    case .multipart: MultipartFuzzer.run(input)
    }
    return 0
}

/// libFuzzer's driver, which its own `main` would call.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The entry point. SwiftPM links every executable with `main` defined as `<module>_main`, which
/// would shadow libFuzzer's `main` (scripts/fuzz.sh links with lld, where that alias wins), so
/// this is that symbol, and it hands over to libFuzzer's driver.
@_cdecl("VisionaryFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv, fuzz)
}
#else
@main
enum VisionaryFuzzStub {
    static func main() {
        print("VisionaryFuzz is built for fuzzing by scripts/fuzz.sh (make fuzz); this build is a stub.")
    }
}
#endif

/// An input's lines (split on newline bytes), the last one keeping any further newlines.
func lines(_ input: UnsafeBufferPointer<UInt8>, count: Int) -> [String] {
    input.split(separator: 10, maxSplits: count - 1, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
}

/// Stops the fuzzer on this input: an answer broke an invariant.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}
