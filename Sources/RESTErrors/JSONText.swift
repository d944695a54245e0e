import Core

/// JSON text for the few values error bodies hold, escaped the way PostgREST's encoder (aeson)
/// escapes: `"` `\` `\n` `\r` `\t` by name, other control characters as `\u00xx`, everything
/// else (including `/` and non-ASCII) verbatim as UTF-8.
enum JSONText {
    static func string(_ value: String) -> String { value.jsonQuoted }

    /// A JSON object whose members are all strings, in the order given.
    static func object(_ members: [(key: String, value: String)]) -> String {
        "{" + members.map { string($0.key) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }
}
