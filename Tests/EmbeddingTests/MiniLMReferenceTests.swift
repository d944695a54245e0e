import Embedding
import Foundation
import Testing

/// The built-in model against an independent numpy implementation of the same forward pass
/// (`Reference/minilm_reference.py`, its own safetensors reader and tokeniser), on the same
/// files: the model of `VISIONARY_EMBEDDING_MODEL_DIR`, numpy in the venv whose python is
/// `VISIONARY_EMBEDDING_REFERENCE` (`make test` installs and sets both).
@Suite struct MiniLMReferenceTests {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference")

    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String { "\(variable) is not set: run `make test`, which installs and sets it" }
    }

    static func setting(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(variable: name) }
        return value
    }

    static func model() throws -> MiniLMEmbeddingModel {
        try MiniLMEmbeddingModel(directory: URL(fileURLWithPath: try setting("VISIONARY_EMBEDDING_MODEL_DIR")))
    }

    struct Oracle: Decodable {
        let vectors: [[Double]]
        let token_ids: [[Int32]]
    }

    /// The oracle's vectors and token ids for `sentences`.
    static func oracle(_ sentences: [String]) throws -> Oracle {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try setting("VISIONARY_EMBEDDING_REFERENCE"))
        process.arguments = [reference.appendingPathComponent("minilm_reference.py").path, try setting("VISIONARY_EMBEDDING_MODEL_DIR"), "embed"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(sentences))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode(Oracle.self, from: data)
    }

    @Test func agreesWithTheNumpyReference() async throws {
        let sentences = try JSONDecoder().decode([String].self, from: Data(contentsOf: Self.reference.appendingPathComponent("sentences.json")))
        #expect(sentences.count == 20)
        let model = try Self.model()
        let oracle = try Self.oracle(sentences)
        let vectors = try await model.embed(sentences)
        #expect(vectors.count == sentences.count)
        for (index, sentence) in sentences.enumerated() {
            #expect(model.tokenizer.encode(sentence, maxTokens: model.maxTokens) == oracle.token_ids[index], "tokens of \(sentence.prefix(40))")
            let ours = vectors[index].map(Double.init)
            let theirs = oracle.vectors[index]
            #expect(ours.count == 384 && theirs.count == 384)
            let cosine = zip(ours, theirs).reduce(0) { $0 + $1.0 * $1.1 }
                / (ours.reduce(0) { $0 + $1 * $1 }.squareRoot() * theirs.reduce(0) { $0 + $1 * $1 }.squareRoot())
            #expect(cosine >= 0.9999, "cosine \(cosine) for \(sentence.prefix(40))")
            let norm = ours.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        // Batching is invisible: one text alone gives the vector it gets among others.
        let alone = try await model.embed([sentences[3]])[0]
        let cosine = zip(alone, vectors[3]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(cosine > 0.99999)
    }

    @Test func meaningIsCloserThanWords() async throws {
        let model = try Self.model()
        let vectors = try await model.embed([
            "I go running every morning before work.", "How do I keep fit?", "The quarterly tax return is due in April.",
        ])
        func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[2], vectors[1]) + 0.1)
    }

    @Test func refusesMissingOrBrokenModelFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: EmbeddingError.self) { try MiniLMEmbeddingModel(directory: folder) }
        let real = URL(fileURLWithPath: try Self.setting("VISIONARY_EMBEDDING_MODEL_DIR"))
        for name in ["config.json", "vocab.txt", "sentence_bert_config.json"] {
            try FileManager.default.copyItem(at: real.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        // A weights file whose header claims more than the file holds.
        var header = Data([0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0])
        header += Data("{}".utf8)
        try header.write(to: folder.appendingPathComponent("model.safetensors"))
        #expect(throws: EmbeddingError.self) { try MiniLMEmbeddingModel(directory: folder) }
        // A well-formed file missing the tensors.
        let json = Data(#"{"__metadata__":{"format":"pt"}}"#.utf8)
        var empty = Data((0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) })
        empty += json
        try empty.write(to: folder.appendingPathComponent("model.safetensors"))
        #expect(throws: EmbeddingError.self) { try MiniLMEmbeddingModel(directory: folder) }
    }

    @Test func theServersCopyLoadsOnceAndKeepsAFailure() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("visionary-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = BuiltinEmbeddingModel(directory: folder)
        await #expect(throws: EmbeddingError.self) { try await missing.load() }
        // Files that appear later are not read: the failure stands until the process restarts.
        let real = URL(fileURLWithPath: try Self.setting("VISIONARY_EMBEDDING_MODEL_DIR"))
        try FileManager.default.copyItem(at: real, to: folder)
        await #expect(throws: EmbeddingError.self) { try await missing.embed(["hello"]) }
        let model = BuiltinEmbeddingModel(directory: real)
        try await model.load()
        #expect(try await model.embed(["hello"]).first?.count == model.dimensions)
    }
}
