import MultipartForm

/// The streaming multipart parser. The first line is the `Content-Type` (its boundary, or `b`
/// when it names none); the rest is the body, parsed twice: in one piece, and in chunks of
/// 1 to 64 bytes chosen from the input. Both must give the same parts, bytes and end.
enum MultipartFuzzer {
    struct Outcome: Equatable {
        var parts: [Part] = []
        var finished = false
        var error: MultipartError?
    }

    struct Part: Equatable {
        var headers: [String]
        var body: [UInt8] = []
        var ended = false
    }

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let split = input.split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false)
        let contentType = String(decoding: split[0], as: UTF8.self)
        let body = split.count > 1 ? Array(split[1]) : []
        let boundary = MultipartParser.boundary(contentType: contentType) ?? "b"
        if let found = MultipartParser.boundary(contentType: contentType) {
            invariant((1...200).contains(found.utf8.count), "a boundary of \(found.utf8.count) bytes")
        }
        // FNV-1a of the input seeds the chunk sizes, so a given input always splits the same way.
        var state = input.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        var chunks: [Int] = []
        var total = 0
        while total < body.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let size = Int(state >> 58) + 1
            chunks.append(size)
            total += size
        }
        let whole = parse(body, boundary: boundary, chunks: [body.count])
        let chunked = parse(body, boundary: boundary, chunks: chunks)
        // Only the header limit depends on how the bytes arrive (it is checked per arrival).
        if whole.error != .headersTooLarge, chunked.error != .headersTooLarge {
            invariant(whole == chunked, "chunking changed the parse: \(whole) vs \(chunked)")
        }
        invariant(whole.parts.reduce(0) { $0 + $1.body.count } <= body.count, "more body bytes than input")
    }

    static func parse(_ bytes: [UInt8], boundary: String, chunks: [Int]) -> Outcome {
        var parser = MultipartParser(boundary: boundary)
        var outcome = Outcome()
        var start = 0
        do throws(MultipartError) {
            for size in chunks {
                let end = min(start + size, bytes.count)
                parser.append(bytes[start..<end])
                start = end
                while let event = try parser.nextEvent() {
                    switch event {
                    case .partStart(let headers):
                        invariant(outcome.parts.last?.ended ?? true, "a part started inside a part")
                        for header in headers where header.name == "content-disposition" {
                            _ = ContentDisposition(header.value)
                        }
                        outcome.parts.append(Part(headers: headers.map { "\($0.name): \($0.value)" }))
                    case .body(let slice):
                        invariant(!slice.isEmpty, "an empty body slice")
                        invariant(outcome.parts.last.map { !$0.ended } ?? false, "body bytes outside a part")
                        outcome.parts[outcome.parts.count - 1].body += slice
                    case .partEnd:
                        invariant(outcome.parts.last.map { !$0.ended } ?? false, "a part ended twice")
                        outcome.parts[outcome.parts.count - 1].ended = true
                    }
                }
            }
        } catch {
            outcome.error = error
        }
        outcome.finished = parser.isFinished
        return outcome
    }
}
