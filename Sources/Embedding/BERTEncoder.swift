import COpenBLAS
import Foundation

/// The shape of a BERT encoder, from the model's `config.json`.
struct BERTConfiguration: Decodable {
    let hiddenSize: Int
    let intermediateSize: Int
    let numAttentionHeads: Int
    let numHiddenLayers: Int
    let maxPositionEmbeddings: Int
    let vocabSize: Int
    let layerNormEps: Float
    let hiddenAct: String

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numAttentionHeads = "num_attention_heads", numHiddenLayers = "num_hidden_layers"
        case maxPositionEmbeddings = "max_position_embeddings", vocabSize = "vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
    }
}

/// A BERT encoder's forward pass, mean-pooled and L2-normalised: what sentence-transformers
/// computes for all-MiniLM-L6-v2. The matrix products go to OpenBLAS's `sgemm`.
///
/// Sequences are packed, not padded: the linear layers run over every token of a batch as one
/// matrix, and attention runs per sequence over its own tokens only — the same result as padding
/// with an attention mask, without computing the padding.
final class BERTEncoder: Sendable {
    struct LayerNorm {
        let weight: [Float]
        let bias: [Float]
    }

    struct Linear {
        /// `[outputs × inputs]`, row-major, as PyTorch stores it.
        let weight: [Float]
        let bias: [Float]
        let inputs: Int
        let outputs: Int
    }

    struct Layer {
        /// Query, key and value stacked into one `[3·hidden × hidden]` product.
        let queryKeyValue: Linear
        let attentionOutput: Linear
        let attentionNorm: LayerNorm
        let intermediate: Linear
        let output: Linear
        let outputNorm: LayerNorm
    }

    let configuration: BERTConfiguration
    private let wordEmbeddings: [Float]
    private let positionEmbeddings: [Float]
    private let tokenTypeEmbedding: [Float]
    private let embeddingNorm: LayerNorm
    private let layers: [Layer]

    init(configuration c: BERTConfiguration, tensors: SafeTensors) throws {
        guard c.hiddenAct == "gelu", c.numAttentionHeads > 0, c.hiddenSize % c.numAttentionHeads == 0 else {
            throw EmbeddingError.invalidModel("unsupported encoder: \(c.hiddenAct), \(c.numAttentionHeads) heads")
        }
        let h = c.hiddenSize
        func norm(_ prefix: String) throws -> LayerNorm {
            LayerNorm(weight: try tensors.floats("\(prefix).weight", shape: [h]), bias: try tensors.floats("\(prefix).bias", shape: [h]))
        }
        func linear(_ prefix: String, _ inputs: Int, _ outputs: Int) throws -> Linear {
            Linear(
                weight: try tensors.floats("\(prefix).weight", shape: [outputs, inputs]),
                bias: try tensors.floats("\(prefix).bias", shape: [outputs]), inputs: inputs, outputs: outputs)
        }
        configuration = c
        wordEmbeddings = try tensors.floats("embeddings.word_embeddings.weight", shape: [c.vocabSize, h])
        positionEmbeddings = try tensors.floats("embeddings.position_embeddings.weight", shape: [c.maxPositionEmbeddings, h])
        tokenTypeEmbedding = Array(try tensors.floats("embeddings.token_type_embeddings.weight", shape: [2, h]).prefix(h))
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<c.numHiddenLayers).map { index in
            let p = "encoder.layer.\(index)"
            let q = try linear("\(p).attention.self.query", h, h)
            let k = try linear("\(p).attention.self.key", h, h)
            let v = try linear("\(p).attention.self.value", h, h)
            return Layer(
                queryKeyValue: Linear(weight: q.weight + k.weight + v.weight, bias: q.bias + k.bias + v.bias, inputs: h, outputs: 3 * h),
                attentionOutput: try linear("\(p).attention.output.dense", h, h),
                attentionNorm: try norm("\(p).attention.output.LayerNorm"),
                intermediate: try linear("\(p).intermediate.dense", h, c.intermediateSize),
                output: try linear("\(p).output.dense", c.intermediateSize, h),
                outputNorm: try norm("\(p).output.LayerNorm"))
        }
    }

    /// Floating-point operations one forward pass of `lengths` takes (multiply-adds count two).
    func operations(lengths: [Int]) -> Double {
        let c = configuration
        let tokens = Double(lengths.reduce(0, +))
        let h = Double(c.hiddenSize), i = Double(c.intermediateSize)
        let linear = 2 * tokens * (h * 3 * h + h * h + 2 * h * i)
        let attention = lengths.reduce(0.0) { $0 + 4 * Double($1) * Double($1) * h }
        return Double(c.numHiddenLayers) * (linear + attention)
    }

    /// Unit-length sentence vectors for token sequences (each already `[CLS] … [SEP]`, within the
    /// position limit, ids within the vocabulary).
    func embed(_ sequences: [[Int32]]) -> [[Float]] {
        let c = configuration
        let h = c.hiddenSize
        let lengths = sequences.map(\.count)
        let tokens = lengths.reduce(0, +)
        guard tokens > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }
        var starts: [Int] = []
        var offset = 0
        for length in lengths { starts.append(offset); offset += length }

        var hidden = [Float](repeating: 0, count: tokens * h)
        hidden.withUnsafeMutableBufferPointer { out in
            for (sequence, ids) in sequences.enumerated() {
                for (position, id) in ids.enumerated() {
                    let row = (starts[sequence] + position) * h
                    let word = Int(id) * h, place = position * h
                    for j in 0..<h {
                        out[row + j] = wordEmbeddings[word + j] + positionEmbeddings[place + j] + tokenTypeEmbedding[j]
                    }
                }
            }
        }
        normalise(&hidden, rows: tokens, with: embeddingNorm)

        var qkv = [Float](repeating: 0, count: tokens * 3 * h)
        var context = [Float](repeating: 0, count: tokens * h)
        var projected = [Float](repeating: 0, count: tokens * h)
        var intermediate = [Float](repeating: 0, count: tokens * c.intermediateSize)
        let longest = lengths.max() ?? 0
        var scores = [Float](repeating: 0, count: longest * longest)
        for layer in layers {
            apply(layer.queryKeyValue, to: hidden, rows: tokens, into: &qkv)
            attend(qkv, lengths: lengths, starts: starts, scores: &scores, into: &context)
            apply(layer.attentionOutput, to: context, rows: tokens, into: &projected)
            add(projected, to: &hidden)
            normalise(&hidden, rows: tokens, with: layer.attentionNorm)
            apply(layer.intermediate, to: hidden, rows: tokens, into: &intermediate)
            gelu(&intermediate)
            apply(layer.output, to: intermediate, rows: tokens, into: &projected)
            add(projected, to: &hidden)
            normalise(&hidden, rows: tokens, with: layer.outputNorm)
        }
        return zip(starts, lengths).map { start, length in meanPooledUnitVector(hidden, start: start, length: length) }
    }

    // MARK: - Stages

    /// `output[rows × outputs] = input[rows × inputs] · weightᵀ + bias`.
    private func apply(_ linear: Linear, to input: [Float], rows: Int, into output: inout [Float]) {
        let n = linear.outputs
        output.withUnsafeMutableBufferPointer { out in
            linear.bias.withUnsafeBufferPointer { bias in
                for row in 0..<rows {
                    (out.baseAddress! + row * n).update(from: bias.baseAddress!, count: n)
                }
            }
            input.withUnsafeBufferPointer { x in
                linear.weight.withUnsafeBufferPointer { w in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(linear.inputs),
                        1, x.baseAddress, Int32(linear.inputs), w.baseAddress, Int32(linear.inputs), 1, out.baseAddress, Int32(n))
                }
            }
        }
    }

    /// Scaled dot-product attention per sequence and head, over the sequence's own tokens.
    private func attend(_ qkv: [Float], lengths: [Int], starts: [Int], scores: inout [Float], into context: inout [Float]) {
        let c = configuration
        let h = c.hiddenSize
        let heads = c.numAttentionHeads
        let width = h / heads
        let stride = 3 * h
        let scale = 1 / Float(width).squareRoot()
        qkv.withUnsafeBufferPointer { qkv in
            scores.withUnsafeMutableBufferPointer { s in
                context.withUnsafeMutableBufferPointer { ctx in
                    for (start, n) in zip(starts, lengths) where n > 0 {
                        for head in 0..<heads {
                            let q = qkv.baseAddress! + start * stride + head * width
                            let k = q + h
                            let v = q + 2 * h
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(width),
                                scale, q, Int32(stride), k, Int32(stride), 0, s.baseAddress, Int32(n))
                            for row in 0..<n { softmax(s.baseAddress! + row * n, count: n) }
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(width), Int32(n),
                                1, s.baseAddress, Int32(n), v, Int32(stride), 0, ctx.baseAddress! + start * h + head * width, Int32(h))
                        }
                    }
                }
            }
        }
    }

    private func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var largest = -Float.infinity
        for j in 0..<count { largest = max(largest, row[j]) }
        var sum: Float = 0
        for j in 0..<count {
            let e = Foundation.exp(row[j] - largest)
            row[j] = e
            sum += e
        }
        let inverse = 1 / sum
        for j in 0..<count { row[j] *= inverse }
    }

    private func add(_ addend: [Float], to values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { out in
            addend.withUnsafeBufferPointer { a in
                for index in 0..<out.count { out[index] += a[index] }
            }
        }
    }

    /// LayerNorm over each row of width `hidden`: mean and (biased) variance in double precision.
    private func normalise(_ values: inout [Float], rows: Int, with norm: LayerNorm) {
        let h = configuration.hiddenSize
        let eps = Double(configuration.layerNormEps)
        values.withUnsafeMutableBufferPointer { out in
            for row in 0..<rows {
                let base = row * h
                var sum = 0.0
                for j in 0..<h { sum += Double(out[base + j]) }
                let mean = sum / Double(h)
                var squares = 0.0
                for j in 0..<h {
                    let d = Double(out[base + j]) - mean
                    squares += d * d
                }
                let inverse = 1 / (squares / Double(h) + eps).squareRoot()
                for j in 0..<h {
                    out[base + j] = Float((Double(out[base + j]) - mean) * inverse) * norm.weight[j] + norm.bias[j]
                }
            }
        }
    }

    /// The exact GELU, `x · Φ(x)`, as BERT's "gelu" is.
    private func gelu(_ values: inout [Float]) {
        values.withUnsafeMutableBufferPointer { out in
            for index in 0..<out.count {
                let x = out[index]
                out[index] = 0.5 * x * (1 + Foundation.erf(x * 0.70710678118654752))
            }
        }
    }

    private func meanPooledUnitVector(_ hidden: [Float], start: Int, length: Int) -> [Float] {
        let h = configuration.hiddenSize
        var pooled = [Double](repeating: 0, count: h)
        for row in start..<start + length {
            for j in 0..<h { pooled[j] += Double(hidden[row * h + j]) }
        }
        let norm = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // Mean then normalise: the mean's 1/length cancels in the normalisation.
        guard norm > 0 else { return [Float](repeating: 0, count: h) }
        return pooled.map { Float($0 / norm) }
    }
}
