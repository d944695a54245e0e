import SchemaCache

/// One `Codable` struct per table and view of a schema, as PostgREST's JSON carries its rows:
/// property names in lowerCamelCase with the column names as coding keys, `UUID` for uuid,
/// `Int`, `Double` and `Bool` for numbers and booleans, `JSONValue` for json and jsonb, `String`
/// for text and for dates and times (in the form PostgreSQL writes them), optionals for nullable
/// columns, and a `String`-backed enum nested in the struct for a column whose CHECK lists its
/// values.
public struct SwiftTypes: Sendable {
    let relations: [Relation]
    let choices: ChoicesByColumn

    public init(cache: SchemaCache, schema: String = "public", choices: [ColumnChoices] = []) {
        relations = cache.relations.filter { $0.schema == schema }.sorted { $0.name < $1.name }
        self.choices = ChoicesByColumn(choices, schema: schema)
    }

    public func render() -> String {
        var out = """
            // The tables of the database, as rows arrive from /rest/v1 (visionary gen types --lang swift).
            import Foundation


            """
        for relation in relations { out += structure(relation) + "\n" }
        return out + Self.jsonValue
    }

    private func structure(_ relation: Relation) -> String {
        var out = "/// `\(relation.schema).\(relation.name)`\(relation.kind == .table ? "" : " (a view)").\n"
        out += "public struct \(SwiftName.typeName(ofTable: relation.name)): Codable, Sendable, Hashable {\n"
        var nested: [String: String] = [:]
        for column in relation.columns {
            guard let values = choices[relation.name, column.name], !column.type.hasSuffix("[]") else { continue }
            let name = SwiftName.typeName(ofColumn: column.name)
            nested[column.name] = name
            out += "    public enum \(name): String, Codable, Sendable, CaseIterable {\n"
            for (value, caseName) in zip(values, SwiftName.caseNames(values)) {
                out += "        case \(caseName)" + (caseName.trimmingBackticks == value ? "" : " = \(SwiftName.string(value))") + "\n"
            }
            out += "    }\n\n"
        }
        for column in relation.columns {
            let type = nested[column.name] ?? Self.scalar(column.type)
            let nullable = column.nullable || relation.kind != .table
            out += "    public var \(SwiftName.property(column.name)): \(type)\(nullable ? "?" : "")\n"
        }
        out += "\n    public enum CodingKeys: String, CodingKey {\n"
        for column in relation.columns {
            let property = SwiftName.property(column.name)
            let bare = property.trimmingBackticks
            out += "        case \(property)" + (bare == column.name ? "" : " = \(SwiftName.string(column.name))") + "\n"
        }
        return out + "    }\n}\n"
    }

    /// The Swift type of a PostgreSQL type as `format_type` writes it.
    static func scalar(_ type: String) -> String {
        if type.hasSuffix("[]") { return "[\(scalar(String(type.dropLast(2))))]" }
        let base = type.split(separator: "(", maxSplits: 1).first.map(String.init) ?? type
        switch base.split(separator: ".").last.map(String.init) ?? base {
        case "boolean": return "Bool"
        case "smallint", "integer", "bigint": return "Int"
        case "numeric", "real", "double precision": return "Double"
        case "json", "jsonb": return "JSONValue"
        case "uuid": return "UUID"
        default: return "String"
        }
    }

    static let jsonValue = """
        /// A json or jsonb value.
        public enum JSONValue: Codable, Sendable, Hashable {
            case null
            case bool(Bool)
            case number(Double)
            case string(String)
            case array([JSONValue])
            case object([String: JSONValue])

            public init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if container.decodeNil() {
                    self = .null
                } else if let value = try? container.decode(Bool.self) {
                    self = .bool(value)
                } else if let value = try? container.decode(Double.self) {
                    self = .number(value)
                } else if let value = try? container.decode(String.self) {
                    self = .string(value)
                } else if let value = try? container.decode([JSONValue].self) {
                    self = .array(value)
                } else {
                    self = .object(try container.decode([String: JSONValue].self))
                }
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .null: try container.encodeNil()
                case .bool(let value): try container.encode(value)
                case .number(let value): try container.encode(value)
                case .string(let value): try container.encode(value)
                case .array(let value): try container.encode(value)
                case .object(let value): try container.encode(value)
                }
            }
        }

        """
}

/// Names and strings as Swift source.
enum SwiftName {
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout", "internal",
        "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static", "struct",
        "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough",
        "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while", "Any", "as", "await", "false", "is",
        "nil", "self", "Self", "super", "throws", "true", "try", "Type", "Protocol",
    ]

    /// `team_leaderboards` → `TeamLeaderboard`.
    static func typeName(ofTable table: String) -> String {
        var words = self.words(table)
        if let last = words.popLast() { words.append(singular(last)) }
        return identifier(words.map(capitalized).joined(), escape: false)
    }

    /// `period_type` → `PeriodType`; a name Swift reserves for types gets `Value` after it.
    static func typeName(ofColumn column: String) -> String {
        let name = identifier(words(column).map(capitalized).joined(), escape: false)
        return keywords.contains(name) ? name + "Value" : name
    }

    /// `user_id` → `userId`, a keyword in backticks.
    static func property(_ column: String) -> String {
        identifier(lowerCamel(words(column)), escape: true)
    }

    /// Case names for `values`, distinct: `all_time` → `allTime`, `FINANCE` → `finance`.
    static func caseNames(_ values: [String]) -> [String] {
        var used: Set<String> = []
        return values.map { value in
            var name = identifier(lowerCamel(words(value).map { $0.lowercased() }), escape: true)
            if name == "`init`" || name == "`self`" || name == "`Type`" { name = "_" + name.trimmingBackticks }
            var candidate = name
            var number = 2
            while used.contains(candidate) {
                candidate = name.trimmingBackticks + "\(number)"
                number += 1
            }
            used.insert(candidate)
            return candidate
        }
    }

    private static func words(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber) || !$0.isASCII }.map(String.init)
    }

    private static func lowerCamel(_ words: [String]) -> String {
        guard let first = words.first else { return "" }
        return first + words.dropFirst().map(capitalized).joined()
    }

    private static func capitalized(_ word: String) -> String {
        word.prefix(1).uppercased() + word.dropFirst()
    }

    private static func singular(_ word: String) -> String {
        if word.hasSuffix("ies") { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("sses") { return String(word.dropLast(2)) }
        if word.hasSuffix("s") && !word.hasSuffix("ss") { return String(word.dropLast()) }
        return word
    }

    /// A valid identifier: `_` before a leading digit, `value` for nothing at all, a keyword
    /// escaped in backticks when `escape`.
    private static func identifier(_ name: String, escape: Bool) -> String {
        var name = name.isEmpty ? "value" : name
        if name.first?.isNumber == true { name = "_" + name }
        return escape && keywords.contains(name) ? "`\(name)`" : name
    }

    /// A string literal.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

extension String {
    var trimmingBackticks: String { filter { $0 != "`" } }
}
