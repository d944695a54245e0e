import Core

/// Accumulates SQL text and its bound values; values are only ever placeholders in the text.
struct SQLBuilder {
    private(set) var binds: [SQLValue] = []
    private var aliases = 0

    /// A fresh alias for a relation or subquery of the statement: `t_1`, `e_2`, …
    mutating func alias(_ prefix: String) -> String {
        aliases += 1
        return "\(prefix)_\(aliases)"
    }

    /// A placeholder for `value`, cast to `type` when given.
    mutating func bind(_ value: SQLValue, as type: String? = nil) -> String {
        binds.append(value)
        let placeholder = "$\(binds.count)"
        return type.map { "\(placeholder)::\($0)" } ?? placeholder
    }

    /// An identifier, double-quoted with inner quotes doubled.
    static func quote(_ identifier: String) -> String {
        identifier.enclosed(in: "\"")
    }

    static func quote(schema: String, name: String) -> String {
        quote(schema) + "." + quote(name)
    }

    /// A string literal (for JSON keys and path steps, which come from the request).
    static func literal(_ text: String) -> String {
        text.enclosed(in: "'")
    }
}
