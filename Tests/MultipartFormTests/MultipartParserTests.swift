import MultipartForm
import Testing

/// The multipart parser alone: bytes in, events out, no server.
@Suite("multipart parser")
struct MultipartParserTests {
    /// What the parser made of a body: each part's headers and bytes, whether it finished, and
    /// its refusal if any.
    struct Outcome {
        var parts: [(headers: [(name: String, value: String)], body: [UInt8])] = []
        var finished = false
        var error: MultipartError?
    }

    static func parse(_ bytes: [UInt8], boundary: String, chunkSize: Int) -> Outcome {
        var parser = MultipartParser(boundary: boundary)
        var outcome = Outcome()
        do throws(MultipartError) {
            for start in stride(from: 0, to: bytes.count, by: max(1, chunkSize)) {
                parser.append(bytes[start..<min(start + chunkSize, bytes.count)])
                while let event = try parser.nextEvent() {
                    switch event {
                    case .partStart(let headers): outcome.parts.append((headers, []))
                    case .body(let slice): outcome.parts[outcome.parts.count - 1].body += slice
                    case .partEnd: break
                    }
                }
            }
        } catch {
            outcome.error = error
        }
        outcome.finished = parser.isFinished
        return outcome
    }

    static func body(fields: [(String, String)], file: [UInt8], boundary: String) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\nContent-Type: image/png\r\n\r\n".utf8)
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }

    @Test("the multipart parser gives the same parts whatever the chunking")
    func chunking() throws {
        var generator = SystemRandomNumberGenerator()
        let file = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) } + Array("\r\n--bound".utf8) + [1, 2, 3]
        let type = "multipart/form-data; boundary=bound-xyz"
        let boundary = try #require(MultipartParser.boundary(contentType: type))
        #expect(boundary == "bound-xyz")
        #expect(MultipartParser.boundary(contentType: #"multipart/form-data; charset=utf-8; boundary="q r""#) == "q r")
        #expect(MultipartParser.boundary(contentType: "application/json") == nil)
        let bytes = Self.body(fields: [("cacheControl", "3600"), ("metadata", #"{"a":1}"#)], file: file, boundary: boundary)
        for chunkSize in [1, 7, 4096, bytes.count] {
            let outcome = Self.parse(bytes, boundary: boundary, chunkSize: chunkSize)
            #expect(outcome.error == nil)
            #expect(outcome.finished)
            #expect(outcome.parts.count == 3)
            #expect(outcome.parts.map { String(decoding: $0.body, as: UTF8.self) }.prefix(2) == ["3600", #"{"a":1}"#])
            #expect(outcome.parts.last?.body == file, "chunks of \(chunkSize)")
            #expect(outcome.parts.last?.headers.first { $0.name == "content-type" }?.value == "image/png")
        }
    }

    @Test("a boundary followed by anything but CRLF or -- is refused")
    func malformedBoundary() {
        let outcome = Self.parse(Array("--b\r\n\r\nx\r\n--bXY".utf8), boundary: "b", chunkSize: 3)
        #expect(outcome.error == .malformedBoundary)
    }

    @Test("headers past the limit are refused, not buffered")
    func headerLimit() {
        let bytes = Array("--b\r\nX: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: MultipartParser.headerLimit + 10)
        #expect(Self.parse(bytes, boundary: "b", chunkSize: 1000).error == .headersTooLarge)
    }

    @Test("Content-Disposition: name and filename, quoted or not")
    func disposition() {
        let value = ContentDisposition(#"form-data; name="file"; filename=a.png"#)
        #expect(value.name == "file")
        #expect(value.filename == "a.png")
        #expect(ContentDisposition("form-data").name == nil)
    }
}
