import Core

/// Accumulates SQL text and its bound values; values are only ever placeholders in the text.
struct SQLBuilder {
    private(set) var binds: [SQLValue] = []

    /// A placeholder for `value`, cast to `type` when given.
    mutating func bind(_ value: SQLValue, as type: String? = nil) -> String {
        binds.append(value)
        let placeholder = "$\(binds.count)"
        return type.map { "\(placeholder)::\($0)" } ?? placeholder
    }

    /// An identifier, double-quoted with inner quotes doubled.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func quote(schema: String, name: String) -> String {
        quote(schema) + "." + quote(name)
    }

    /// A string literal (for JSON keys and path steps, which come from the request).
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
