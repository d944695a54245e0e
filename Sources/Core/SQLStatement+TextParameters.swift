extension SQLStatement {
    /// The statement with its parameters passed as one `text[]` (for `EXECUTE … USING`): each
    /// placeholder `$n` becomes `($1[n])::type`, with the type the bound value had (`text`,
    /// `int8`, `boolean`, `text[]`), and a bound NULL becomes the literal `NULL`, untyped as
    /// before. Placeholders are only recognised outside string literals, quoted identifiers,
    /// dollar-quoted strings and comments, and never inside a word (`a$1`).
    ///
    /// Returns nil when a placeholder names no bound value (the statement is then unusable).
    public func withTextArrayParameters() -> (sql: String, parameters: [String])? {
        let bytes = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + binds.count * 12)
        var index = 0
        func copy(through end: Int) {
            output.append(contentsOf: bytes[index..<min(end, bytes.count)])
            index = min(end, bytes.count)
        }
        func isWordByte(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || byte >= 0x80
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        /// The index just past a run ending with `terminator`, from `start` (doubled terminators
        /// inside quotes stay inside).
        func skipQuoted(from start: Int, quote: UInt8) -> Int {
            var position = start + 1
            while position < bytes.count {
                if bytes[position] == quote {
                    if position + 1 < bytes.count, bytes[position + 1] == quote { position += 2; continue }
                    return position + 1
                }
                position += 1
            }
            return bytes.count
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                copy(through: skipQuoted(from: index, quote: byte))
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                copy(through: (bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count - 1) + 1)
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                var position = index + 2
                while position + 1 < bytes.count, !(bytes[position] == UInt8(ascii: "*") && bytes[position + 1] == UInt8(ascii: "/")) {
                    position += 1
                }
                copy(through: position + 2)
            case UInt8(ascii: "$") where index > 0 && isWordByte(bytes[index - 1]):
                copy(through: index + 1)
            case UInt8(ascii: "$") where index + 1 < bytes.count && isDigit(bytes[index + 1]):
                var end = index + 1
                while end < bytes.count, isDigit(bytes[end]) { end += 1 }
                guard let number = Int(String(decoding: bytes[(index + 1)..<end], as: UTF8.self)),
                      number >= 1, number <= binds.count else { return nil }
                output.append(contentsOf: Self.textArrayReference(number, for: binds[number - 1]).utf8)
                index = end
            case UInt8(ascii: "$"):
                // A dollar quote `$tag$ … $tag$` (the tag may be empty).
                var end = index + 1
                while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
                guard end < bytes.count, bytes[end] == UInt8(ascii: "$") else {
                    copy(through: index + 1)
                    continue
                }
                let tag = Array(bytes[index...end])
                var position = end + 1
                while position + tag.count <= bytes.count, !bytes[position..<(position + tag.count)].elementsEqual(tag) {
                    position += 1
                }
                copy(through: min(position + tag.count, bytes.count))
            default:
                // Ordinary text up to the next byte that may start something: copied as one run.
                var end = index + 1
                while end < bytes.count, !Self.mayStartToken(bytes[end]) { end += 1 }
                copy(through: end)
            }
        }
        let parameters = binds.map { value -> String in
            switch value {
            case .null: return ""  // never referenced: the placeholder became NULL
            case .text(let text), .json(let text): return text
            case .int(let int): return String(int)
            case .bool(let bool): return bool ? "true" : "false"
            case .textArray(let values): return Self.arrayLiteral(values)
            }
        }
        return (String(decoding: output, as: UTF8.self), parameters)
    }

    /// The bytes the scanner looks at: quotes, comment starts and `$`.
    static func mayStartToken(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: "$")
    }

    static func textArrayReference(_ number: Int, for value: SQLValue) -> String {
        switch value {
        case .null: return "NULL"
        case .text, .json: return "($1[\(number)])"
        case .int: return "($1[\(number)])::int8"
        case .bool: return "($1[\(number)])::boolean"
        case .textArray: return "($1[\(number)])::text[]"
        }
    }

    /// A `text[]` input literal: every element double-quoted, with `"` and `\` escaped.
    static func arrayLiteral(_ values: [String]) -> String {
        var literal = "{"
        for (position, value) in values.enumerated() {
            if position > 0 { literal += "," }
            literal += "\""
            for character in value {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.append(character)
            }
            literal += "\""
        }
        return literal + "}"
    }
}
