/// Which index serves the lookups a foreign key causes (a referenced row deleted or re-keyed
/// finds its referencing rows by the key's columns).
public enum ForeignKeyCoverage {
    /// The first valid index of the key's table whose leading key columns are the foreign key's
    /// columns (in any order) and that is not partial, or whose predicate only says those columns
    /// are not null (every row a lookup by value can find satisfies it); nil when there is none.
    public static func coveringIndex(of key: DatabaseFacts.ForeignKey, among indexes: [DatabaseFacts.Index]) -> DatabaseFacts.Index? {
        indexes.first { index in
            guard index.schema == key.schema, index.table == key.table, index.isValid,
                index.keyColumns.count >= key.columns.count
            else { return false }
            guard Set(index.keyColumns.prefix(key.columns.count)) == Set(key.columns) else { return false }
            guard let predicate = index.predicate else { return true }
            return onlyNotNull(predicate, of: Set(key.columns))
        }
    }

    /// Whether `predicate` is a conjunction of `column IS NOT NULL` terms on `columns`, as
    /// PostgreSQL prints it: `(a IS NOT NULL)`, `((a IS NOT NULL) AND (b IS NOT NULL))`.
    static func onlyNotNull(_ predicate: String, of columns: Set<String>) -> Bool {
        let terms = predicate.replacing("(", with: "").replacing(")", with: "").split(separator: " AND ")
        return terms.allSatisfy { term in
            let words = term.split(separator: " ").map(String.init)
            return words.count == 4 && words[1...] == ["IS", "NOT", "NULL"] && columns.contains(words[0].unquotedIdentifier)
        }
    }
}

extension String {
    /// An identifier as PostgreSQL prints it, without its double quotes.
    var unquotedIdentifier: String {
        guard count >= 2, hasPrefix("\""), hasSuffix("\"") else { return self }
        return String(dropFirst().dropLast()).replacing("\"\"", with: "\"")
    }
}
