/// JSON text for the few values error bodies hold, escaped the way PostgREST's encoder (aeson)
/// escapes: `"` `\` `\n` `\r` `\t` by name, other control characters as `\u00xx`, everything
/// else (including `/` and non-ASCII) verbatim as UTF-8.
enum JSONText {
    static func string(_ value: String) -> String {
        var out = "\""
        out.unicodeScalars.reserveCapacity(value.unicodeScalars.count + 2)
        for scalar in value.unicodeScalars {
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
        out += "\""
        return out
    }

    /// A JSON object whose members are all strings, in the order given.
    static func object(_ members: [(key: String, value: String)]) -> String {
        "{" + members.map { string($0.key) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }
}
