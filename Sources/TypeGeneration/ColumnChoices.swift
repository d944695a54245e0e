/// The values a column may take by a CHECK constraint of the form `column IN ('a', 'b', …)`:
/// generated types give such a column a union of those strings instead of `string`.
public struct ColumnChoices: Sendable, Equatable {
    public var schema: String
    public var table: String
    public var column: String
    public var values: [String]

    public init(schema: String, table: String, column: String, values: [String]) {
        self.schema = schema
        self.table = table
        self.column = column
        self.values = values
    }

    /// The choices a constraint definition, as `pg_get_constraintdef` prints it, allows; nil
    /// when it is not a plain list of string literals for one column. PostgreSQL prints
    /// `status IN ('a', 'b')` as `CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))`, and on
    /// a `varchar` column with casts around both sides.
    public static func parse(definition: String, schema: String, table: String) -> ColumnChoices? {
        guard definition.hasPrefix("CHECK ") else { return nil }
        guard let match = withoutOuterParentheses(definition.dropFirst("CHECK ".count)).wholeMatch(of: Self.anyOfArray) else { return nil }
        let column = String(match.output.1)
        var values: [String] = []
        var rest = match.output.2[...]
        while !rest.isEmpty {
            guard let literal = rest.prefixMatch(of: Self.literal) else { return nil }
            values.append(String(literal.output.1).replacing("''", with: "'"))
            rest = rest[literal.range.upperBound...]
            if rest.hasPrefix(", ") { rest = rest.dropFirst(2) } else if !rest.isEmpty { return nil }
        }
        return values.isEmpty ? nil : ColumnChoices(schema: schema, table: table, column: column, values: values)
    }

    /// `text` without the parentheses that enclose all of it, however many pairs.
    static func withoutOuterParentheses(_ text: Substring) -> Substring {
        var text = text
        while text.first == "(", text.last == ")", closesAtEnd(text) { text = text.dropFirst().dropLast() }
        return text
    }

    /// Whether the parenthesis that opens `text` is the one that closes it (quotes respected).
    private static func closesAtEnd(_ text: Substring) -> Bool {
        var depth = 0
        var quoted = false
        for (offset, character) in text.enumerated() {
            if character == "'" { quoted.toggle() }
            guard !quoted else { continue }
            if character == "(" { depth += 1 }
            if character == ")" {
                depth -= 1
                if depth == 0 { return offset == text.count - 1 }
            }
        }
        return false
    }

    nonisolated(unsafe) private static let anyOfArray =
        /\(?"?([a-z_][a-z0-9_]*)"?\)?(?:::[a-z ]+)? = ANY \(\(?ARRAY\[(.*?)\]\)?(?:::[a-z ]+\[\])?\)/

    nonisolated(unsafe) private static let literal = /'((?:[^']|'')*)'::[a-z ]+/
}

/// The choices of one schema's columns, looked up by table and column.
struct ChoicesByColumn: Sendable {
    private let values: [String: [String]]

    init(_ choices: [ColumnChoices], schema: String) {
        values = Dictionary(
            choices.filter { $0.schema == schema }.map { ("\($0.table).\($0.column)", $0.values) }, uniquingKeysWith: { first, _ in first })
    }

    subscript(table: String, column: String) -> [String]? {
        values["\(table).\(column)"]
    }
}
