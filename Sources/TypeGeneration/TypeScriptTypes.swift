import Core
import SchemaCache

/// The `Database` type of one schema in the shape Supabase's generator writes (`supabase gen
/// types typescript`): `Tables` with `Row`, `Insert`, `Update` and `Relationships`, `Views`,
/// `Functions` with `Args` and `Returns`, `Enums` and `CompositeTypes`, then the `Tables`,
/// `TablesInsert`, `TablesUpdate` and `Enums` helpers. Columns a CHECK limits to a list of
/// strings are unions of those strings.
public struct TypeScriptTypes: Sendable {
    let schema: String
    let relations: [Relation]
    let routines: [Routine]
    let enums: [String: [String]]
    let choices: ChoicesByColumn

    /// - Parameters:
    ///   - enums: the schema's enum types by name, each with its labels in order.
    ///   - choices: the CHECK-constrained columns of the schema's tables.
    public init(cache: SchemaCache, schema: String = "public", enums: [String: [String]] = [:], choices: [ColumnChoices] = []) {
        self.schema = schema
        relations = cache.relations.filter { $0.schema == schema }.sorted { $0.name < $1.name }
        routines = cache.routines.filter { $0.schema == schema }.sorted { $0.name < $1.name }
        self.enums = enums
        self.choices = ChoicesByColumn(choices, schema: schema)
    }

    public func render() -> String {
        var out = """
            export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

            export type Database = {
              \(TypeScriptName.key(schema)): {

            """
        out += "    Tables: " + block(relations.filter { $0.kind != .view && $0.kind != .materializedView }.map(table)) + "\n"
        out += "    Views: " + block(relations.filter { $0.kind == .view || $0.kind == .materializedView }.map(view)) + "\n"
        out += "    Functions: " + block(functions()) + "\n"
        out += "    Enums: " + block(enums.sorted { $0.key < $1.key }.map { name, labels in
            "      \(TypeScriptName.key(name)): \(Self.union(labels))\n"
        }) + "\n"
        out += "    CompositeTypes: {\n      [_ in never]: never\n    }\n"
        out += "  }\n}\n\n" + Self.helpers(schema: schema)
        return out
    }

    /// `{ … }` around members, or the never-object Supabase writes for an empty group.
    private func block(_ members: [String]) -> String {
        members.isEmpty ? "{\n      [_ in never]: never\n    }" : "{\n" + members.joined() + "    }"
    }

    private func table(_ relation: Relation) -> String {
        let name = TypeScriptName.key(relation.name)
        var out = "      \(name): {\n"
        out += "        Row: " + object(relation.columns.map { ($0.name, type(of: $0, in: relation) + ($0.nullable ? " | null" : ""), false) }, indent: 8)
        out += "        Insert: " + object(relation.columns.map { column in
            if column.generated { return (column.name, "never", true) }
            return (column.name, type(of: column, in: relation) + (column.nullable ? " | null" : ""), column.nullable || column.hasDefault)
        }, indent: 8)
        out += "        Update: " + object(relation.columns.map { column in
            if column.generated { return (column.name, "never", true) }
            return (column.name, type(of: column, in: relation) + (column.nullable ? " | null" : ""), true)
        }, indent: 8)
        out += "        Relationships: " + relationships(relation) + "\n"
        return out + "      }\n"
    }

    private func view(_ relation: Relation) -> String {
        let name = TypeScriptName.key(relation.name)
        var out = "      \(name): {\n"
        // A view's columns may be null whatever their source says: the catalog cannot tell.
        out += "        Row: " + object(relation.columns.map { ($0.name, type(of: $0, in: relation) + " | null", false) }, indent: 8)
        out += "        Relationships: " + relationships(relation) + "\n"
        return out + "      }\n"
    }

    private func relationships(_ relation: Relation) -> String {
        guard !relation.foreignKeys.isEmpty else { return "[]" }
        let keys = ([relation.primaryKey] + relation.uniqueKeys).map(Set.init)
        let entries = relation.foreignKeys.sorted { $0.constraintName < $1.constraintName }.map { key in
            """
                      {
                        foreignKeyName: \(TypeScriptName.string(key.constraintName))
                        columns: [\(key.columns.map(TypeScriptName.string).joined(separator: ", "))]
                        isOneToOne: \(keys.contains(Set(key.columns)))
                        referencedRelation: \(TypeScriptName.string(key.referencedTable))
                        referencedColumns: [\(key.referencedColumns.map(TypeScriptName.string).joined(separator: ", "))]
                      },

            """
        }
        return "[\n" + entries.joined() + "        ]"
    }

    private func functions() -> [String] {
        Dictionary(grouping: routines, by: \.name).sorted { $0.key < $1.key }.map { name, overloads in
            let signatures = overloads.map { routine in
                let arguments = routine.parameters.filter { !$0.name.isEmpty }
                let args = arguments.isEmpty
                    ? "Record<PropertyKey, never>"
                    : "{ " + arguments.map { "\(TypeScriptName.key($0.name))\($0.hasDefault ? "?" : ""): \(Self.scalar($0.type, enums: enums))" }
                        .joined(separator: "; ") + " }"
                return "{ Args: \(args); Returns: \(returns(routine)) }"
            }
            return "      \(TypeScriptName.key(name)): \(signatures.joined(separator: " | "))\n"
        }
    }

    private func returns(_ routine: Routine) -> String {
        let one: String
        if let relation = routine.resultRelation {
            one = "Database[\(TypeScriptName.string(relation.schema))][\"Tables\"][\(TypeScriptName.string(relation.name))][\"Row\"]"
        } else if let columns = routine.resultColumns, routine.returnsComposite {
            one = "{ " + columns.map { "\(TypeScriptName.key($0.name)): \(Self.scalar($0.type, enums: enums))" }.joined(separator: "; ") + " }"
        } else if routine.returnType == "void" {
            return "undefined"
        } else if routine.returnType == "record" {
            one = "Record<string, unknown>"
        } else {
            one = Self.scalar(routine.returnType, enums: enums)
        }
        return routine.returnsSet ? "(\(one))[]" : one
    }

    private func object(_ members: [(name: String, type: String, optional: Bool)], indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return "{\n" + members.map { "\(pad)  \(TypeScriptName.key($0.name))\($0.optional ? "?" : ""): \($0.type)\n" }.joined() + "\(pad)}\n"
    }

    private func type(of column: Column, in relation: Relation) -> String {
        if let values = choices[relation.name, column.name] {
            return column.type.hasSuffix("[]") ? "(\(Self.union(values)))[]" : Self.union(values)
        }
        return Self.scalar(column.type, enums: enums)
    }

    /// The TypeScript type of a PostgreSQL type as `format_type` writes it.
    static func scalar(_ type: String, enums: [String: [String]]) -> String {
        if type.hasSuffix("[]") { return "(\(scalar(String(type.dropLast(2)), enums: enums)))[]" }
        let base = type.split(separator: "(", maxSplits: 1).first.map { String($0) } ?? type
        let name = base.split(separator: ".").last.map(String.init) ?? base
        if enums[name] != nil { return "Database[\"public\"][\"Enums\"][\(TypeScriptName.string(name))]" }
        switch name {
        case "boolean": return "boolean"
        case "smallint", "integer", "bigint", "numeric", "real", "double precision": return "number"
        case "json", "jsonb": return "Json"
        case "text", "character varying", "character", "\"char\"", "name", "citext", "uuid", "date", "interval", "inet", "cidr",
             "bytea", "time without time zone", "time with time zone", "timestamp without time zone", "timestamp with time zone",
             "tsvector", "vector":
            return "string"
        default: return "unknown"
        }
    }

    static func union(_ values: [String]) -> String {
        values.map(TypeScriptName.string).joined(separator: " | ")
    }

    private static func helpers(schema: String) -> String {
        let key = TypeScriptName.string(schema)
        return """
            type DefaultSchema = Database[\(key)]

            export type Tables<T extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])> =
              (DefaultSchema["Tables"] & DefaultSchema["Views"])[T] extends { Row: infer R } ? R : never

            export type TablesInsert<T extends keyof DefaultSchema["Tables"]> =
              DefaultSchema["Tables"][T] extends { Insert: infer I } ? I : never

            export type TablesUpdate<T extends keyof DefaultSchema["Tables"]> =
              DefaultSchema["Tables"][T] extends { Update: infer U } ? U : never

            export type Enums<T extends keyof DefaultSchema["Enums"]> = DefaultSchema["Enums"][T]

            """
    }
}

/// Names and strings as TypeScript source.
enum TypeScriptName {
    /// A property name: bare when it is an identifier, else quoted.
    static func key(_ name: String) -> String {
        let identifier = name.first.map { $0 == "_" || $0.isLetter } == true && name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
        return identifier && name.allSatisfy(\.isASCII) ? name : string(name)
    }

    /// A double-quoted string literal: JSON's, with the line and paragraph separators escaped
    /// too (older engines end a string at them).
    static func string(_ text: String) -> String {
        text.jsonQuoted.replacing("\u{2028}", with: "\\u2028").replacing("\u{2029}", with: "\\u2029")
    }
}
