import Core

/// `text/csv` bodies, built inside PostgreSQL: a header line of the output keys, then one line
/// per row. Fields holding a comma, a double quote or a line break are quoted (quotes doubled),
/// NULL is the empty field; JSON values (json columns, embeddings) appear as their JSON text.
/// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return first,
/// and not a number) starts with an apostrophe.
enum CSVRenderer {
    /// The body over `columns` (SQL expressions of one row each), as a text expression to
    /// aggregate over the rows.
    static func body(header keys: [String], columns: [String], into builder: inout SQLBuilder) -> String {
        let header = builder.bind(.text(keys.map(field).joined(separator: ",")), as: "text")
        let line = columns.isEmpty ? "''" : columns.map(sqlField).joined(separator: " || ',' || ")
        return "\(header) || coalesce(chr(10) || string_agg(\(line), chr(10)), '')"
    }

    /// One field of the header: neutralised and quoted as `internal.csv_field` does a row's.
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(text) == nil {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return text.enclosed(in: "\"")
    }

    /// The SQL of one field of a row (migration 0033).
    static func sqlField(_ column: String) -> String {
        "internal.csv_field(\(column)::text)"
    }
}
