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
        var text = Substring(query)
        if text.hasPrefix("?") { text = text.dropFirst() }
        var pairs: [Pair] = []
        for segment in text.split(separator: "&", omittingEmptySubsequences: true) {
            let key: Substring
            let value: Substring?
            if let equals = segment.firstIndex(of: "=") {
                key = segment[..<equals]
                value = segment[segment.index(after: equals)...]
            } else {
                key = segment
                value = nil
            }
            guard let decodedKey = decode(key) else { return .failure(undecodable(segment)) }
            var decodedValue: String?
            if let value {
                guard let decoded = decode(value) else { return .failure(undecodable(segment)) }
                decodedValue = decoded
            }
            pairs.append(Pair(key: decodedKey, value: decodedValue))
        }
        return .success(pairs)
    }

    private static func undecodable(_ segment: Substring) -> RESTQueryError {
        RESTQueryError(
            .query, "\"failed to parse query string (\(segment))\"",
            details: "the percent-decoded bytes are not valid UTF-8")
    }

    /// Form-decodes one key or value (a path segment with `plusIsSpace: false`); nil when the
    /// bytes are not UTF-8.
    static func decode(_ text: Substring, plusIsSpace: Bool = true) -> String? {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+"), plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
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
