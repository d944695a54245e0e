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
    /// The string between two `quote` characters, each `quote` inside doubled: SQL identifiers
    /// (`"`), SQL string literals (`'`) and CSV fields (`"`). `quote` must be ASCII.
    public func enclosed(in quote: Unicode.Scalar) -> String {
        let mark = UInt8(ascii: quote)
        var out: [UInt8] = [mark]
        out.reserveCapacity(utf8.count + 2)
        for byte in utf8 {
            out.append(byte)
            if byte == mark { out.append(mark) }
        }
        out.append(mark)
        return String(decoding: out, as: UTF8.self)
    }
}

extension Sequence where Element == UInt8 {
    /// The bytes as lower-case hexadecimal, two digits each.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
