#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A streaming `multipart/form-data` parser: bytes go in as they arrive, events come out, and
/// part bodies are handed on in slices as soon as they cannot be the start of a boundary, so a
/// file part of any size passes through holding at most one chunk plus a boundary's length.
struct MultipartParser {
    enum Event {
        case partStart([(name: String, value: String)])
        case body(ByteBuffer)
        case partEnd
    }

    enum State {
        case preamble, afterDelimiter, headers, body, done
    }

    /// Most bytes of one part's headers.
    static let headerLimit = 16 * 1024

    let delimiter: [UInt8]
    private(set) var state = State.preamble
    private var pending: ByteBuffer

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary needs no CRLF before it; pretend one was there.
        pending = ByteBuffer(string: "\r\n")
    }

    /// The boundary of a `multipart/form-data` content type, if it is one.
    static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingBlanks() }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingBlanks().lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingBlanks()
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (1...200).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    var isFinished: Bool { state == .done }

    /// Feeds the next bytes of the body; the events they complete are passed to `emit`.
    mutating func feed(_ chunk: ByteBuffer, emit: (Event) async throws -> Void) async throws(StorageError) {
        guard state != .done else { return }
        var chunk = chunk
        pending.writeBuffer(&chunk)
        do {
            while try await step(emit) {}
        } catch let error as StorageError {
            throw error
        } catch {
            throw .invalidRequest("\(error)")
        }
        // Keep only the unprocessed tail, in a buffer of its own, so slices already handed on
        // never share storage with bytes still to come.
        if pending.readerIndex > 0 {
            var fresh = ByteBufferAllocator().buffer(capacity: pending.readableBytes)
            fresh.writeBuffer(&pending)
            pending = fresh
        }
    }

    /// One state transition; false when more bytes are needed.
    private mutating func step(_ emit: (Event) async throws -> Void) async throws -> Bool {
        switch state {
        case .preamble:
            guard let index = find(delimiter) else {
                pending.moveReaderIndex(forwardBy: max(0, pending.readableBytes - delimiter.count + 1))
                return false
            }
            pending.moveReaderIndex(forwardBy: index + delimiter.count)
            state = .afterDelimiter
            return true
        case .afterDelimiter:
            guard pending.readableBytes >= 2, let pair = pending.getBytes(at: pending.readerIndex, length: 2) else { return false }
            if pair == [UInt8(ascii: "-"), UInt8(ascii: "-")] {
                state = .done
                pending.moveReaderIndex(forwardBy: pending.readableBytes)
                return false
            }
            guard pair == [13, 10] else { throw StorageError.invalidRequest("malformed multipart boundary") }
            pending.moveReaderIndex(forwardBy: 2)
            state = .headers
            return true
        case .headers:
            if pending.readableBytes >= 2, pending.getBytes(at: pending.readerIndex, length: 2) == [13, 10] {
                pending.moveReaderIndex(forwardBy: 2)
                try await emit(.partStart([]))
                state = .body
                return true
            }
            guard let end = find([13, 10, 13, 10]) else {
                guard pending.readableBytes <= Self.headerLimit else { throw StorageError.invalidRequest("multipart headers too large") }
                return false
            }
            let text = pending.readString(length: end) ?? ""
            pending.moveReaderIndex(forwardBy: 4)
            var headers: [(name: String, value: String)] = []
            for line in text.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((line[..<colon].trimmingBlanks().lowercased(), line[line.index(after: colon)...].trimmingBlanks()))
            }
            try await emit(.partStart(headers))
            state = .body
            return true
        case .body:
            if let index = find(delimiter) {
                if index > 0, let slice = pending.readSlice(length: index) { try await emit(.body(slice)) }
                pending.moveReaderIndex(forwardBy: delimiter.count)
                try await emit(.partEnd)
                state = .afterDelimiter
                return true
            }
            let safe = pending.readableBytes - (delimiter.count - 1)
            if safe > 0, let slice = pending.readSlice(length: safe) { try await emit(.body(slice)) }
            return false
        case .done:
            return false
        }
    }

    /// Offset (from the reader index) of the first occurrence of `needle` in the pending bytes:
    /// `memchr` to the candidates, `memcmp` to confirm.
    private func find(_ needle: [UInt8]) -> Int? {
        pending.withUnsafeReadableBytes { haystack -> Int? in
            guard haystack.count >= needle.count, let first = needle.first, let base = haystack.baseAddress else { return nil }
            return needle.withUnsafeBytes { pattern -> Int? in
                var start = 0
                let last = haystack.count - needle.count
                while start <= last {
                    guard let hit = memchr(base + start, Int32(first), last - start + 1) else { return nil }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, pattern.baseAddress!, needle.count) == 0 { return offset }
                    start = offset + 1
                }
                return nil
            }
        }
    }
}

extension StringProtocol {
    func trimmingBlanks() -> String {
        let set: Set<Character> = [" ", "\t"]
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}

/// The `name` and `filename` parameters of a part's `Content-Disposition`.
struct ContentDisposition {
    var name: String?
    var filename: String?

    init(_ value: String) {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var text = pair[1].trimmingBlanks()
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            switch pair[0].trimmingBlanks().lowercased() {
            case "name": name = text
            case "filename": filename = text
            default: break
            }
        }
    }
}
