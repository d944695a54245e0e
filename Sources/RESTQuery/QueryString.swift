/// A form-encoded query string (docs/wire-compatibility.md, Query strings and bodies) split into
/// its pairs, in order: `+` is a space, `%XX` a byte (a `%` not followed by two hex digits stands
/// for itself), and the bytes are UTF-8.
enum QueryString {
    struct Pair: Equatable {
        var key: String
        /// nil for a key written without `=` (`?a&b=1`), which PostgREST ignores.
        var value: String?
    }

    static func pairs(_ query: String) -> Result<[Pair], RESTQueryError> {
        // One pass over the bytes; `&` and `=` are ASCII, so byte offsets split the text safely.
        let bytes = Array(query.utf8)
        var pairs: [Pair] = []
        var start = bytes.first == UInt8(ascii: "?") ? 1 : 0
        while start <= bytes.count {
            var end = start
            var equals: Int?
            while end < bytes.count, bytes[end] != UInt8(ascii: "&") {
                if equals == nil, bytes[end] == UInt8(ascii: "=") { equals = end }
                end += 1
            }
            if end > start {
                let keyEnd = equals ?? end
                guard let key = decode(bytes[start..<keyEnd], plusIsSpace: true) else {
                    return .failure(undecodable(bytes[start..<end]))
                }
                var value: String?
                if let equals {
                    guard let decoded = decode(bytes[(equals + 1)..<end], plusIsSpace: true) else {
                        return .failure(undecodable(bytes[start..<end]))
                    }
                    value = decoded
                }
                pairs.append(Pair(key: key, value: value))
            }
            start = end + 1
        }
        return .success(pairs)
    }

    private static func undecodable(_ segment: ArraySlice<UInt8>) -> RESTQueryError {
        RESTQueryError(
            .query, "\"failed to parse query string (\(String(decoding: segment, as: UTF8.self)))\"",
            details: "the percent-decoded bytes are not valid UTF-8")
    }

    /// Form-decodes one key or value (a path segment with `plusIsSpace: false`); nil when the
    /// bytes are not UTF-8.
    static func decode(_ text: Substring, plusIsSpace: Bool = true) -> String? {
        decode(ArraySlice(text.utf8), plusIsSpace: plusIsSpace)
    }

    static func decode(_ utf8: ArraySlice<UInt8>, plusIsSpace: Bool) -> String? {
        // Most keys and values need no decoding at all.
        if !utf8.contains(where: { $0 == UInt8(ascii: "%") || ($0 == UInt8(ascii: "+") && plusIsSpace) }) {
            return String(validating: utf8, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < utf8.endIndex,
                      let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
