extension String {
    /// The string as a JSON string literal, quotes included: `"` `\` `\n` `\r` `\t` escaped by
    /// name, other control characters as `\u00xx`, everything else (`/`, non-ASCII) verbatim.
    public var jsonQuoted: String {
        var out = "\""
        out.unicodeScalars.reserveCapacity(unicodeScalars.count + 2)
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension String {
    /// The string safe as HTML or XML text and inside a double- or single-quoted attribute:
    /// `&` `<` `>` `"` `'` as character references, everything else verbatim.
    public var markupEscaped: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension String {
    /// The string between two `quote` characters, each `quote` inside doubled: SQL identifiers
    /// (`"`), SQL string literals (`'`) and CSV fields (`"`). `quote` must be ASCII.
    public func enclosed(in quote: Unicode.Scalar) -> String {
        let mark = UInt8(ascii: quote)
        var text = self
        return text.withUTF8 { bytes in
            let doubled = bytes.reduce(0) { $0 + ($1 == mark ? 1 : 0) }
            // Rendered straight into the new string's storage: one allocation, no re-validation.
            return String(unsafeUninitializedCapacity: bytes.count + doubled + 2) { out in
                var index = 0
                out[index] = mark
                index += 1
                for byte in bytes {
                    out[index] = byte
                    index += 1
                    if byte == mark {
                        out[index] = mark
                        index += 1
                    }
                }
                out[index] = mark
                return index + 1
            }
        }
    }
}

extension Sequence where Element == UInt8 {
    /// The bytes as lower-case hexadecimal, two digits each.
    public var hexString: String {
        func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digit(byte >> 4))
            out.append(digit(byte & 0x0f))
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// The bytes lower- or upper-case hexadecimal text spells, two digits each; nil for an odd
    /// length or any other character.
    public init?(hexString text: String) {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = bytes
    }
}

extension Collection<UInt8> {
    /// Whether these bytes of JSON text hold a NUL character — the escape `\u0000`, or a raw NUL
    /// byte — which PostgreSQL's `text` and `jsonb` cannot store. Escapes are read in order, so
    /// an escaped backslash followed by `u0000` is not taken for one.
    public var jsonContainsNUL: Bool {
        var index = startIndex
        while index != endIndex {
            let byte = self[index]
            if byte == 0 { return true }
            formIndex(after: &index)
            guard byte == UInt8(ascii: "\\"), index != endIndex else { continue }
            let escaped = self[index]
            formIndex(after: &index)
            guard escaped == UInt8(ascii: "u") else { continue }
            var digits = 0
            while digits < 4, index != endIndex, self[index] == UInt8(ascii: "0") {
                digits += 1
                formIndex(after: &index)
            }
            if digits == 4 { return true }
        }
        return false
    }
}
