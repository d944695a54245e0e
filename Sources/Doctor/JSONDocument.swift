import Core

/// A JSON value whose objects keep their keys in order, written as indented text: the shape of
/// the `--json` report, without Foundation.
indirect enum JSONDocument: Sendable {
    case null
    case bool(Bool)
    case number(Int)
    case string(String)
    case array([JSONDocument])
    case object([(String, JSONDocument)])

    static func optional(_ value: String?) -> JSONDocument { value.map(JSONDocument.string) ?? .null }
    static func optional(_ value: Int?) -> JSONDocument { value.map(JSONDocument.number) ?? .null }
    static func strings(_ values: [String]) -> JSONDocument { .array(values.map(JSONDocument.string)) }

    /// The value as JSON text, two spaces per level.
    func text(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return String(value)
        case .string(let value): return value.jsonQuoted
        case .array(let values):
            guard !values.isEmpty else { return "[]" }
            return "[\n" + values.map { inner + $0.text(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n" + members.map { inner + $0.0.jsonQuoted + ": " + $0.1.text(indent: inner) }.joined(separator: ",\n") + "\n\(indent)}"
        }
    }
}
