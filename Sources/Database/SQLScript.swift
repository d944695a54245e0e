/// Splits a SQL script into its statements, so that a script (a migration, a test file) can be
/// run over the extended query protocol, which takes one statement at a time.
///
/// Understands what can hide a `;`: single-quoted strings (with `''` and `E'\''` escapes),
/// quoted identifiers, dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`), line comments and
/// nested block comments. Statements come back trimmed, without their `;`; empty ones (and
/// ones of comments only) are dropped.
public enum SQLScript {
    public static func statements(in script: String) -> [String] {
        let text = Array(script.utf8)
        var statements: [String] = []
        var start = 0
        var hasCode = false
        var index = 0

        func flush(upTo end: Int) {
            if hasCode, let statement = String(validating: text[start..<end], as: UTF8.self) {
                let trimmed = statement.trimmingSQLWhitespace()
                if !trimmed.isEmpty { statements.append(trimmed) }
            }
            hasCode = false
        }

        while index < text.count {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: ";"):
                flush(upTo: index)
                index += 1
                start = index
            case UInt8(ascii: "-") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "-"):
                while index < text.count && text[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < text.count && text[index + 1] == UInt8(ascii: "*"):
                index = endOfBlockComment(text, from: index)
            case UInt8(ascii: "'"):
                let escapes = index > 0 && (text[index - 1] | 0x20) == UInt8(ascii: "e")
                    && (index < 2 || !isIdentifierByte(text[index - 2]))
                index = endOfQuoted(text, from: index, quote: UInt8(ascii: "'"), backslashEscapes: escapes)
                hasCode = true
            case UInt8(ascii: "\""):
                index = endOfQuoted(text, from: index, quote: UInt8(ascii: "\""), backslashEscapes: false)
                hasCode = true
            case UInt8(ascii: "$"):
                if let tagEnd = dollarTagEnd(text, from: index) {
                    index = endOfDollarQuoted(text, tag: Array(text[index...tagEnd]), from: tagEnd + 1)
                } else {
                    index += 1
                }
                hasCode = true
            default:
                if !isWhitespace(byte) { hasCode = true }
                index += 1
            }
        }
        flush(upTo: text.count)
        return statements
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            || byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    /// Index just past a block comment starting at `from` (comments nest in PostgreSQL).
    private static func endOfBlockComment(_ text: [UInt8], from: Int) -> Int {
        var depth = 0
        var index = from
        while index < text.count {
            if text[index] == UInt8(ascii: "/"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else if text[index] == UInt8(ascii: "*"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "/") {
                depth -= 1
                index += 2
                if depth == 0 { return index }
            } else {
                index += 1
            }
        }
        return index
    }

    /// Index just past a quoted string or identifier starting at `from`; a doubled quote is an
    /// escaped quote.
    private static func endOfQuoted(_ text: [UInt8], from: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var index = from + 1
        while index < text.count {
            if backslashEscapes && text[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if text[index] == quote {
                if index + 1 < text.count && text[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return index
    }

    /// The index of the closing `$` when a dollar-quote tag (`$$` or `$tag$`) starts at `from`.
    private static func dollarTagEnd(_ text: [UInt8], from: Int) -> Int? {
        // `$1` is a parameter, and a `$` inside an identifier (`a$b`) is not a quote.
        if from > 0 && isIdentifierByte(text[from - 1]) { return nil }
        var index = from + 1
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "$") { return index }
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            guard isIdentifierByte(byte), !(isDigit && index == from + 1) else { return nil }
            index += 1
        }
        return nil
    }

    private static func endOfDollarQuoted(_ text: [UInt8], tag: [UInt8], from: Int) -> Int {
        var index = from
        while index + tag.count <= text.count {
            if text[index] == UInt8(ascii: "$") && Array(text[index..<index + tag.count]) == tag {
                return index + tag.count
            }
            index += 1
        }
        return text.count
    }
}

extension String {
    func trimmingSQLWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
