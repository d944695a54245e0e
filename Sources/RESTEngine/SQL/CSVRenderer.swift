/// `text/csv` bodies, built inside PostgreSQL: a header line of the output keys, then one line
/// per row. Fields holding a comma, a double quote or a line break are quoted (quotes doubled),
/// NULL is the empty field; JSON values (json columns, embeddings) appear as their JSON text.
enum CSVRenderer {
    /// The body over `columns` (SQL expressions of one row each), as a text expression to
    /// aggregate over the rows.
    static func body(header keys: [String], columns: [String], into builder: inout SQLBuilder) -> String {
        let header = builder.bind(.text(keys.map(field).joined(separator: ",")), as: "text")
        let line = columns.isEmpty ? "''" : columns.map(sqlField).joined(separator: " || ',' || ")
        return "\(header) || coalesce(chr(10) || string_agg(\(line), chr(10)), '')"
    }

    /// One field, quoted when it must be.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return text.enclosed(in: "\"")
    }

    /// The SQL of one field of a row.
    static func sqlField(_ column: String) -> String {
        let text = "\(column)::text"
        return "coalesce(CASE WHEN \(text) ~ '[\",\\r\\n]' THEN '\"' || replace(\(text), '\"', '\"\"') || '\"' ELSE \(text) END, '')"
    }
}
