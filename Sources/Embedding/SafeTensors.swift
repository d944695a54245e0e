import Foundation

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the tensors' bytes. Only 32-bit float tensors are
/// read; the model's others (position ids) are not needed.
struct SafeTensors {
    struct Entry {
        let shape: [Int]
        let dtype: String
        let range: Range<Int>
    }

    private let bytes: Data
    private let entries: [String: Entry]
    private let dataStart: Int

    init(contentsOf url: URL) throws {
        let bytes = try Data(contentsOf: url, options: .alwaysMapped)
        guard bytes.count >= 8 else { throw EmbeddingError.invalidModel("\(url.lastPathComponent) is too short") }
        let headerLength = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength <= 100_000_000 else {
            throw EmbeddingError.invalidModel("\(url.lastPathComponent) has a header longer than the file")
        }
        let dataStart = 8 + Int(headerLength)
        let header = bytes.subdata(in: bytes.startIndex + 8..<bytes.startIndex + dataStart)
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw EmbeddingError.invalidModel("\(url.lastPathComponent) has no JSON header")
        }
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int],
                  offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1],
                  offsets[1] <= bytes.count - dataStart
            else { throw EmbeddingError.invalidModel("tensor \(name) has a malformed header entry") }
            entries[name] = Entry(shape: shape, dtype: dtype, range: offsets[0]..<offsets[1])
        }
        self.bytes = bytes
        self.entries = entries
        self.dataStart = dataStart
    }

    /// The float tensor `name`, checked to have `shape`.
    func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let entry = entries[name] else { throw EmbeddingError.invalidModel("tensor \(name) is missing") }
        let count = shape.reduce(1, *)
        guard entry.dtype == "F32", entry.shape == shape, entry.range.count == count * 4 else {
            throw EmbeddingError.invalidModel("tensor \(name) is \(entry.dtype) \(entry.shape), expected F32 \(shape)")
        }
        let start = bytes.startIndex + dataStart + entry.range.lowerBound
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
            bytes.withUnsafeBytes { raw in
                let source = UnsafeRawBufferPointer(rebasing: raw[(start - bytes.startIndex)..<(start - bytes.startIndex + count * 4)])
                for index in 0..<count {
                    buffer[index] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
                }
            }
            initialised = count
        }
    }
}
