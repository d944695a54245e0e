// The built-in embedding model's throughput (`scripts/bench-knowledge.sh` runs it in a release
// build): 200-token chunks per second and the GFLOP/s the encoder reaches, next to OpenBLAS's own
// single-matrix sgemm peak measured in the same process, with the CPU time per chunk. Prints one
// JSON line per run; the script takes the median of five.
//
//   EmbeddingBench MODEL_DIR [CHUNKS] [TOKENS]
import COpenBLAS
import Embedding
import Foundation

/// The benchmark's chunks, as the numpy reference builds them: chunk i is the words of the
/// paragraph at positions (7·i + k) mod W for k < TOKENS − 2, each word one vocabulary token.
func benchTexts(count: Int, tokens: Int) -> [String] {
    let paragraph = "the quick brown fox jumped over the lazy dog while the old farmer walked slowly along "
        + "the river to the small village where people gather every morning to buy fresh bread and "
        + "talk about the weather the news and the price of grain before they return home to work "
        + "in the fields until the sun goes down behind the hills and the children come back from "
        + "school with stories about what they learned that day"
    let words = paragraph.split(separator: " ", omittingEmptySubsequences: false)
    return (0..<count).map { i in (0..<(tokens - 2)).map { k in words[(7 * i + k) % words.count] }.joined(separator: " ") }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// OpenBLAS's sgemm on one n×n product: GFLOP/s (best of three).
func sgemmPeak(n: Int) -> Double {
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    var best = Double.infinity
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return 2 * Double(n * n * n) / best / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: EmbeddingBench MODEL_DIR [CHUNKS] [TOKENS]\n".utf8))
    exit(2)
}
let chunks = arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64
let tokens = arguments.count > 3 ? Int(arguments[3]) ?? 200 : 200
let model = try MiniLMEmbeddingModel(directory: URL(fileURLWithPath: arguments[1]))
let texts = benchTexts(count: chunks, tokens: tokens)
precondition(texts.allSatisfy { model.tokenizer.encode($0, maxTokens: model.maxTokens).count == tokens }, "every chunk is \(tokens) tokens")
_ = model.embedNow(Array(texts.prefix(8)))  // warm-up: first-touch of the weights and OpenBLAS's threads
let cpuBefore = cpuSeconds()
let start = DispatchTime.now().uptimeNanoseconds
let vectors = model.embedNow(texts)
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
let cpu = cpuSeconds() - cpuBefore
precondition(vectors.count == chunks)
let operations = model.operations(for: texts)
let peak = sgemmPeak(n: 1536)
print(String(format: #"{"chunks_per_second":%.2f,"seconds":%.3f,"cpu_us_per_chunk":%.0f,"gflops":%.2f,"sgemm_peak_gflops":%.2f,"chunks":%d,"tokens":%d,"threads":%d}"#,
             Double(chunks) / seconds, seconds, cpu / Double(chunks) * 1e6, operations / seconds / 1e9, peak, chunks, tokens, Int(openblas_get_num_threads())))
