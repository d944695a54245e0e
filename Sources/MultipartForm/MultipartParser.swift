#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming `multipart/form-data` parser: bytes go in as they arrive, events come out, and
/// part bodies are handed on in slices as soon as they cannot be the start of a boundary, so a
/// file part of any size passes through holding at most one chunk plus a boundary's length.
///
/// Pull-based and synchronous: `append` the next bytes, then take `nextEvent()` until it answers
/// nil (more bytes needed); the caller does whatever waiting its events need between the two.
public struct MultipartParser: Sendable {
    public enum Event: Sendable {
        case partStart([(name: String, value: String)])
        /// Bytes of the current part's body; the slice shares storage with the parser's buffer
        /// until the next `append`.
        case body(ArraySlice<UInt8>)
        case partEnd
    }

    public enum State: Sendable {
        case preamble, afterDelimiter, headers, body, done
    }

    /// Most bytes of one part's headers.
    public static let headerLimit = 16 * 1024

    public let delimiter: [UInt8]
    public private(set) var state = State.preamble
    /// Bytes received and not yet handed on: `pending[start...]`.
    private var pending: [UInt8]
    private var start = 0

    public init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary needs no CRLF before it; pretend one was there.
        pending = [13, 10]
    }

    /// The boundary of a `multipart/form-data` content type, if it is one.
    public static func boundary(contentType: String) -> String? {
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

    public var isFinished: Bool { state == .done }

    /// Takes the next bytes of the body. Bytes already handed on are dropped first, so the
    /// buffer holds only the unprocessed tail and the new bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        guard state != .done else { return }
        if start > 0 {
            pending.removeSubrange(..<start)
            start = 0
        }
        pending.append(contentsOf: bytes)
    }

    /// The next event the bytes appended so far complete; nil when more bytes are needed, or
    /// once the closing boundary has been read.
    public mutating func nextEvent() throws(MultipartError) -> Event? {
        while true {
            switch state {
            case .preamble:
                guard let index = find(delimiter) else {
                    start += max(0, available - delimiter.count + 1)
                    return nil
                }
                start += index + delimiter.count
                state = .afterDelimiter
            case .afterDelimiter:
                guard available >= 2 else { return nil }
                let pair = (pending[start], pending[start + 1])
                if pair == (UInt8(ascii: "-"), UInt8(ascii: "-")) {
                    state = .done
                    start = pending.count
                    return nil
                }
                guard pair == (13, 10) else { throw .malformedBoundary }
                start += 2
                state = .headers
            case .headers:
                if available >= 2, pending[start] == 13, pending[start + 1] == 10 {
                    start += 2
                    state = .body
                    return .partStart([])
                }
                guard let end = find([13, 10, 13, 10]) else {
                    guard available <= Self.headerLimit else { throw .headersTooLarge }
                    return nil
                }
                let text = String(decoding: pending[start..<start + end], as: UTF8.self)
                start += end + 4
                var headers: [(name: String, value: String)] = []
                for line in text.split(separator: "\r\n") {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers.append((line[..<colon].trimmingBlanks().lowercased(), line[line.index(after: colon)...].trimmingBlanks()))
                }
                state = .body
                return .partStart(headers)
            case .body:
                if let index = find(delimiter) {
                    if index > 0 {
                        // The part's last bytes; the delimiter is found again, at 0, on the next call.
                        defer { start += index }
                        return .body(pending[start..<start + index])
                    }
                    start += delimiter.count
                    state = .afterDelimiter
                    return .partEnd
                }
                let safe = available - (delimiter.count - 1)
                guard safe > 0 else { return nil }
                defer { start += safe }
                return .body(pending[start..<start + safe])
            case .done:
                return nil
            }
        }
    }

    private var available: Int { pending.count - start }

    /// Offset (from `start`) of the first occurrence of `needle` in the pending bytes: `memchr`
    /// to the candidates, `memcmp` to confirm.
    private func find(_ needle: [UInt8]) -> Int? {
        pending.withUnsafeBytes { buffer -> Int? in
            let haystack = UnsafeRawBufferPointer(rebasing: buffer[start...])
            guard haystack.count >= needle.count, let first = needle.first, let base = haystack.baseAddress else { return nil }
            return needle.withUnsafeBytes { pattern -> Int? in
                guard let patternBase = pattern.baseAddress else { return nil }
                var offset = 0
                let last = haystack.count - needle.count
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                    let candidate = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, patternBase, needle.count) == 0 { return candidate }
                    offset = candidate + 1
                }
                return nil
            }
        }
    }
}

/// Why a multipart body was refused.
public enum MultipartError: Error, Equatable, Sendable {
    /// A boundary line followed by anything but CRLF or `--`.
    case malformedBoundary
    /// One part's headers ran past `MultipartParser.headerLimit` bytes.
    case headersTooLarge

    public var message: String {
        switch self {
        case .malformedBoundary: return "malformed multipart boundary"
        case .headersTooLarge: return "multipart headers too large"
        }
    }
}

/// The `name` and `filename` parameters of a part's `Content-Disposition`.
public struct ContentDisposition: Sendable, Equatable {
    public var name: String?
    public var filename: String?

    public init(_ value: String) {
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

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingBlanks() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
